import { randomUUID } from 'node:crypto'
import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import { decodeBase64url } from '../../../didcomm/base64url.js'
import { b64url, fromAnyBase64 } from '../../../didcomm/encoding.js'
import { didKeyToVerkey, verkeyToDidKey } from '../../../didcomm/multikey.js'

/** RFC 0017 attachment with base64 data and a detached-payload JWS (EdDSA). */
export interface SignedAttachment {
  '@id': string
  'mime-type'?: string
  data: { base64: string; jws: { header: { kid: string }; protected: string; signature: string } }
}

/**
 * Signs `content` as ACA-Py and Credo expect it for `did_rotate~attach`: standard padded base64 in
 * `data.base64` (ACA-Py 0.12 rejects url-safe characters there), the did:key of the signer both in
 * `header.kid` and in the protected `jwk.kid` (ACA-Py 0.12 checks the latter against the invitation
 * key, newer agents the former).
 */
export function signAttachment(content: string, signer: { verkey: string; key: Key }): SignedAttachment {
  const kid = verkeyToDidKey(signer.verkey)
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(bs58.decode(signer.verkey)), kid }
  const protectedB64 = b64url(JSON.stringify({ alg: 'EdDSA', jwk }))
  const payload = b64url(content)
  const signature = signer.key.signMessage({ message: Buffer.from(`${protectedB64}.${payload}`, 'ascii') })
  return {
    '@id': randomUUID(),
    'mime-type': 'text/string',
    data: {
      base64: Buffer.from(content, 'utf8').toString('base64'),
      jws: { header: { kid }, protected: protectedB64, signature: b64url(signature) },
    },
  }
}

export class AttachmentSignatureError extends Error {}

/**
 * Verifies a signed attachment against the key the RFC requires (for DID Exchange: the invitation
 * key) and returns its content. Both the flattened JWS and the general form with one signature are
 * read; the payload may be in either base64 alphabet, padded or not.
 */
export function verifyAttachment(attachment: unknown, expectedVerkey: string): string {
  const a = attachment as { data?: { base64?: unknown; jws?: Record<string, unknown> } } | undefined
  const base64 = a?.data?.base64
  let jws = a?.data?.jws
  if (typeof base64 !== 'string' || !jws) throw new AttachmentSignatureError('attachment has no base64 data and jws')
  if (Array.isArray(jws.signatures)) {
    if (jws.signatures.length !== 1) throw new AttachmentSignatureError('jws has more than one signature')
    jws = jws.signatures[0] as Record<string, unknown>
  }
  const { protected: protectedB64, signature } = jws as { protected?: unknown; signature?: unknown }
  if (typeof protectedB64 !== 'string' || typeof signature !== 'string') {
    throw new AttachmentSignatureError('jws lacks protected header or signature')
  }
  const content = fromAnyBase64(base64, 'attachment data')
  let header: { alg?: unknown; jwk?: { kid?: unknown; x?: unknown } }
  try {
    header = JSON.parse(Buffer.from(decodeBase64url(protectedB64, 'jws protected')).toString('utf8'))
  } catch (e) {
    throw new AttachmentSignatureError(`jws protected header unreadable: ${(e as Error).message}`)
  }
  if (header.alg !== 'EdDSA') throw new AttachmentSignatureError(`jws alg is ${String(header.alg)}, not EdDSA`)
  const claimedKid = (jws as { header?: { kid?: unknown } }).header?.kid ?? header.jwk?.kid
  if (typeof claimedKid === 'string' && claimedKid.startsWith('did:key:')) {
    const claimed = didKeyToVerkey(claimedKid)
    if (claimed !== expectedVerkey) {
      throw new AttachmentSignatureError(`signed with ${claimed}, not the invitation key ${expectedVerkey}`)
    }
  }
  const signingInput = Buffer.from(`${protectedB64}.${b64url(content)}`, 'ascii')
  const key = Key.fromPublicBytes({ algorithm: KeyAlgorithm.Ed25519, publicKey: bs58.decode(expectedVerkey) })
  try {
    const ok = key.verifySignature({ message: signingInput, signature: decodeBase64url(signature, 'jws signature') })
    if (!ok) throw new AttachmentSignatureError(`signature does not verify with ${expectedVerkey}`)
  } catch (e) {
    if (e instanceof AttachmentSignatureError) throw e
    throw new AttachmentSignatureError(`signature does not verify: ${(e as Error).message}`)
  } finally {
    key.handle.free()
  }
  return Buffer.from(content).toString('utf8')
}
