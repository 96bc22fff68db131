import type { DIDDocument } from 'did-resolver'
import { multikeyToPublicKey } from '../../../didcomm/multikey.js'
import { DID_CONTEXT } from './peer2.js'

const DID_KEY = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$/

/**
 * Expands an Ed25519 (or X25519) did:key into its one-key document. No X25519 keyAgreement is derived from an
 * Ed25519 key: did:key makes that derivation optional, and DIDComm v1 derives it from the Ed25519 verkey itself.
 */
export function resolveDidKey(did: string): DIDDocument {
  const multikey = DID_KEY.exec(did)?.[1]
  if (!multikey) throw new Error(`${did} is not a did:key`)
  const { type } = multikeyToPublicKey(multikey)
  const id = `${did}#${multikey}`
  const doc: DIDDocument = {
    '@context': [...DID_CONTEXT],
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: multikey }],
  }
  if (type === 'x25519') return { ...doc, keyAgreement: [id] }
  return { ...doc, authentication: [id], assertionMethod: [id], capabilityInvocation: [id], capabilityDelegation: [id] }
}
