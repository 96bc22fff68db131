/**
 * The indy-vdr native library that @hyperledger/indy-vdr-nodejs binds. The wrapper's install script
 * downloads it from GitHub, and the project installs with ignore-scripts, so it is taken from the PyPI
 * wheel `indy-vdr` of exactly the version the wrapper binds, cached per user, and put into the wrapper's
 * `native/` directory.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { provisionWheelLibrary } from '../../common/nativeLibraries.js'

const require = createRequire(import.meta.url)

/** What @hyperledger/indy-vdr-nodejs 0.2.2 binds (its `binary.remote_path`). */
export const INDY_VDR_LIBRARY_VERSION = '0.4.1'
export const INDY_VDR_LIBRARY_FILE = 'libindy_vdr.so'

export class IndyVdrUnavailableError extends Error {}

/** The directory the wrapper searches first after $LIB_INDY_VDR_PATH: the package's own `native/`. */
export function indyVdrNativeDir(): string {
  return path.join(path.dirname(require.resolve('@hyperledger/indy-vdr-nodejs/package.json')), 'native')
}

/** Idempotent: downloads the wheel only when the cache lacks the library, copies it only when missing. */
export async function provisionIndyVdrLibrary(log: (msg: string) => void = () => {}): Promise<void> {
  try {
    await provisionWheelLibrary(
      {
        wheel: 'indy-vdr',
        version: INDY_VDR_LIBRARY_VERSION,
        member: `indy_vdr/${INDY_VDR_LIBRARY_FILE}`,
        target: path.join(indyVdrNativeDir(), INDY_VDR_LIBRARY_FILE),
      },
      log,
    )
  } catch (e) {
    throw new IndyVdrUnavailableError(`provisioning the indy-vdr native library failed: ${(e as Error).message}`)
  }
}

let checked: string | undefined

/**
 * Loads the library and checks its version, so that a missing or mismatched library fails at start with
 * one line that says what to do, not with an ffi error mid-run.
 */
export async function ensureIndyVdrLibrary(): Promise<string> {
  if (checked) return checked
  const fix = 'run `npm run setup` to provision it'
  const dirs = [process.env.LIB_INDY_VDR_PATH, indyVdrNativeDir(), '/usr/lib', '/usr/local/lib'].filter(
    (d): d is string => Boolean(d),
  )
  if (!dirs.some((d) => existsSync(path.join(d, INDY_VDR_LIBRARY_FILE)))) {
    throw new IndyVdrUnavailableError(
      `indy-vdr native library ${INDY_VDR_LIBRARY_FILE} ${INDY_VDR_LIBRARY_VERSION} not found (looked in ${dirs.join(', ')}): ${fix}`,
    )
  }
  let version: string
  try {
    const { indyVdrNodeJS } = await import('@hyperledger/indy-vdr-nodejs')
    version = indyVdrNodeJS.version()
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0]
    throw new IndyVdrUnavailableError(`indy-vdr native library could not be loaded (${reason}): ${fix}`)
  }
  if (version !== INDY_VDR_LIBRARY_VERSION) {
    throw new IndyVdrUnavailableError(
      `indy-vdr native library is version ${version}, the wrapper needs ${INDY_VDR_LIBRARY_VERSION}: ${fix}`,
    )
  }
  checked = version
  return version
}
