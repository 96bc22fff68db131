/**
 * Provisions the root an Indy pool runs in. indy-node 1.13.2 / indy-plenum 1.13.1 need Python 3.8 or 3.9
 * and a RocksDB 6 binding, which Debian 11 (bullseye) packages, so the root is a bullseye made with
 * debootstrap. Into it go the node's PyPI wheels, every one pinned by hash and installed without
 * dependency resolution (plenum's setup.py is never run), BLS from the `indy-bls` wheel behind a small
 * `ursa` compatibility package, and the node configuration. The recipe is the files in recipe/.
 *
 * Idempotent: a stamp holding the recipe's hash makes a provisioned root a no-op; a changed recipe or an
 * interrupted build is rebuilt from scratch. Cached outside the repository (see indyPoolCacheDir).
 *
 * Run directly: `npx tsx agents/indy-pool/provision.ts` (as root).
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { pollUntil } from '../../common/waitFor.js'
import {
  checkDisk,
  CommandError,
  ensureDebianPackage,
  inRoot,
  lastLines,
  rootEnv,
  runCommand,
} from '../../common/debianRoot.js'
import { indyPoolCacheDir, POOL_DIR_VARIABLE } from './root.js'
import { pidAlive } from '../../common/processes.js'

export const INDY_NODE_VERSION = '1.13.2'
export const INDY_PLENUM_VERSION = '1.13.1'

const DEBIAN_SUITE = 'bullseye'
const here = path.dirname(fileURLToPath(import.meta.url))
const recipeDir = path.join(here, 'recipe')
const RECIPE_FILES = [
  'debian-packages.txt',
  'requirements.txt',
  'indy_config.py',
  'genesis.py',
  'check.py',
  'ursa/__init__.py',
  'ursa/bls.py',
  'ursa/indy_error.py',
]
const SITE_PACKAGES = 'usr/local/lib/python3.9/dist-packages'
/** Where the recipe's scripts are inside the root. */
export const ROOT_SCRIPTS_DIR = '/opt/didcomm-conformance'
const LOCK_WAIT_MS = 20 * 60_000

export class IndyPoolProvisionError extends Error {}

interface Stamp {
  recipeSha256: string
  versions: string
}

/** The sha256 of the recipe: the root, and the image made from it (image.ts), are rebuilt when it changes. */
export function indyPoolRecipeHash(): string {
  const hash = createHash('sha256').update(`${DEBIAN_SUITE}\n`)
  for (const file of RECIPE_FILES) hash.update(`${file}\n`).update(readFileSync(path.join(recipeDir, file)))
  return hash.digest('hex')
}

function readStamp(file: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Stamp
  } catch {
    return undefined
  }
}

function isProvisioned(root: string, stampFile: string, recipeSha256: string): boolean {
  return (
    readStamp(stampFile)?.recipeSha256 === recipeSha256 &&
    existsSync(path.join(root, 'usr/bin/python3')) &&
    existsSync(path.join(root, 'usr/local/bin/start_indy_node'))
  )
}

/** A lock file holding the owner's pid; a lock whose owner is gone is taken over. */
async function acquireLock(file: string, log: (msg: string) => void): Promise<() => void> {
  let announced = false
  return pollUntil({
    timeoutMs: LOCK_WAIT_MS,
    awaited: `the lock ${file} (another process is provisioning the pool)`,
    probe: async () => {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' })
        return () => rmSync(file, { force: true })
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
      const owner = Number(readFileSync(file, 'utf8'))
      if (!owner || !pidAlive(owner)) {
        rmSync(file, { force: true })
      } else if (!announced) {
        announced = true
        log(`waiting for process ${owner}, which is provisioning the pool`)
      }
      return undefined
    },
  })
}

/** Refuses to delete a root that something still uses: a mount under it, or a process running in it. */
function assertUnused(root: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mountPoint): mountPoint is string => mountPoint !== undefined)
    .filter((mountPoint) => mountPoint === root || mountPoint.startsWith(`${root}/`))
  if (mounts.length > 0) {
    throw new IndyPoolProvisionError(`cannot replace ${root}: mounted under it: ${mounts.join(', ')}; unmount first`)
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let processRoot: string
    try {
      processRoot = readlinkSync(`/proc/${pid}/root`)
    } catch {
      continue
    }
    if (processRoot === root) {
      throw new IndyPoolProvisionError(`cannot replace ${root}: process ${pid} runs in it (a pool still running?)`)
    }
  }
}

async function step<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (e) {
    if (e instanceof IndyPoolProvisionError) throw e
    const detail = e instanceof CommandError ? `${e.message}\n${e.output}` : (e as Error).message
    throw new IndyPoolProvisionError(`provisioning step "${name}" failed: ${detail}`)
  }
}

function listedPackages(): string[] {
  return readFileSync(path.join(recipeDir, 'debian-packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
}

async function build(dir: string, recipeSha256: string, log: (msg: string) => void): Promise<void> {
  const started = Date.now()
  const root = path.join(dir, 'root')
  const next = path.join(dir, 'root.new')
  const wheels = path.join(dir, 'wheels')
  const logFile = path.join(dir, 'provision.log')
  await writeFile(logFile, '')
  log(`provisioning the pool's root in ${root} (log: ${logFile})`)

  await step('apt-get install debootstrap', () => ensureDebianPackage('debootstrap', 'debootstrap', logFile, log))
  if (existsSync(next)) {
    assertUnused(next)
    await rm(next, { recursive: true, force: true })
  }
  await mkdir(path.join(dir, 'debs'), { recursive: true })
  const mirror = process.env.DIDCOMM_CONFORMANCE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
  const packages = listedPackages()
  const pipDownload = ['-m', 'pip', 'download', '--no-deps', '--require-hashes', '--disable-pip-version-check']
  pipDownload.push('--no-input', '-q', '-d', wheels, '-r', path.join(recipeDir, 'requirements.txt'))
  log(`debootstrap ${DEBIAN_SUITE} with ${packages.join(' ')}, and pip download of the pinned wheels (about a minute)`)
  await Promise.all([
    step(`debootstrap ${DEBIAN_SUITE} from ${mirror}`, () =>
      runCommand(
        'debootstrap',
        [
          '--variant=minbase',
          `--include=${packages.join(',')}`,
          `--cache-dir=${path.join(dir, 'debs')}`,
          DEBIAN_SUITE,
          next,
          mirror,
        ],
        { logFile },
      ),
    ),
    step('pip download of the pinned wheels from PyPI', () => runCommand('python3', pipDownload, { logFile })),
  ])

  log('installing indy-node, indy-plenum and their pinned dependencies into the root')
  const staged = path.join(next, 'tmp', 'wheels')
  await cp(wheels, staged, { recursive: true })
  await cp(path.join(recipeDir, 'requirements.txt'), path.join(staged, 'requirements.txt'))
  const pipInstall = ['python3', '-m', 'pip', 'install', '--no-index', '--no-deps', '--require-hashes']
  pipInstall.push('--find-links', '/tmp/wheels', '-r', '/tmp/wheels/requirements.txt')
  pipInstall.push('--disable-pip-version-check', '--no-warn-script-location', '--no-cache-dir', '-q')
  await step('pip install in the root', () => {
    const { command, args } = inRoot(next, pipInstall)
    return runCommand(command, args, { env: rootEnv(), logFile })
  })

  await step('installing the ursa compatibility package and the node configuration', async () => {
    await cp(path.join(recipeDir, 'ursa'), path.join(next, SITE_PACKAGES, 'ursa'), { recursive: true })
    await mkdir(path.join(next, 'etc/indy'), { recursive: true })
    await cp(path.join(recipeDir, 'indy_config.py'), path.join(next, 'etc/indy/indy_config.py'))
    await mkdir(path.join(next, ROOT_SCRIPTS_DIR), { recursive: true })
    for (const script of ['genesis.py', 'check.py']) {
      await cp(path.join(recipeDir, script), path.join(next, ROOT_SCRIPTS_DIR, script))
    }
    await rm(staged, { recursive: true, force: true })
    const archives = path.join(next, 'var/cache/apt/archives')
    for (const deb of readdirSync(archives).filter((f) => f.endsWith('.deb'))) await rm(path.join(archives, deb))
  })

  const checked = await step('checking the root (imports the node, loads BLS, checks the pins)', () => {
    const { command, args } = inRoot(next, ['python3', `${ROOT_SCRIPTS_DIR}/check.py`])
    return runCommand(command, args, { env: rootEnv(), logFile })
  })
  // The node's modules log while they load; the versions are the last line.
  const versions = lastLines(checked, 1)

  if (existsSync(root)) {
    assertUnused(root)
    await rm(root, { recursive: true, force: true })
  }
  await rename(next, root)
  // Written last: an interrupted build leaves no stamp and is redone next time.
  await writeFile(path.join(dir, 'stamp.json'), JSON.stringify({ recipeSha256, versions } satisfies Stamp) + '\n')
  log(`provisioned ${versions} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

/** Provisions the root unless the stamp says it is; returns the root's path. Needs root privileges. */
export async function ensureIndyPoolProvisioned(
  opts: { quiet?: boolean; log?: (msg: string) => void } = {},
): Promise<{ root: string }> {
  const log = (msg: string) => {
    if (opts.log) opts.log(`[indy-pool] ${msg}`)
    else if (!opts.quiet) console.log(`[indy-pool] ${msg}`)
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new IndyPoolProvisionError(
      `the Indy pool runs on linux x86_64 only (indy-bls ships no other wheel); this is ${process.platform} ${process.arch}`,
    )
  }
  const dir = indyPoolCacheDir()
  const root = path.join(dir, 'root')
  const stampFile = path.join(dir, 'stamp.json')
  const recipeSha256 = indyPoolRecipeHash()
  if (isProvisioned(root, stampFile, recipeSha256)) {
    log(`root already provisioned in ${root} (${readStamp(stampFile)?.versions})`)
    return { root }
  }
  if (process.getuid?.() !== 0) {
    throw new IndyPoolProvisionError(
      'provisioning the Indy pool needs root (debootstrap, chroot, mount namespaces): run as root, or use the docker path (README: "An Indy ledger")',
    )
  }
  await mkdir(dir, { recursive: true })
  const disk = checkDisk(dir, 2, POOL_DIR_VARIABLE)
  if (disk) throw new IndyPoolProvisionError(`provisioning step "checking disk space" failed: ${disk}`)
  const release = await acquireLock(path.join(dir, '.lock'), log)
  try {
    // Another process may have finished while this one waited for the lock.
    if (!isProvisioned(root, stampFile, recipeSha256)) await build(dir, recipeSha256, log)
  } finally {
    release()
  }
  return { root }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await ensureIndyPoolProvisioned()
  } catch (e) {
    console.error(`[indy-pool] ${(e as Error).message}`)
    process.exit(1)
  }
}
