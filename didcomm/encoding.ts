/** base64url without padding, as ACA-Py and Credo write every envelope field. */
export function b64url(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url')
}

/** Standard or url-safe base64, padded or not (RFC 0017 readers SHOULD tolerate both). */
export function fromAnyBase64(value: string, what = 'value'): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw new Error(`${what} is not base64`)
  return new Uint8Array(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64'))
}
