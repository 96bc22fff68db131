import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/** The native library version that @openwallet-foundation/askar-nodejs 0.4.3 binds (its `binary.version`). */
export const ASKAR_LIBRARY_VERSION = '0.4.6'

const require = createRequire(import.meta.url)

/** The directory the wrapper searches first after $LIB_ASKAR_PATH: the package's own `native/`. */
export function askarNativeDir(): string {
  const pkg = require.resolve('@openwallet-foundation/askar-nodejs/package.json')
  return path.join(path.dirname(pkg), 'native')
}

export const ASKAR_LIBRARY_FILE = 'libaries_askar.so'

export class AskarUnavailableError extends Error {}

let checked: string | undefined

/**
 * Loads the Askar native library and checks its version, so that a missing or mismatched library
 * fails at start with one line that says what to do, not with an ffi stack trace mid-run.
 */
export async function ensureAskarLibrary(): Promise<string> {
  if (checked) return checked
  const fix = 'run `npm run setup` to provision it'
  const dirs = [process.env.LIB_ASKAR_PATH, askarNativeDir(), '/usr/lib', '/usr/local/lib'].filter((d): d is string =>
    Boolean(d),
  )
  if (!dirs.some((d) => existsSync(path.join(d, ASKAR_LIBRARY_FILE)))) {
    throw new AskarUnavailableError(
      `Askar native library ${ASKAR_LIBRARY_FILE} ${ASKAR_LIBRARY_VERSION} not found (looked in ${dirs.join(', ')}): ${fix}`,
    )
  }
  let version: string
  try {
    const { askar } = await import('@openwallet-foundation/askar-nodejs')
    version = askar.version()
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0]
    throw new AskarUnavailableError(`Askar native library could not be loaded (${reason}): ${fix}`)
  }
  if (version !== ASKAR_LIBRARY_VERSION) {
    throw new AskarUnavailableError(
      `Askar native library is version ${version}, the wrapper needs ${ASKAR_LIBRARY_VERSION}: ${fix}`,
    )
  }
  checked = version
  return version
}
