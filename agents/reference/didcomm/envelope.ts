/**
 * RFC 0019 encryption envelope (DIDComm v1, `didcomm/aip2;env=rfc19`). Askar does the X25519 key wrapping
 * (crypto_box and sealed boxes); the content cipher runs in Node's OpenSSL, because each Askar call costs tens of
 * microseconds of FFI overhead and the AEAD would add three calls per side.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { CryptoBox, Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import type { PackAlg } from '../../../contract/trace.js'
import { decodeBase64url } from '../../../didcomm/base64url.js'
import { b64url } from '../../../didcomm/encoding.js'

export interface PackedEnvelope {
  protected: string
  iv: string
  ciphertext: string
  tag: string
}

export interface SenderKey {
  /** base58 Ed25519 verkey */
  verkey: string
  /** the Askar Ed25519 private key of `verkey` */
  key: Key
}

export interface ProtectedHeaderFacts {
  alg: PackAlg
  enc: string
  recipientVerkeys: string[]
}

export interface UnpackedMessage {
  plaintext: string
  alg: PackAlg
  senderVerkey?: string
  recipientVerkey: string
  recipientVerkeys: string[]
}

export class EnvelopeError extends Error {
  override name = 'EnvelopeError'
}

// The header says XChaCha, but every implementation encrypts with ChaCha20-Poly1305 IETF and a 12-byte iv.
const ENC = 'xchacha20poly1305_ietf'
const TYP = 'JWM/1.0'
const CEK_BYTES = 32
const CONTENT_IV_BYTES = 12
const TAG_BYTES = 16
const BOX_NONCE_BYTES = 24
const BOX_MAC_BYTES = 16
const SEAL_OVERHEAD = 32 + BOX_MAC_BYTES
const ENVELOPE_MEMBERS = ['protected', 'iv', 'ciphertext', 'tag'] as const

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Bounded cache of native key handles; evicted handles are freed. */
class KeyCache {
  private readonly keys = new Map<string, Key>()

  constructor(private readonly limit: number) {}

  get(verkey: string, make: () => Key): Key {
    const hit = this.keys.get(verkey)
    if (hit) return hit
    const key = make()
    if (this.keys.size >= this.limit) {
      const [oldest, evicted] = this.keys.entries().next().value as [string, Key]
      this.keys.delete(oldest)
      evicted.handle.free()
    }
    this.keys.set(verkey, key)
    return key
  }
}

// Ed25519 -> X25519 conversions cost two or three FFI calls each, so they are kept per verkey.
// A cached key must be used before the next await: a concurrent call may evict and free it.
const publicX25519 = new KeyCache(512)
const secretX25519 = new KeyCache(64)

function decodeVerkey(verkey: string, what: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = bs58.decode(verkey)
  } catch {
    throw new EnvelopeError(`${what} ${verkey} is not base58`)
  }
  if (bytes.length !== 32) throw new EnvelopeError(`${what} ${verkey} is ${bytes.length} bytes, not an Ed25519 verkey`)
  return bytes
}

function x25519Public(verkey: string, what: string): Key {
  return publicX25519.get(verkey, () => {
    const ed = Key.fromPublicBytes({ algorithm: KeyAlgorithm.Ed25519, publicKey: decodeVerkey(verkey, what) })
    try {
      return ed.convertkey({ algorithm: KeyAlgorithm.X25519 })
    } catch (e) {
      throw new EnvelopeError(`${what} ${verkey} is not a usable Ed25519 key (${reason(e)})`)
    } finally {
      ed.handle.free()
    }
  })
}

/** The cache is keyed by verkey, so a miss checks that the key really is that verkey's. */
function x25519Secret(verkey: string, key: Key): Key {
  return secretX25519.get(verkey, () => {
    if (bs58.encode(key.publicBytes) !== verkey) {
      throw new Error(`the key given for ${verkey} belongs to another verkey`)
    }
    return key.convertkey({ algorithm: KeyAlgorithm.X25519 })
  })
}

function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''
}

/** Runs a cryptographic step whose failure means the envelope is bad, not the program. */
function attempt<T>(what: string, step: () => T): T {
  try {
    return step()
  } catch (e) {
    if (e instanceof EnvelopeError) throw e
    throw new EnvelopeError(`${what} (${reason(e)})`)
  }
}

function encryptContent(
  cek: Uint8Array,
  message: Uint8Array,
  aad: Uint8Array,
): { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array } {
  const iv = randomBytes(CONTENT_IV_BYTES)
  const cipher = createCipheriv('chacha20-poly1305', cek, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad, { plaintextLength: message.length })
  const ciphertext = Buffer.concat([cipher.update(message), cipher.final()])
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}

function decryptContent(
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const decipher = createDecipheriv('chacha20-poly1305', cek, iv, { authTagLength: TAG_BYTES })
  decipher.setAAD(aad, { plaintextLength: ciphertext.length })
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()])
}

/** Packs `message` for every recipient: Authcrypt when `sender` is given, else Anoncrypt. */
export function packMessage(
  message: string | Uint8Array,
  recipientVerkeys: string[],
  sender?: SenderKey,
): PackedEnvelope {
  if (recipientVerkeys.length === 0) throw new EnvelopeError('no recipient verkeys to pack for')
  if (new Set(recipientVerkeys).size !== recipientVerkeys.length) throw new EnvelopeError('duplicate recipient verkey')
  const cek = randomBytes(CEK_BYTES)
  const senderSecret = sender ? x25519Secret(sender.verkey, sender.key) : undefined
  // The sender is identified by its base58 verkey string, sealed to each recipient.
  const senderVerkeyAscii = sender ? Buffer.from(sender.verkey, 'utf8') : undefined
  const recipients = recipientVerkeys.map((kid) => {
    const recipientKey = x25519Public(kid, 'recipient verkey')
    if (!senderSecret || !senderVerkeyAscii) {
      return { encrypted_key: b64url(CryptoBox.seal({ recipientKey, message: cek })), header: { kid } }
    }
    const nonce = randomBytes(BOX_NONCE_BYTES)
    const encryptedKey = CryptoBox.cryptoBox({ recipientKey, senderKey: senderSecret, message: cek, nonce })
    const sealedSender = CryptoBox.seal({ recipientKey, message: senderVerkeyAscii })
    return { encrypted_key: b64url(encryptedKey), header: { kid, sender: b64url(sealedSender), iv: b64url(nonce) } }
  })
  const alg: PackAlg = sender ? 'Authcrypt' : 'Anoncrypt'
  const protectedValue = b64url(JSON.stringify({ enc: ENC, typ: TYP, alg, recipients }))
  const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message
  const { iv, ciphertext, tag } = encryptContent(cek, bytes, Buffer.from(protectedValue, 'ascii'))
  return { protected: protectedValue, iv: b64url(iv), ciphertext: b64url(ciphertext), tag: b64url(tag) }
}

interface RecipientEntry {
  kid: string
  encryptedKey: Uint8Array
  sender?: Uint8Array
  iv?: Uint8Array
}

interface ParsedEnvelope {
  header: Record<string, unknown>
  facts: ProtectedHeaderFacts
  recipients: RecipientEntry[]
  aad: Uint8Array
  iv: Uint8Array
  ciphertext: Uint8Array
  tag: Uint8Array
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function decodeField(value: unknown, what: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw new EnvelopeError(`${what} is not a string`)
  let bytes: Uint8Array
  try {
    bytes = decodeBase64url(value, what)
  } catch (e) {
    throw new EnvelopeError(reason(e))
  }
  if (length !== undefined && bytes.length !== length) {
    throw new EnvelopeError(`${what} is ${bytes.length} bytes, expected ${length}`)
  }
  return bytes
}

function parseRecipient(value: unknown, index: number, alg: PackAlg, header: Record<string, unknown>): RecipientEntry {
  const where = `recipients[${index}]`
  if (!isObject(value)) throw new EnvelopeError(`${where} is not an object`)
  const perRecipient = value.header
  if (!isObject(perRecipient)) throw new EnvelopeError(`${where}.header is not an object`)
  const clash = Object.keys(perRecipient).find((name) => Object.hasOwn(header, name))
  if (clash !== undefined) throw new EnvelopeError(`${where}.header repeats protected header member ${clash}`)
  const { kid, sender, iv } = perRecipient
  if (typeof kid !== 'string' || kid === '') throw new EnvelopeError(`${where}.header.kid is missing or empty`)
  if (sender !== undefined && iv === undefined) throw new EnvelopeError(`${where} has a sender but no iv`)
  if (iv !== undefined && sender === undefined) throw new EnvelopeError(`${where} has an iv but no sender`)
  if (alg === 'Authcrypt' && sender === undefined) {
    throw new EnvelopeError(`${where} has no sender, required by Authcrypt`)
  }
  if (alg === 'Anoncrypt' && sender !== undefined) {
    throw new EnvelopeError(`${where} has a sender, not allowed by Anoncrypt`)
  }
  const entry: RecipientEntry = {
    kid,
    encryptedKey: decodeField(
      value.encrypted_key,
      `${where}.encrypted_key`,
      alg === 'Authcrypt' ? CEK_BYTES + BOX_MAC_BYTES : CEK_BYTES + SEAL_OVERHEAD,
    ),
  }
  if (sender !== undefined) {
    entry.sender = decodeField(sender, `${where}.header.sender`)
    // A base58 Ed25519 verkey is 32 to 44 characters.
    if (entry.sender.length < SEAL_OVERHEAD + 32 || entry.sender.length > SEAL_OVERHEAD + 44) {
      throw new EnvelopeError(`${where}.header.sender is ${entry.sender.length} bytes, too short or long for a verkey`)
    }
    entry.iv = decodeField(iv, `${where}.header.iv`, BOX_NONCE_BYTES)
  }
  return entry
}

function parseEnvelope(envelope: unknown): ParsedEnvelope {
  if (!isObject(envelope)) throw new EnvelopeError('envelope is not a JSON object')
  for (const name of ENVELOPE_MEMBERS) {
    if (!Object.hasOwn(envelope, name)) throw new EnvelopeError(`envelope has no ${name}`)
  }
  const extra = Object.keys(envelope).find((name) => !(ENVELOPE_MEMBERS as readonly string[]).includes(name))
  if (extra !== undefined) throw new EnvelopeError(`envelope has unexpected member ${extra}`)
  const protectedBytes = decodeField(envelope.protected, 'protected')
  const iv = decodeField(envelope.iv, 'iv', CONTENT_IV_BYTES)
  const ciphertext = decodeField(envelope.ciphertext, 'ciphertext')
  const tag = decodeField(envelope.tag, 'tag', TAG_BYTES)
  let header: unknown
  try {
    header = JSON.parse(utf8.decode(protectedBytes))
  } catch (e) {
    throw new EnvelopeError(`protected is not UTF-8 JSON (${reason(e)})`)
  }
  if (!isObject(header)) throw new EnvelopeError('protected header is not a JSON object')
  const { enc, alg, recipients } = header
  if (alg !== 'Authcrypt' && alg !== 'Anoncrypt') throw new EnvelopeError(`unsupported pack algorithm ${String(alg)}`)
  if (enc !== ENC) throw new EnvelopeError(`unsupported enc ${String(enc)}, expected ${ENC}`)
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new EnvelopeError('protected header has no recipients')
  }
  const entries = recipients.map((r, i) => parseRecipient(r, i, alg, header))
  const kids = entries.map((r) => r.kid)
  const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i)
  if (duplicate) throw new EnvelopeError(`duplicate recipient kid ${duplicate}`)
  return {
    header,
    facts: { alg, enc, recipientVerkeys: kids },
    recipients: entries,
    // The AAD is the protected value exactly as received, padding included.
    aad: Buffer.from(envelope.protected as string, 'ascii'),
    iv,
    ciphertext,
    tag,
  }
}

/** Parses the envelope and checks its structure and the RFC 0019 header rules; needs no keys. */
export function readProtectedHeader(envelope: unknown): {
  header: Record<string, unknown>
  facts: ProtectedHeaderFacts
} {
  const { header, facts } = parseEnvelope(envelope)
  return { header, facts }
}

/** Unpacks for the first recipient whose private key `findKey` returns; the caller keeps ownership of that key. */
export async function unpackMessage(
  envelope: unknown,
  findKey: (verkey: string) => Promise<Key | undefined>,
): Promise<UnpackedMessage> {
  const parsed = parseEnvelope(envelope)
  let recipient: RecipientEntry | undefined
  let key: Key | undefined
  for (const entry of parsed.recipients) {
    key = await findKey(entry.kid)
    if (key) {
      recipient = entry
      break
    }
  }
  if (!recipient || !key) {
    throw new EnvelopeError(`no recipient key owned here among ${parsed.facts.recipientVerkeys.join(', ')}`)
  }
  // From here on everything is synchronous, so cached key handles cannot be freed underneath.
  const mySecret = x25519Secret(recipient.kid, key)
  let cek: Uint8Array
  let senderVerkey: string | undefined
  const { sender, iv } = recipient
  if (sender && iv) {
    const verkey = attempt('sender could not be decrypted', () =>
      utf8.decode(CryptoBox.sealOpen({ recipientKey: mySecret, ciphertext: sender })),
    )
    const senderPublic = x25519Public(verkey, 'sender verkey')
    cek = attempt('encrypted_key could not be decrypted from the sender', () =>
      CryptoBox.open({ recipientKey: mySecret, senderKey: senderPublic, message: recipient.encryptedKey, nonce: iv }),
    )
    senderVerkey = verkey
  } else {
    cek = attempt('encrypted_key could not be unsealed', () =>
      CryptoBox.sealOpen({ recipientKey: mySecret, ciphertext: recipient.encryptedKey }),
    )
  }
  if (cek.length !== CEK_BYTES) throw new EnvelopeError(`content key is ${cek.length} bytes, expected ${CEK_BYTES}`)
  const plaintext = attempt('ciphertext, tag or protected header fails authentication', () =>
    decryptContent(cek, parsed.iv, parsed.ciphertext, parsed.tag, parsed.aad),
  )
  const text = attempt('plaintext is not UTF-8', () => utf8.decode(plaintext))
  return {
    plaintext: text,
    alg: parsed.facts.alg,
    ...(senderVerkey ? { senderVerkey } : {}),
    recipientVerkey: recipient.kid,
    recipientVerkeys: parsed.facts.recipientVerkeys,
  }
}
