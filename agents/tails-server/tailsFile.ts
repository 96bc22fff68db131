/**
 * What a tails file and the names it travels under look like: Indy's tailsHash (base58 of the file's
 * SHA-256), the file's shape (a two-byte version, 00 02, then 128-byte points) and the two ways
 * ACA-Py names an upload (a revocation registry id, or the hash itself).
 */
import { createHash, type Hash } from 'node:crypto'
import bs58 from 'bs58'

/** Bytes every tails point takes, after the two-byte version. */
export const TAILS_POINT_BYTES = 128
/** The version tails files start with (indy-credx, anoncreds-rs). */
export const TAILS_VERSION = Buffer.from([0x00, 0x02])

/** Indy's tailsHash of a whole file. */
export function tailsHashOf(bytes: Uint8Array): string {
  return bs58.encode(createHash('sha256').update(bytes).digest())
}

/** Indy's tailsHash of a hash that has seen the whole file. */
export function tailsHashFrom(hash: Hash): string {
  return bs58.encode(hash.digest())
}

/** Why `size` bytes starting with `head` are not a tails file, or undefined when they can be one. */
export function tailsShapeProblem(size: number, head: Uint8Array): string | undefined {
  if (size < TAILS_VERSION.length || !TAILS_VERSION.equals(head.subarray(0, TAILS_VERSION.length)))
    return `not a tails file: it does not start with the version bytes 00 02`
  if ((size - TAILS_VERSION.length) % TAILS_POINT_BYTES !== 0)
    return `not a tails file: ${size - TAILS_VERSION.length} bytes after the version are not a whole number of ${TAILS_POINT_BYTES}-byte points`
  return undefined
}

const BASE58 = '[1-9A-HJ-NP-Za-km-z]'

/** A SHA-256 in base58 is 43 or 44 characters (fewer only for leading zero bytes, never below 32). */
export function isTailsHash(text: string): boolean {
  return new RegExp(`^${BASE58}{32,44}$`).test(text)
}

/**
 * An Indy revocation registry id: `<issuer DID>:4:<cred def id>:CL_ACCUM:<tag>`. The cred def id and
 * the tag are left open (a cred def id may name its schema by id, a tag may hold any character).
 */
export function isRevocationRegistryId(text: string): boolean {
  return new RegExp(`^${BASE58}{21,22}:4:.+:CL_ACCUM:.+$`).test(text) && !/[\0\r\n]/.test(text)
}
