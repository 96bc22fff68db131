/**
 * Strict base64url decoding (RFC 4648 §5) for RFC 0019 envelope fields. Producers differ only in padding
 * (the RFC's own example pads; ACA-Py 0.12 and 1.x, Askar and Credo do not), so both are accepted; anything
 * else is refused, where Node's Buffer would silently skip or ignore it.
 */

const NOT_BASE64URL = /[^A-Za-z0-9_-]/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The canonical padding and the mask of unused low bits in the last character, by unpadded length mod 4. */
const TAIL: Record<number, { padding: string; unusedBits: number } | undefined> = {
  0: { padding: '', unusedBits: 0 },
  2: { padding: '==', unusedBits: 0b1111 },
  3: { padding: '=', unusedBits: 0b11 },
}

export class Base64urlError extends Error {
  override name = 'Base64urlError'
}

/**
 * Decodes unpadded or canonically padded base64url. Refused: characters outside the alphabet ('+', '/',
 * whitespace), '=' anywhere but a complete final padding, a length of 1 mod 4, and non-zero unused bits in
 * the last character. The last rule makes each byte string have exactly one accepted encoding (besides the
 * padded/unpadded pair). It is safe because every real encoder writes those bits as zero: Node's Buffer
 * (Askar-based agents, Credo's TypedArrayEncoder), Python's base64.urlsafe_b64encode (ACA-Py) and libsodium.
 */
export function decodeBase64url(value: string, what = 'value'): Uint8Array {
  const padAt = value.indexOf('=')
  const data = padAt < 0 ? value : value.slice(0, padAt)
  const padding = value.slice(data.length)
  const bad = NOT_BASE64URL.exec(data)
  if (bad) fail(what, `character ${JSON.stringify(bad[0])} at ${bad.index} is not in the base64url alphabet`)
  if (/[^=]/.test(padding)) fail(what, `'=' at ${padAt} is not at the end`)
  const tail = TAIL[data.length % 4]
  if (!tail) fail(what, `${data.length} characters (1 mod 4) cannot encode whole bytes`)
  if (padding && padding !== tail.padding) {
    fail(what, `${padding.length} padding characters where ${tail.padding.length} are canonical`)
  }
  if ((ALPHABET.indexOf(data.slice(-1)) & tail.unusedBits) !== 0) {
    fail(what, 'the last character has non-zero unused bits (not the canonical encoding)')
  }
  return new Uint8Array(Buffer.from(data, 'base64url'))
}

function fail(what: string, detail: string): never {
  throw new Base64urlError(`${what} is not base64url: ${detail}`)
}
