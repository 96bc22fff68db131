import bs58 from 'bs58'

/** Multicodec prefixes (varint-encoded) for the key types DIDComm v1 uses. */
const ED25519_PUB = Uint8Array.of(0xed, 0x01)
const X25519_PUB = Uint8Array.of(0xec, 0x01)

export type MultikeyType = 'ed25519' | 'x25519'

function withPrefix(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length)
  out.set(prefix)
  out.set(key, prefix.length)
  return out
}

/** `z` + base58btc(multicodec || public key), e.g. `z6Mk…` for Ed25519. */
export function publicKeyToMultikey(publicKey: Uint8Array, type: MultikeyType = 'ed25519'): string {
  return 'z' + bs58.encode(withPrefix(type === 'ed25519' ? ED25519_PUB : X25519_PUB, publicKey))
}

export function multikeyToPublicKey(multikey: string): { type: MultikeyType; publicKey: Uint8Array } {
  if (!multikey.startsWith('z')) throw new Error(`multikey ${multikey} is not base58btc (no leading z)`)
  const bytes = bs58.decode(multikey.slice(1))
  const type =
    bytes[0] === 0xed && bytes[1] === 0x01 ? 'ed25519' : bytes[0] === 0xec && bytes[1] === 0x01 ? 'x25519' : undefined
  if (!type || bytes.length !== 34) throw new Error(`multikey ${multikey} is not an Ed25519 or X25519 public key`)
  return { type, publicKey: bytes.slice(2) }
}

/** DIDComm v1 names keys by their base58 Ed25519 public key ("verkey"). */
export function verkeyToMultikey(verkey: string): string {
  return publicKeyToMultikey(bs58.decode(verkey), 'ed25519')
}

export function multikeyToVerkey(multikey: string): string {
  const { type, publicKey } = multikeyToPublicKey(multikey)
  if (type !== 'ed25519') throw new Error(`multikey ${multikey} is not an Ed25519 key`)
  return bs58.encode(publicKey)
}

export function verkeyToDidKey(verkey: string): string {
  return `did:key:${verkeyToMultikey(verkey)}`
}

/** Accepts `did:key:z6Mk…` with or without a `#fragment` (ACA-Py adds one in invitations). */
export function didKeyToVerkey(didKey: string): string {
  const m = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(#.*)?$/.exec(didKey)
  if (!m?.[1]) throw new Error(`${didKey} is not a did:key`)
  return multikeyToVerkey(m[1])
}
