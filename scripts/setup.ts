/**
 * Provisions what `npm ci` cannot (the project installs with ignore-scripts, see .npmrc):
 *  1. builds the ffi-napi / ref-napi addons the Askar wrapper binds through;
 *  2. puts the Askar native library of exactly the version the wrapper binds into the wrapper's
 *     `native/` directory, taken from the PyPI wheel `aries-askar` (identical to the GitHub release
 *     build) and cached per user so later installs need no download;
 *  3. installs every supported ACA-Py release, an agent under test, each into its own project-local virtualenv;
 *  4. puts the indy-vdr native library the ledger client binds into its wrapper, the same way as Askar's;
 *  5. installs Credo-ts 0.6 into agents/credo-0.6, apart from the root's Credo 0.5.19.
 * Idempotent: every step checks first and says what it skipped.
 */
import path from 'node:path'
import {
  ASKAR_LIBRARY_FILE,
  ASKAR_LIBRARY_VERSION,
  askarNativeDir,
  ensureAskarLibrary,
} from '../agents/reference/native/askarLibrary.js'
import { AcapyPythonMissingError, ensureAcapyInstalled } from '../agents/acapy/install.js'
import { ACAPY_VERSIONS } from '../agents/acapy/versions.js'
import { ensureIndyVdrLibrary, provisionIndyVdrLibrary } from '../agents/indy-pool/vdrLibrary.js'
import { ensureCredo06Installed } from '../agents/credo-0.6/install.js'
import { buildFfiAddons, provisionWheelLibrary } from '../common/nativeLibraries.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const step = (msg: string) => console.log(`[setup] ${msg}`)

function fail(what: string, err: unknown): never {
  console.error(`[setup] ${what} failed: ${(err as Error).message}`)
  process.exit(1)
}

async function provisionAskar(): Promise<void> {
  const member = `aries_askar/${ASKAR_LIBRARY_FILE}`
  const target = path.join(askarNativeDir(), ASKAR_LIBRARY_FILE)
  await provisionWheelLibrary({ wheel: 'aries-askar', version: ASKAR_LIBRARY_VERSION, member, target }, step)
}

/**
 * The releases install concurrently (each pip run mostly waits on downloads). A release whose Python is
 * missing is a warning, not a failure: only runs that ask for it need it, and they fail at start.
 */
async function installAcapy(): Promise<void> {
  const results = await Promise.allSettled(ACAPY_VERSIONS.map((version) => ensureAcapyInstalled({ version })))
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') step(`ACA-Py ${result.value.version} ready in ${result.value.venv}`)
    else if (result.reason instanceof AcapyPythonMissingError) step(`warning: ${result.reason.message}`)
    else fail(`installing ACA-Py ${ACAPY_VERSIONS[i]}`, result.reason)
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
  try {
    await buildFfiAddons(ROOT, step)
  } catch (e) {
    fail('building the ffi addons', e)
  }
  try {
    await provisionAskar()
  } catch (e) {
    fail('provisioning the Askar native library', e)
  }
  try {
    const version = await ensureAskarLibrary()
    step(`Askar native library ${version} loads`)
  } catch (e) {
    fail('checking the Askar native library', e)
  }
  await installAcapy()
  await provisionIndyVdr()
  try {
    await ensureCredo06Installed()
  } catch (e) {
    fail('installing Credo 0.6', e)
  }
  step(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

await main()
