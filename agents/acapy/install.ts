/**
 * Installs ACA-Py (aries-cloudagent with the askar extra) from PyPI into the project-local virtualenv
 * `.cache/acapy-venv`, every dependency pinned by the constraints file next to this module.
 * Idempotent: a stamp holding the version and the constraints hash, confirmed by importing the package,
 * makes a re-run a no-op; a changed constraints file or a broken venv triggers a clean reinstall.
 *
 * Run directly: `npx tsx agents/acapy/install.ts`.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export const ACAPY_VERSION = '0.12.8'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..')
export const ACAPY_VENV = path.join(repoRoot, '.cache', 'acapy-venv')
const constraintsFile = path.join(here, `constraints-${ACAPY_VERSION}.txt`)
const stampFile = path.join(ACAPY_VENV, '.didcomm-conformance-stamp.json')
const venvPython = path.join(ACAPY_VENV, 'bin', 'python')
const acapyBin = path.join(ACAPY_VENV, 'bin', 'aca-py')

export class AcapyInstallError extends Error {}

interface Stamp {
  version: string
  constraintsSha256: string
}

async function run(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(cmd, args, { maxBuffer: 64 * 1024 * 1024 })
  return stdout.trim()
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n')
}

/** The installed version, or undefined when the venv is missing or cannot import the package. */
async function installedVersion(): Promise<string | undefined> {
  if (!existsSync(venvPython) || !existsSync(acapyBin)) return undefined
  try {
    return await run(venvPython, ['-c', 'import aries_cloudagent.version as v; print(v.__version__)'])
  } catch {
    return undefined
  }
}

async function readStamp(): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(stampFile, 'utf8')) as Stamp
  } catch {
    return undefined
  }
}

/** Fails with one line naming the fix when the host Python cannot build the venv. */
async function checkHostPython(): Promise<void> {
  let version: string
  try {
    version = await run('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AcapyInstallError('python3 not found on PATH: install Python 3.9-3.11 (e.g. apt-get install python3)')
    }
    throw e
  }
  const [major, minor] = version.split('.').map(Number)
  // aries-cloudagent 0.12.8 declares python ^3.9; the pins were resolved on 3.11 and 3.12+ lacks some wheels.
  if (major !== 3 || minor === undefined || minor < 9 || minor > 11) {
    throw new AcapyInstallError(`python3 is ${version}, ACA-Py ${ACAPY_VERSION} needs Python 3.9-3.11`)
  }
  try {
    await run('python3', ['-c', 'import venv, ensurepip'])
  } catch {
    throw new AcapyInstallError(
      'python3 cannot create virtualenvs (venv/ensurepip missing): install them (e.g. apt-get install python3-venv)',
    )
  }
}

export async function ensureAcapyInstalled(opts: { quiet?: boolean } = {}): Promise<{ version: string; bin: string }> {
  const step = (msg: string) => {
    if (!opts.quiet) console.log(`[acapy] ${msg}`)
  }
  const constraintsSha256 = createHash('sha256')
    .update(await readFile(constraintsFile))
    .digest('hex')
  const stamp = await readStamp()
  if (stamp?.version === ACAPY_VERSION && stamp.constraintsSha256 === constraintsSha256) {
    const version = await installedVersion()
    if (version === ACAPY_VERSION) {
      step(`aries-cloudagent ${version} already installed in ${path.relative(repoRoot, ACAPY_VENV)}`)
      return { version, bin: acapyBin }
    }
  }

  await checkHostPython()
  // A partial, outdated or differently pinned venv is rebuilt from scratch so the result depends on the pins only.
  if (existsSync(ACAPY_VENV)) {
    step(`removing stale ${path.relative(repoRoot, ACAPY_VENV)}`)
    await rm(ACAPY_VENV, { recursive: true, force: true })
  }
  await mkdir(path.dirname(ACAPY_VENV), { recursive: true })
  step(`creating virtualenv ${path.relative(repoRoot, ACAPY_VENV)}`)
  try {
    await run('python3', ['-m', 'venv', ACAPY_VENV])
  } catch (e) {
    const err = e as Error & { stderr?: string }
    throw new AcapyInstallError(
      `creating the virtualenv failed (install python3-venv?): ${lastLines(err.stderr ?? err.message, 1)}`,
    )
  }

  step(`installing aries-cloudagent[askar]==${ACAPY_VERSION} from PyPI (30-40 s with a cold pip cache)`)
  const pip = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q']
  pip.push('-c', constraintsFile, `aries-cloudagent[askar]==${ACAPY_VERSION}`)
  try {
    await run(venvPython, pip)
  } catch (e) {
    const err = e as Error & { stderr?: string }
    throw new AcapyInstallError(`pip install failed:\n${lastLines(err.stderr ?? err.message, 20)}`)
  }

  const version = await installedVersion()
  if (version !== ACAPY_VERSION) {
    throw new AcapyInstallError(`after install, aries-cloudagent reports version ${version ?? '(none)'}`)
  }
  // Written last: an interrupted install leaves no stamp and is redone next time.
  await writeFile(stampFile, JSON.stringify({ version, constraintsSha256 } satisfies Stamp) + '\n')
  step(`installed aries-cloudagent ${version}: ${acapyBin}`)
  return { version, bin: acapyBin }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  try {
    await ensureAcapyInstalled()
    console.log(`[acapy] done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (e) {
    console.error(`[acapy] ${(e as Error).message}`)
    process.exit(1)
  }
}
