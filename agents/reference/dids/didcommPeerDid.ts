import { didKeyToVerkey, multikeyToPublicKey, verkeyToMultikey } from '../../../didcomm/multikey.js'
import { createPeer2Did, DID_CONTEXT } from './peer2.js'
import { createPeer4Did } from './peer4.js'

export interface DidCommPeerDidParams {
  numalgo: 2 | 4
  /** Base58 Ed25519 verkey; DIDComm v1 derives the X25519 encryption key from it, as ACA-Py does. */
  verkey: string
  serviceEndpoint: string
  /** Mediator routing keys as Ed25519 did:keys. */
  routingKeys?: string[]
}

export interface DidCommPeerDid {
  /** The long form for numalgo 4. */
  did: string
  shortDid?: string
  /** Absolute verification method ids, e.g. `<did>#key-1`. */
  keyIds: string[]
  /** The verification relationships the document gives the key. */
  relationships: string[]
}

/** The agent's own peer DIDs, shaped like ACA-Py's so peers resolve them the same way. */
export function createDidCommPeerDid(params: DidCommPeerDidParams): DidCommPeerDid {
  const { numalgo, verkey, serviceEndpoint, routingKeys = [] } = params
  const multikey = verkeyToMultikey(verkey)
  // Both throw on malformed keys, so a bad key fails here rather than in a peer's resolver.
  multikeyToPublicKey(multikey)
  for (const key of routingKeys) didKeyToVerkey(key)
  if (!URL.canParse(serviceEndpoint)) throw new Error(`service endpoint ${serviceEndpoint} is not a URL`)

  if (numalgo === 2) {
    const did = createPeer2Did(
      [{ purpose: 'V', multikey }],
      [
        {
          id: '#didcomm-0',
          type: 'did-communication',
          priority: 0,
          recipientKeys: ['#key-1'],
          routingKeys,
          serviceEndpoint,
        },
      ],
    )
    return { did, keyIds: [`${did}#key-1`], relationships: ['authentication'] }
  }

  // The Ed25519 key is listed under keyAgreement too; peers convert it to X25519.
  const { longDid, shortDid } = createPeer4Did({
    '@context': [...DID_CONTEXT],
    verificationMethod: [{ id: '#key-0', type: 'Multikey', publicKeyMultibase: multikey }],
    authentication: ['#key-0'],
    keyAgreement: ['#key-0'],
    service: [
      {
        id: '#didcomm-0',
        type: 'did-communication',
        recipientKeys: ['#key-0'],
        routingKeys,
        serviceEndpoint,
        priority: 0,
      },
    ],
  })
  return { did: longDid, shortDid, keyIds: [`${longDid}#key-0`], relationships: ['authentication', 'keyAgreement'] }
}
