/**
 * Where the pool's Debian root lives.
 */
import path from 'node:path'
import { userCacheDir } from '../../common/nativeLibraries.js'

/** The variable that moves the pool's directory elsewhere. */
export const POOL_DIR_VARIABLE = 'DIDCOMM_CONFORMANCE_INDY_POOL_DIR'

/** `$DIDCOMM_CONFORMANCE_INDY_POOL_DIR`, else `indy-pool` in the user's cache. */
export function indyPoolCacheDir(): string {
  const configured = process.env[POOL_DIR_VARIABLE]
  return configured ? path.resolve(configured) : path.join(userCacheDir(), 'indy-pool')
}
