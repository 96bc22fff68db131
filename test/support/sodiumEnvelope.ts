/**
 * An independent RFC 0019 pack/unpack on libsodium, written straight from the RFC's algorithm,
 * to cross-check the Askar implementation in both directions.
 */
import bs58 from 'bs58'
import sodium from 'libsodium-wrappers'

export interface SodiumIdentity {
  verkey: string
  publicKey: Uint8Array
  privateKey: Uint8Array
}

export interface SodiumPackOptions {
  /** padded base64url in every field, as in the RFC's own example */
  padded?: boolean
  /** Python `json.dumps` separators (", " and ": ") in the protected header, as ACA-Py writes it */
  pythonSeparators?: boolean
}

export interface SodiumUnpacked {
  plaintext: string
  senderVerkey?: string
  recipientVerkey: string
}

export async function sodiumReady(): Promise<void> {
  await sodium.ready
}

/** From a 32-byte Ed25519 seed, which is what Askar's `secretBytes` gives. */
export function sodiumIdentity(seed: Uint8Array): SodiumIdentity {
  const { publicKey, privateKey } = sodium.crypto_sign_seed_keypair(seed)
  return { verkey: bs58.encode(publicKey), publicKey, privateKey }
}

function encode(bytes: Uint8Array | string, padded: boolean): string {
  const variant = padded ? sodium.base64_variants.URLSAFE : sodium.base64_variants.URLSAFE_NO_PADDING
  return sodium.to_base64(bytes, variant)
}

function decode(value: string): Uint8Array {
  return sodium.from_base64(value.replace(/=+$/, ''), sodium.base64_variants.URLSAFE_NO_PADDING)
}

function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(', ')}}`
  }
  return JSON.stringify(value)
}

export function sodiumPack(
  message: string,
  recipientVerkeys: string[],
  sender?: SodiumIdentity,
  options: SodiumPackOptions = {},
): Record<'protected' | 'iv' | 'ciphertext' | 'tag', string> {
  const padded = options.padded ?? false
  const cek = sodium.crypto_aead_chacha20poly1305_ietf_keygen()
  const senderSecret = sender ? sodium.crypto_sign_ed25519_sk_to_curve25519(sender.privateKey) : undefined
  const recipients = recipientVerkeys.map((kid) => {
    const recipientPublic = sodium.crypto_sign_ed25519_pk_to_curve25519(bs58.decode(kid))
    if (!sender || !senderSecret) {
      return { encrypted_key: encode(sodium.crypto_box_seal(cek, recipientPublic), padded), header: { kid } }
    }
    const nonce = sodium.randombytes_buf(sodium.crypto_box_NONCEBYTES)
    return {
      encrypted_key: encode(sodium.crypto_box_easy(cek, nonce, recipientPublic, senderSecret), padded),
      header: {
        kid,
        sender: encode(sodium.crypto_box_seal(sodium.from_string(sender.verkey), recipientPublic), padded),
        iv: encode(nonce, padded),
      },
    }
  })
  const header = { enc: 'xchacha20poly1305_ietf', typ: 'JWM/1.0', alg: sender ? 'Authcrypt' : 'Anoncrypt', recipients }
  const protectedValue = encode(options.pythonSeparators ? pythonJson(header) : JSON.stringify(header), padded)
  const iv = sodium.randombytes_buf(sodium.crypto_aead_chacha20poly1305_ietf_NPUBBYTES)
  const { ciphertext, mac } = sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(
    message,
    protectedValue,
    null,
    iv,
    cek,
  )
  return {
    protected: protectedValue,
    iv: encode(iv, padded),
    ciphertext: encode(ciphertext, padded),
    tag: encode(mac, padded),
  }
}

interface WireRecipient {
  encrypted_key: string
  header: { kid: string; sender?: string; iv?: string }
}

export function sodiumUnpack(envelope: Record<string, string>, identities: SodiumIdentity[]): SodiumUnpacked {
  const protectedValue = envelope.protected ?? ''
  const header = JSON.parse(sodium.to_string(decode(protectedValue))) as { recipients: WireRecipient[] }
  for (const recipient of header.recipients) {
    const me = identities.find((id) => id.verkey === recipient.header.kid)
    if (!me) continue
    const myPublic = sodium.crypto_sign_ed25519_pk_to_curve25519(me.publicKey)
    const mySecret = sodium.crypto_sign_ed25519_sk_to_curve25519(me.privateKey)
    const encryptedKey = decode(recipient.encrypted_key)
    let cek: Uint8Array
    let senderVerkey: string | undefined
    if (recipient.header.sender) {
      senderVerkey = sodium.to_string(sodium.crypto_box_seal_open(decode(recipient.header.sender), myPublic, mySecret))
      const senderPublic = sodium.crypto_sign_ed25519_pk_to_curve25519(bs58.decode(senderVerkey))
      cek = sodium.crypto_box_open_easy(encryptedKey, decode(recipient.header.iv ?? ''), senderPublic, mySecret)
    } else {
      cek = sodium.crypto_box_seal_open(encryptedKey, myPublic, mySecret)
    }
    const plaintext = sodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(
      null,
      decode(envelope.ciphertext ?? ''),
      decode(envelope.tag ?? ''),
      protectedValue,
      decode(envelope.iv ?? ''),
      cek,
    )
    return { plaintext: sodium.to_string(plaintext), senderVerkey, recipientVerkey: me.verkey }
  }
  throw new Error('no recipient owned by the given identities')
}
