import { createHash } from 'node:crypto'
import bs58 from 'bs58'
import type { DIDDocument, Service, VerificationMethod, VerificationRelationship } from 'did-resolver'
import { b64url } from '../../../didcomm/encoding.js'
import { multikeyToPublicKey } from '../../../didcomm/multikey.js'

const PREFIX = 'did:peer:2'
export const DID_CONTEXT: readonly string[] = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']

/** The spec's purpose-code table (`S`, for services, is handled separately). */
const PURPOSES = new Map<string, VerificationRelationship>([
  ['A', 'assertionMethod'],
  ['E', 'keyAgreement'],
  ['V', 'authentication'],
  ['I', 'capabilityInvocation'],
  ['D', 'capabilityDelegation'],
])
export type Peer2Purpose = 'A' | 'E' | 'V' | 'I' | 'D'

export interface Peer2Key {
  purpose: Peer2Purpose
  /** Multibase, multicodec public key, e.g. `z6Mk…`. */
  multikey: string
}

// `did-communication` has no abbreviation: the spec requires it to be spelled out for DIDComm v1.
const ABBREVIATE_KEYS = new Map([
  ['type', 't'],
  ['serviceEndpoint', 's'],
  ['routingKeys', 'r'],
  ['accept', 'a'],
])
const ABBREVIATE_TYPES = new Map([['DIDCommMessaging', 'dm']])
const EXPAND_KEYS = new Map([...ABBREVIATE_KEYS].map(([name, short]) => [short, name]))
const EXPAND_TYPES = new Map([...ABBREVIATE_TYPES].map(([name, short]) => [short, name]))

const MULTIBASE_KEY = /^z[1-9A-HJ-NP-Za-km-z]{46,}$/
const UNPADDED_B64URL = /^[A-Za-z0-9_-]+$/

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Recursively renames keys, and the value of `type`, as the spec's abbreviation step (or its inverse) says. */
function rename(value: unknown, keys: Map<string, string>, types: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rename(item, keys, types))
  if (!isObject(value)) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const name = keys.get(key) ?? key
      const isType = key === 'type' || name === 'type'
      return [name, isType && typeof item === 'string' ? (types.get(item) ?? item) : rename(item, keys, types)]
    }),
  )
}

/** `z` + base58btc(sha2-256 multihash of the UTF-8 text), as used by did:peer:3 and did:peer:4. */
export function sha256Multibase(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest()
  return 'z' + bs58.encode(Buffer.concat([Uint8Array.of(0x12, 0x20), digest]))
}

/**
 * Services are given with full property names; each is abbreviated and encoded on its own (never as a JSON list).
 * Service ids must be relative, as the spec requires for did:peer:2.
 */
export function createPeer2Did(keys: Peer2Key[], services: Record<string, unknown>[] = []): string {
  if (keys.length === 0 && services.length === 0) throw new Error('a did:peer:2 needs at least one key or service')
  const keyElements = keys.map(({ purpose, multikey }) => {
    if (!PURPOSES.has(purpose)) throw new Error(`"${purpose}" is not a did:peer:2 key purpose code`)
    multikeyToPublicKey(multikey) // throws unless it is an Ed25519 or X25519 multikey
    return `.${purpose}${multikey}`
  })
  const serviceElements = services.map((service) => {
    if (service.id !== undefined && (typeof service.id !== 'string' || !service.id.startsWith('#'))) {
      throw new Error(`did:peer:2 service id ${JSON.stringify(service.id)} must be relative (start with #)`)
    }
    return '.S' + b64url(JSON.stringify(rename(service, ABBREVIATE_KEYS, ABBREVIATE_TYPES)))
  })
  return PREFIX + keyElements.join('') + serviceElements.join('')
}

/** did:peer:3 = `did:peer:3` + hash of the did:peer:2 without its `did:peer:2` prefix. */
export function peer2ToPeer3(did: string): string {
  return 'did:peer:3' + sha256Multibase(did.slice(PREFIX.length))
}

function decodeService(encoded: string): Record<string, unknown> {
  if (!UNPADDED_B64URL.test(encoded)) throw new Error('did:peer:2 service is not unpadded base64url')
  let decoded: unknown
  try {
    decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64url')))
  } catch {
    throw new Error('did:peer:2 service is not base64url-encoded UTF-8 JSON')
  }
  if (!isObject(decoded)) throw new Error('did:peer:2 service must be a single JSON object, not a list')
  const service = rename(decoded, EXPAND_KEYS, EXPAND_TYPES) as Record<string, unknown>
  if (service.type === undefined || service.serviceEndpoint === undefined) {
    throw new Error('did:peer:2 service has no type or serviceEndpoint')
  }
  if (service.id !== undefined && typeof service.id !== 'string') {
    throw new Error('did:peer:2 service id is not a string')
  }
  return service
}

/** Resolves per the spec's normative algorithm, including the optional did:peer:3 `alsoKnownAs`. */
export function resolvePeer2Did(did: string): DIDDocument {
  if (!did.startsWith(PREFIX + '.')) throw new Error(`${did} is not a did:peer:2`)
  const verificationMethod: VerificationMethod[] = []
  const relationships: Partial<Record<VerificationRelationship, string[]>> = {}
  const service: Service[] = []
  let unnamedServices = 0
  for (const element of did.slice(PREFIX.length + 1).split('.')) {
    const code = element.charAt(0)
    const value = element.slice(1)
    if (code === 'S') {
      const decoded = decodeService(value)
      const id = decoded.id ?? (unnamedServices === 0 ? '#service' : `#service-${unnamedServices}`)
      if (decoded.id === undefined) unnamedServices++
      service.push({ ...decoded, id } as Service)
      continue
    }
    const relationship = PURPOSES.get(code)
    if (!relationship) throw new Error(`did:peer:2 element ".${element.slice(0, 12)}" has no known purpose code`)
    if (!MULTIBASE_KEY.test(value)) throw new Error(`did:peer:2 key "${value}" is not a base58btc multibase key`)
    const id = `#key-${verificationMethod.length + 1}`
    verificationMethod.push({ id, type: 'Multikey', controller: did, publicKeyMultibase: value })
    ;(relationships[relationship] ??= []).push(id)
  }
  return {
    '@context': [...DID_CONTEXT],
    id: did,
    alsoKnownAs: [peer2ToPeer3(did)],
    ...(verificationMethod.length > 0 && { verificationMethod }),
    ...relationships,
    ...(service.length > 0 && { service }),
  }
}
