/**
 * Provisions what `npm ci` cannot (the project installs with ignore-scripts, see .npmrc):
 *  1. builds the ffi-napi / ref-napi addons the Askar wrapper binds through;
 *  2. puts the Askar native library of exactly the version the wrapper binds into the wrapper's
 *     `native/` directory, taken from the PyPI wheel `aries-askar` (identical to the GitHub release
 *     build) and cached per user so later installs need no download;
 *  3. installs ACA-Py, an agent under test, into a project-local virtualenv;
 *  4. puts the indy-vdr native library the ledger client binds into its wrapper, the same way as Askar's.
 * Idempotent: every step checks first and says what it skipped.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {
  ASKAR_LIBRARY_FILE,
  ASKAR_LIBRARY_VERSION,
  askarNativeDir,
  ensureAskarLibrary,
} from '../agents/reference/native/askarLibrary.js'
import { ensureAcapyInstalled } from '../agents/acapy/install.js'
import { ensureIndyVdrLibrary, provisionIndyVdrLibrary } from '../agents/indy-pool/vdrLibrary.js'

const require = createRequire(import.meta.url)
const step = (msg: string) => console.log(`[setup] ${msg}`)

function fail(what: string, err: unknown): never {
  console.error(`[setup] ${what} failed: ${(err as Error).message}`)
  process.exit(1)
}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache')
  return path.join(base, 'didcomm-conformance')
}

function buildFfiAddons(): void {
  const addons = ['@2060.io/ffi-napi', '@2060.io/ref-napi']
  const missing = addons.filter((name) => {
    const dir = path.dirname(require.resolve(`${name}/package.json`))
    return !existsSync(path.join(dir, 'build', 'Release'))
  })
  if (missing.length === 0) return step('ffi addons already built')
  step(`building ${missing.join(', ')} (node-gyp, about 10 s)`)
  try {
    execFileSync('npm', ['rebuild', '--ignore-scripts=false', '--foreground-scripts', ...missing], {
      stdio: ['ignore', 'inherit', 'inherit'],
    })
  } catch (e) {
    fail('building the ffi addons (needs python3, make and g++)', e)
  }
}

function provisionAskar(): void {
  const target = path.join(askarNativeDir(), ASKAR_LIBRARY_FILE)
  const cached = path.join(cacheDir(), 'askar', ASKAR_LIBRARY_VERSION, ASKAR_LIBRARY_FILE)
  if (!existsSync(cached)) {
    step(`downloading the aries-askar ${ASKAR_LIBRARY_VERSION} wheel from PyPI`)
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'askar-wheel-'))
    try {
      const pip = ['-m', 'pip', 'download', `aries-askar==${ASKAR_LIBRARY_VERSION}`, '--no-deps']
      pip.push('--only-binary=:all:', '--platform', 'manylinux2014_x86_64', '-d', tmp, '-q')
      execFileSync('python3', pip, { stdio: ['ignore', 'inherit', 'inherit'] })
      const wheel = readdirSync(tmp).find((f) => f.endsWith('.whl'))
      if (!wheel) throw new Error('pip downloaded no wheel')
      execFileSync('python3', ['-m', 'zipfile', '-e', path.join(tmp, wheel), path.join(tmp, 'x')])
      mkdirSync(path.dirname(cached), { recursive: true })
      copyFileSync(path.join(tmp, 'x', 'aries_askar', ASKAR_LIBRARY_FILE), cached)
    } catch (e) {
      fail('provisioning the Askar native library', e)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  } else {
    step(`Askar ${ASKAR_LIBRARY_VERSION} found in cache ${path.dirname(cached)}`)
  }
  if (!existsSync(target)) {
    mkdirSync(path.dirname(target), { recursive: true })
    copyFileSync(cached, target)
    step(`installed ${ASKAR_LIBRARY_FILE} into ${path.dirname(target)}`)
  }
}

async function provisionIndyVdr(): Promise<void> {
  try {
    await provisionIndyVdrLibrary(step)
    step(`indy-vdr native library ${await ensureIndyVdrLibrary()} loads`)
  } catch (e) {
    fail('provisioning the indy-vdr native library', e)
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  buildFfiAddons()
  provisionAskar()
  try {
    const version = await ensureAskarLibrary()
    step(`Askar native library ${version} loads`)
  } catch (e) {
    fail('checking the Askar native library', e)
  }
  try {
    const { version } = await ensureAcapyInstalled()
    step(`ACA-Py ${version} ready in .cache/acapy-venv`)
  } catch (e) {
    fail('installing ACA-Py', e)
  }
  await provisionIndyVdr()
  step(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

await main()
