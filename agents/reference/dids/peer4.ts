import bs58 from 'bs58'
import type { DIDDocument } from 'did-resolver'
import { isObject, sha256Multibase } from './peer2.js'
import { RELATIONSHIPS } from '../../../didcomm/verificationMethods.js'

const B58 = '[1-9A-HJ-NP-Za-km-z]'
const SHORT_FORM = new RegExp(`^did:peer:4zQm${B58}{44}$`)
const LONG_FORM = new RegExp(`^(did:peer:4zQm${B58}{44}):(z${B58}+)$`)
/** Multicodec `json` (0x0200) as a varint. */
const JSON_CODEC = Uint8Array.of(0x80, 0x04)

export interface Peer4Dids {
  longDid: string
  shortDid: string
}

/** Verification methods listed in `verificationMethod` or embedded in a verification relationship. */
export function verificationMethods(doc: Record<string, unknown>): Record<string, unknown>[] {
  return [doc.verificationMethod, ...RELATIONSHIPS.map((name) => doc[name])]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .filter(isObject)
}

/** The input document has no root `id`, and its own ids are relative: the DID does not exist yet. */
export function createPeer4Did(inputDoc: Record<string, unknown>): Peer4Dids {
  if ('id' in inputDoc) throw new Error('a did:peer:4 input document must not have a root id')
  const services = Array.isArray(inputDoc.service) ? inputDoc.service.filter(isObject) : []
  for (const { id } of [...verificationMethods(inputDoc), ...services]) {
    if (typeof id === 'string' && !id.startsWith('#')) {
      throw new Error(`did:peer:4 input document id ${id} is not relative`)
    }
  }
  const json = new TextEncoder().encode(JSON.stringify(inputDoc))
  const encoded = 'z' + bs58.encode(Buffer.concat([JSON_CODEC, json]))
  // The hash covers the multibase string, leading `z` included.
  const shortDid = 'did:peer:4' + sha256Multibase(encoded)
  return { longDid: `${shortDid}:${encoded}`, shortDid }
}

/** Checks the hash before trusting the embedded document; throws on any mismatch or bad encoding. */
function decodeLongForm(longDid: string): { shortDid: string; inputDoc: Record<string, unknown> } {
  const match = LONG_FORM.exec(longDid)
  if (!match?.[1] || !match[2]) throw new Error(`${longDid} is not a did:peer:4 long form`)
  const [, shortDid, encoded] = match
  if ('did:peer:4' + sha256Multibase(encoded) !== shortDid) {
    throw new Error('did:peer:4 hash does not match its encoded document')
  }
  const bytes = bs58.decode(encoded.slice(1))
  if (bytes[0] !== JSON_CODEC[0] || bytes[1] !== JSON_CODEC[1]) {
    throw new Error('did:peer:4 document is not multicodec json')
  }
  let inputDoc: unknown
  try {
    inputDoc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(2)))
  } catch {
    throw new Error('did:peer:4 document is not UTF-8 JSON')
  }
  if (!isObject(inputDoc)) throw new Error('did:peer:4 document is not a JSON object')
  return { shortDid, inputDoc }
}

export function peer4LongToShort(longDid: string): string {
  return decodeLongForm(longDid).shortDid
}

/** The spec's "contextualize" step: `did` becomes the id, the other form goes into `alsoKnownAs`. */
function contextualize(inputDoc: Record<string, unknown>, did: string, otherForm: string): DIDDocument {
  const { alsoKnownAs = [] } = inputDoc
  if (!Array.isArray(alsoKnownAs)) throw new Error('did:peer:4 document alsoKnownAs is not a list')
  for (const method of verificationMethods(inputDoc)) method.controller ??= did
  return { ...inputDoc, id: did, alsoKnownAs: [...alsoKnownAs, otherForm] } as DIDDocument
}

/** Short forms resolve only from a long form seen before; this keeps those long forms, keyed by short form. */
export class Peer4LongForms {
  readonly #byShortForm = new Map<string, string>()

  /** Returns the short form; throws if the long form does not verify. */
  remember(longDid: string): string {
    const shortDid = peer4LongToShort(longDid)
    this.#byShortForm.set(shortDid, longDid)
    return shortDid
  }

  longFormOf(shortDid: string): string | undefined {
    return this.#byShortForm.get(shortDid)
  }
}

export function resolvePeer4Did(did: string, seen: Peer4LongForms): DIDDocument {
  if (SHORT_FORM.test(did)) {
    const longDid = seen.longFormOf(did)
    if (!longDid) throw new Error(`${did} is a did:peer:4 short form whose long form has not been seen`)
    return contextualize(decodeLongForm(longDid).inputDoc, did, longDid)
  }
  const { shortDid, inputDoc } = decodeLongForm(did)
  return contextualize(inputDoc, did, shortDid)
}
