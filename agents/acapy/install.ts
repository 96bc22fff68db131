/**
 * Installs an ACA-Py release (versions.ts) from PyPI into its own project-local virtualenv
 * (`.cache/acapy-<version>`), every dependency pinned by that release's constraints file next to this module.
 * Idempotent: a stamp in the venv holding the version and the constraints hash, confirmed by importing the
 * package, makes a re-run a no-op; a changed constraints file or a broken venv triggers a clean reinstall.
 *
 * Run directly: `npx tsx agents/acapy/install.ts [version]` (default: every supported version).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  ACAPY_VERSION_SPECS,
  ACAPY_VERSIONS,
  DEFAULT_ACAPY_VERSION,
  isAcapyVersion,
  type AcapyVersion,
  type AcapyVersionSpec,
  type PythonCandidate,
} from './versions.js'

const execFileAsync = promisify(execFile)

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..')

export class AcapyInstallError extends Error {}
/** No interpreter the release supports was found; the message is the one line naming the fix. */
export class AcapyPythonMissingError extends AcapyInstallError {}

export interface AcapyInstall {
  version: string
  /** The `aca-py` entry point. */
  bin: string
  /** The virtualenv, relative to the repository root. */
  venv: string
}

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

function venvPaths(spec: AcapyVersionSpec) {
  const venv = path.join(repoRoot, spec.venvDir)
  return {
    venv,
    python: path.join(venv, 'bin', 'python'),
    bin: path.join(venv, 'bin', 'aca-py'),
    stamp: path.join(venv, '.didcomm-conformance-stamp.json'),
    constraints: path.join(here, spec.constraintsFile),
  }
}

/** The installed version, or undefined when the venv is missing or cannot import the package. */
async function installedVersion(spec: AcapyVersionSpec): Promise<string | undefined> {
  const { python, bin } = venvPaths(spec)
  if (!existsSync(python) || !existsSync(bin)) return undefined
  try {
    return await run(python, ['-c', `import ${spec.versionModule} as v; print(v.__version__)`])
  } catch {
    return undefined
  }
}

async function readStamp(file: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Stamp
  } catch {
    return undefined
  }
}

/** Interpreter paths or commands a candidate stands for, best first. */
function candidatePaths(candidate: PythonCandidate): string[] {
  switch (candidate.kind) {
    case 'path':
      return [candidate.command]
    case 'env': {
      const value = process.env[candidate.variable]
      return value ? [value] : []
    }
    case 'pyenv': {
      const versions = path.join(process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'), 'versions')
      let names: string[]
      try {
        names = readdirSync(versions)
      } catch {
        return []
      }
      return names
        .filter((name) => name.startsWith(candidate.prefix))
        .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
        .map((name) => path.join(versions, name, 'bin', 'python'))
    }
  }
}

/** `major.minor` of an interpreter, or undefined when it does not run (absent, or e.g. an inactive pyenv shim). */
async function pythonVersion(python: string): Promise<[number, number] | undefined> {
  try {
    const out = await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])
    const m = /^(\d+)\.(\d+)$/.exec(out)
    return m ? [Number(m[1]), Number(m[2])] : undefined
  } catch {
    return undefined
  }
}

function compare(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1]
}

/** The first candidate interpreter within the release's range that can create virtualenvs. */
export async function findPython(spec: AcapyVersionSpec): Promise<string> {
  const { min, max, candidates, missing } = spec.python
  const outOfRange: string[] = []
  for (const python of candidates.flatMap(candidatePaths)) {
    const version = await pythonVersion(python)
    if (!version) continue
    if (compare(version, min) < 0 || (max && compare(version, max) > 0)) {
      outOfRange.push(`${python} is ${version.join('.')}`)
      continue
    }
    try {
      await run(python, ['-c', 'import venv, ensurepip'])
    } catch {
      throw new AcapyInstallError(
        `${python} cannot create virtualenvs (venv/ensurepip missing): install them (e.g. apt-get install python3-venv)`,
      )
    }
    return python
  }
  throw new AcapyPythonMissingError(outOfRange.length > 0 ? `${missing} (${outOfRange.join(', ')})` : missing)
}

/**
 * Why a version cannot run here, in one line naming the fix, or undefined when it is installed: for the
 * harness to say so before it starts any agent, instead of installing in the middle of a run.
 */
export async function acapyInstallProblem(version: AcapyVersion): Promise<string | undefined> {
  const spec = ACAPY_VERSION_SPECS[version]
  if ((await installedVersion(spec)) === spec.version) return undefined
  try {
    await findPython(spec)
  } catch (e) {
    return (e as Error).message
  }
  return `ACA-Py ${version} is not installed in ${spec.venvDir}: run \`npm run setup\``
}

export async function ensureAcapyInstalled(
  opts: { version?: AcapyVersion; quiet?: boolean } = {},
): Promise<AcapyInstall> {
  const spec = ACAPY_VERSION_SPECS[opts.version ?? DEFAULT_ACAPY_VERSION]
  const paths = venvPaths(spec)
  const step = (msg: string) => {
    if (!opts.quiet) console.log(`[acapy] ${msg}`)
  }
  const constraintsSha256 = createHash('sha256')
    .update(await readFile(paths.constraints))
    .digest('hex')
  const stamp = await readStamp(paths.stamp)
  if (stamp?.version === spec.version && stamp.constraintsSha256 === constraintsSha256) {
    const version = await installedVersion(spec)
    if (version === spec.version) {
      step(`${spec.distribution} ${version} already installed in ${spec.venvDir}`)
      return { version, bin: paths.bin, venv: spec.venvDir }
    }
  }

  const python = await findPython(spec)
  // A partial, outdated or differently pinned venv is rebuilt from scratch so the result depends on the pins only.
  if (existsSync(paths.venv)) {
    step(`removing stale ${spec.venvDir}`)
    await rm(paths.venv, { recursive: true, force: true })
  }
  await mkdir(path.dirname(paths.venv), { recursive: true })
  step(`creating virtualenv ${spec.venvDir} with ${python}`)
  try {
    await run(python, ['-m', 'venv', paths.venv])
  } catch (e) {
    const err = e as Error & { stderr?: string }
    throw new AcapyInstallError(
      `creating the virtualenv failed (install python3-venv?): ${lastLines(err.stderr ?? err.message, 1)}`,
    )
  }

  step(`installing ${spec.requirement} from PyPI (${spec.coldInstallTime} with a cold pip cache)`)
  const pip = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q']
  pip.push('-c', paths.constraints, spec.requirement)
  try {
    await run(paths.python, pip)
  } catch (e) {
    const err = e as Error & { stderr?: string }
    throw new AcapyInstallError(`pip install ${spec.requirement} failed:\n${lastLines(err.stderr ?? err.message, 20)}`)
  }

  const version = await installedVersion(spec)
  if (version !== spec.version) {
    throw new AcapyInstallError(`after install, ${spec.distribution} reports version ${version ?? '(none)'}`)
  }
  // Written last: an interrupted install leaves no stamp and is redone next time.
  await writeFile(paths.stamp, JSON.stringify({ version, constraintsSha256 } satisfies Stamp) + '\n')
  step(`installed ${spec.distribution} ${version}: ${paths.bin}`)
  return { version, bin: paths.bin, venv: spec.venvDir }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const requested = process.argv.slice(2)
  const unknown = requested.filter((v) => !isAcapyVersion(v))
  if (unknown.length > 0) {
    console.error(`[acapy] unknown version ${unknown.join(', ')}; supported: ${ACAPY_VERSIONS.join(', ')}`)
    process.exit(2)
  }
  const versions = requested.length > 0 ? requested.filter(isAcapyVersion) : [...ACAPY_VERSIONS]
  let failed = false
  for (const version of versions) {
    const started = Date.now()
    try {
      await ensureAcapyInstalled({ version })
      console.log(`[acapy] ${version} done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    } catch (e) {
      console.error(`[acapy] ${(e as Error).message}`)
      failed = true
    }
  }
  if (failed) process.exit(1)
}
