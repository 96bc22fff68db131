import bs58 from 'bs58'
import { multikeyToPublicKey } from './multikey.js'

export const RELATIONSHIPS = [
  'authentication',
  'assertionMethod',
  'keyAgreement',
  'capabilityInvocation',
  'capabilityDelegation',
] as const

/** A verification method of a DID document, with its key and the relationships the document gives it. */
export interface Method {
  /** The fragment, e.g. `#key-1`. */
  fragment: string
  type: 'ed25519' | 'x25519'
  /** Base58 public key. */
  publicKey: string
  relationships: string[]
}

/** The Ed25519 and X25519 verification methods of a document, listed or embedded, by fragment. */
export function methodsOf(doc: Record<string, unknown>): Method[] {
  const fragmentOf = (id: string) => id.slice(id.indexOf('#'))
  const list = (name: string) => (Array.isArray(doc[name]) ? (doc[name] as unknown[]) : [])
  const listed = (name: string) =>
    list(name).map((v) => fragmentOf(typeof v === 'string' ? v : String((v as { id?: unknown }).id)))
  const embedded = RELATIONSHIPS.flatMap((name) => list(name).filter((v) => typeof v === 'object' && v !== null))
  const methods = new Map<string, Method>()
  for (const vm of [...list('verificationMethod'), ...embedded] as Array<Record<string, unknown>>) {
    const key = methodKey(vm)
    if (!key || typeof vm.id !== 'string') continue
    const fragment = fragmentOf(vm.id)
    methods.set(fragment, {
      fragment,
      ...key,
      relationships: RELATIONSHIPS.filter((name) => listed(name).includes(fragment)),
    })
  }
  return [...methods.values()]
}

function methodKey(vm: Record<string, unknown>): Pick<Method, 'type' | 'publicKey'> | undefined {
  if (typeof vm.publicKeyMultibase === 'string') {
    try {
      const { type, publicKey } = multikeyToPublicKey(vm.publicKeyMultibase)
      return { type, publicKey: bs58.encode(publicKey) }
    } catch {
      return undefined
    }
  }
  if (typeof vm.publicKeyBase58 === 'string') {
    const type = String(vm.type).startsWith('X25519') ? 'x25519' : 'ed25519'
    return { type, publicKey: vm.publicKeyBase58 }
  }
  return undefined
}
