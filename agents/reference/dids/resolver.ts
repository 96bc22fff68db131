import bs58 from 'bs58'
import { parse, Resolver } from 'did-resolver'
import type { DIDDocument, DIDResolutionResult } from 'did-resolver'
import { resolveDidKey } from './key.js'
import { didKeyToVerkey, multikeyToVerkey } from '../../../didcomm/multikey.js'
import { isObject, resolvePeer2Did } from './peer2.js'
import { Peer4LongForms, resolvePeer4Did, verificationMethods } from './peer4.js'

/** RFC 0794's problem-report codes, so a refused DID rotation can report the error as it is. */
export type DidResolutionErrorCode = 'e.did.unresolvable' | 'e.did.method_unsupported' | 'e.did.doc_unsupported'

export class DidResolutionError extends Error {
  constructor(
    readonly code: DidResolutionErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'DidResolutionError'
  }
}

export interface DidCommTarget {
  did: string
  /** Base58 Ed25519 verkeys. */
  recipientKeys: string[]
  /** Base58 Ed25519 verkeys, in the order the service lists them. */
  routingKeys: string[]
  serviceEndpoint: string
}

function resolved(resolve: () => DIDDocument): DIDResolutionResult {
  try {
    const didDocument = resolve()
    return { didResolutionMetadata: { contentType: 'application/did+ld+json' }, didDocument, didDocumentMetadata: {} }
  } catch (error) {
    return failed('notFound', error instanceof Error ? error.message : String(error))
  }
}

function failed(error: string, message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} }
}

/** `#fragment` when `ref` points into `doc` (relative, or absolute with the doc's id or an alias), else undefined. */
function localFragment(doc: DIDDocument, ref: string): string | undefined {
  const hash = ref.indexOf('#')
  if (hash === -1) return undefined
  const owner = ref.slice(0, hash)
  return owner === '' || owner === doc.id || doc.alsoKnownAs?.includes(owner) ? ref.slice(hash) : undefined
}

function verificationMethodVerkey(method: Record<string, unknown>): string {
  const { id, type, publicKeyMultibase, publicKeyBase58 } = method
  if ((type === 'Multikey' || type === 'Ed25519VerificationKey2020') && typeof publicKeyMultibase === 'string') {
    return multikeyToVerkey(publicKeyMultibase)
  }
  if (type === 'Ed25519VerificationKey2018' && typeof publicKeyBase58 === 'string') {
    if (bs58.decode(publicKeyBase58).length !== 32) throw new Error(`${String(id)} is not a 32-byte Ed25519 key`)
    return publicKeyBase58
  }
  throw new Error(`${String(id)} (${String(type)}) is not an Ed25519 key with publicKeyMultibase or publicKeyBase58`)
}

/** Resolves a service key reference (`#key-1`, `did…#key-1` into the same doc, or a did:key) to a verkey. */
function keyReferenceVerkey(doc: DIDDocument, ref: unknown): string {
  if (typeof ref !== 'string') throw new Error(`key reference ${JSON.stringify(ref)} is not a string`)
  if (ref.startsWith('did:key:')) return didKeyToVerkey(ref)
  const fragment = localFragment(doc, ref)
  const method = fragment
    ? verificationMethods(doc).find((vm) => typeof vm.id === 'string' && localFragment(doc, vm.id) === fragment)
    : undefined
  if (!method) throw new Error(`key ${ref} is neither a did:key nor a verification method of the document`)
  return verificationMethodVerkey(method)
}

function priority(service: Record<string, unknown>): number {
  return typeof service.priority === 'number' ? service.priority : 0
}

function didCommTarget(did: string, doc: DIDDocument, service: Record<string, unknown>): DidCommTarget {
  const { serviceEndpoint, recipientKeys, routingKeys = [] } = service
  if (typeof serviceEndpoint !== 'string' || !URL.canParse(serviceEndpoint)) {
    throw new Error('serviceEndpoint is not a URL string')
  }
  if (!Array.isArray(recipientKeys) || recipientKeys.length === 0) throw new Error('no recipientKeys')
  if (!Array.isArray(routingKeys)) throw new Error('routingKeys is not a list')
  return {
    did,
    recipientKeys: recipientKeys.map((ref) => keyReferenceVerkey(doc, ref)),
    routingKeys: routingKeys.map((ref) => keyReferenceVerkey(doc, ref)),
    serviceEndpoint,
  }
}

/** One per agent: resolves did:peer:2, did:peer:4 and did:key, and remembers the did:peer:4 long forms it has seen. */
export class DidRegistry {
  readonly #peer4 = new Peer4LongForms()
  /** did:peer:2/4 and did:key documents are derived from the DID itself, so a resolved target never goes stale. */
  readonly #targets = new Map<string, DidCommTarget>()
  readonly #resolver = new Resolver({
    peer: async (did) => {
      const numalgo = did.charAt('did:peer:'.length)
      if (numalgo === '2') return resolved(() => resolvePeer2Did(did))
      if (numalgo === '4') return resolved(() => resolvePeer4Did(did, this.#peer4))
      return /^[0-9]$/.test(numalgo)
        ? failed('unsupportedDidMethod', `did:peer numalgo ${numalgo} is not supported (only 2 and 4)`)
        : failed('invalidDid', `${did} has no did:peer numalgo`)
    },
    key: async (did) => resolved(() => resolveDidKey(did)),
  })

  async resolve(did: string): Promise<DIDDocument> {
    const parsed = typeof did === 'string' ? parse(did) : null
    if (parsed?.did !== did) throw new DidResolutionError('e.did.unresolvable', `${JSON.stringify(did)} is not a DID`)
    const { didResolutionMetadata: metadata, didDocument } = await this.#resolver.resolve(did)
    if (metadata.error === 'unsupportedDidMethod') {
      const reason = String(metadata.message ?? `DID method "${parsed.method}" is not supported`)
      throw new DidResolutionError('e.did.method_unsupported', `${did}: ${reason}`)
    }
    if (!didDocument) {
      throw new DidResolutionError(
        'e.did.unresolvable',
        `${did} does not resolve: ${String(metadata.message ?? metadata.error)}`,
      )
    }
    return didDocument
  }

  /** The first usable did-communication service, lowest `priority` first (document order between equals). */
  async resolveDidCommTarget(did: string): Promise<DidCommTarget> {
    const cached = this.#targets.get(did)
    if (cached) return cached
    const target = await this.#resolveTarget(did)
    this.#targets.set(did, target)
    return target
  }

  async #resolveTarget(did: string): Promise<DidCommTarget> {
    const doc = await this.resolve(did)
    const services = (Array.isArray(doc.service) ? doc.service : [])
      .filter((service) => isObject(service) && [service.type].flat().includes('did-communication'))
      .sort((a, b) => priority(a) - priority(b))
    const problems: string[] = []
    for (const service of services) {
      try {
        return didCommTarget(did, doc, service)
      } catch (error) {
        problems.push(`${String(service.id)}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    const detail = problems.length > 0 ? problems.join('; ') : 'no service of type did-communication'
    throw new DidResolutionError('e.did.doc_unsupported', `${did} has no usable DIDComm v1 service (${detail})`)
  }

  /** Keeps a did:peer:4 long form so its short form resolves later; a long form that does not verify is refused. */
  rememberLongForm(longDid: string): void {
    try {
      this.#peer4.remember(longDid)
    } catch (error) {
      throw new DidResolutionError('e.did.unresolvable', error instanceof Error ? error.message : String(error))
    }
  }
}
