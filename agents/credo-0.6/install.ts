/**
 * Installs Credo-ts 0.6 into agents/credo-0.6/node_modules, apart from the root's Credo 0.5.19, and
 * provisions what `npm ci --ignore-scripts` leaves out (the Askar wrapper's install script downloads
 * from GitHub, which is not reachable everywhere):
 *  1. `npm ci --ignore-scripts` in this folder, when the lock changed since the last install;
 *  2. the ffi-napi / ref-napi addons the Askar wrapper binds through, built with node-gyp;
 *  3. the Askar native library of exactly the version the wrapper binds, from the PyPI wheel
 *     `aries-askar`, cached per user (common/nativeLibraries.ts, as `npm run setup` does for the root).
 * Idempotent: every step checks first and says what it skipped.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildFfiAddons, provisionWheelLibrary, runLogged } from '../../common/nativeLibraries.js'

export const CREDO_06_DIR = import.meta.dirname
/** The entry the launcher forks; it resolves its packages from CREDO_06_DIR/node_modules first. */
export const CREDO_06_ENTRY = path.join(CREDO_06_DIR, 'agentProcess.ts')

const NODE_MODULES = path.join(CREDO_06_DIR, 'node_modules')
/** Written after a successful `npm ci`: the hash of the lock it installed. */
const STAMP = path.join(NODE_MODULES, '.credo-0.6-lock.sha256')
const ASKAR_WRAPPER = path.join(NODE_MODULES, '@openwallet-foundation', 'askar-nodejs')
const ASKAR_LIBRARY_FILE = 'libaries_askar.so'

const step = (msg: string) => console.log(`[credo-0.6] ${msg}`)

function lockHash(): string {
  return createHash('sha256')
    .update(readFileSync(path.join(CREDO_06_DIR, 'package-lock.json')))
    .digest('hex')
}

async function installPackages(): Promise<void> {
  const hash = lockHash()
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash) return step('packages already installed')
  step('npm ci --ignore-scripts (Credo 0.6, about 20 s)')
  await runLogged(
    'npm',
    ['ci', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund'],
    CREDO_06_DIR,
    step,
  )
  writeFileSync(STAMP, `${hash}\n`)
}

/** The native library version the installed wrapper binds: its package.json `binary.version`, without the `v`. */
function askarLibraryVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(ASKAR_WRAPPER, 'package.json'), 'utf8')) as {
    binary?: { version?: string }
  }
  const version = pkg.binary?.version?.replace(/^v/, '')
  if (!version) throw new Error(`${ASKAR_WRAPPER}/package.json names no binary.version`)
  return version
}

async function provisionAskar(): Promise<string> {
  const version = askarLibraryVersion()
  const target = path.join(ASKAR_WRAPPER, 'native', ASKAR_LIBRARY_FILE)
  await provisionWheelLibrary(
    { wheel: 'aries-askar', version, member: `aries_askar/${ASKAR_LIBRARY_FILE}`, target },
    step,
  )
  return version
}

/**
 * Loads the library through this folder's wrapper in a child process: the harness process keeps
 * the root's wrapper, and a missing addon or library fails here, not in the agent's first request.
 */
async function checkAskar(expected: string): Promise<void> {
  const script = "import { askar } from '@openwallet-foundation/askar-nodejs'; console.log(`loads ${askar.version()}`)"
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: CREDO_06_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.once('error', reject)
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`the Askar library does not load: ${output.trim()}`)),
    )
  })
  if (output.trim() !== `loads ${expected}`) throw new Error(`the Askar library is not ${expected}: ${output.trim()}`)
  step(`Askar native library ${expected} loads`)
}

/** Why Credo 0.6 cannot run here, in one line naming the fix, or undefined when it is installed. */
export function credo06InstallProblem(): string | undefined {
  const installed = existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === lockHash()
  const native = existsSync(path.join(ASKAR_WRAPPER, 'native', ASKAR_LIBRARY_FILE))
  return installed && native ? undefined : `Credo 0.6.3 is not installed in ${CREDO_06_DIR}: run \`npm run setup\``
}

let installing: Promise<void> | undefined

/** Makes agents/credo-0.6 ready to fork; concurrent calls in one process share one install. */
export function ensureCredo06Installed(): Promise<void> {
  installing ??= (async () => {
    const started = Date.now()
    await installPackages()
    await buildFfiAddons(CREDO_06_DIR, step)
    await checkAskar(await provisionAskar())
    step(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })().catch((e: unknown) => {
    // A failed attempt is not remembered: the next call tries again.
    installing = undefined
    throw e
  })
  return installing
}
