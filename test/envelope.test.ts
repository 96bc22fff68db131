import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import {
  EnvelopeError,
  packMessage,
  readProtectedHeader,
  unpackMessage,
  type PackedEnvelope,
  type SenderKey,
} from '../agents/reference/didcomm/envelope.js'
import { Base64urlError, decodeBase64url } from '../didcomm/base64url.js'
import { ensureAskarLibrary } from '../agents/reference/native/askarLibrary.js'
import { sodiumIdentity, sodiumPack, sodiumReady, sodiumUnpack, type SodiumIdentity } from './support/sodiumEnvelope.js'

const MESSAGE = JSON.stringify({
  '@type': 'https://didcomm.org/basicmessage/1.0/message',
  '@id': 'b0c1a5e2-7d8f-4c1e-9a2b-3c4d5e6f7a8b',
  content: 'héllo, wörld ✓',
})

interface Party {
  verkey: string
  key: Key
  sodium: SodiumIdentity
}

const created: Key[] = []

function party(): Party {
  const key = Key.generate(KeyAlgorithm.Ed25519)
  created.push(key)
  return { verkey: bs58.encode(key.publicBytes), key, sodium: sodiumIdentity(key.secretBytes) }
}

/** Most verkeys are 44 base58 characters; some are 43 or fewer, which changes the sealed sender length. */
function partyWith44CharVerkey(): Party {
  for (;;) {
    const p = party()
    if (p.verkey.length === 44) return p
  }
}

function keysOf(...parties: Party[]) {
  return async (verkey: string) => parties.find((p) => p.verkey === verkey)?.key
}

const asSender = (p: Party): SenderKey => ({ verkey: p.verkey, key: p.key })
const bytes = (value: string) => Buffer.from(value, 'base64url')

function decodeHeader(envelope: { protected: string }): Record<string, unknown> & {
  recipients: { encrypted_key: string; header: Record<string, string> }[]
} {
  return JSON.parse(bytes(envelope.protected).toString('utf8'))
}

/** Rewrites the protected header: the AAD changes too, so only rejections before decryption are meaningful. */
function withHeader(
  envelope: PackedEnvelope,
  change: (header: ReturnType<typeof decodeHeader>) => void,
): PackedEnvelope {
  const header = decodeHeader(envelope)
  change(header)
  return { ...envelope, protected: Buffer.from(JSON.stringify(header)).toString('base64url') }
}

function flipByte(value: string, index = 0): string {
  const raw = bytes(value)
  raw[index] = (raw[index] ?? 0) ^ 0x01
  return raw.toString('base64url')
}

async function rejects(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof EnvelopeError, `expected EnvelopeError, got ${String(e)}`)
    assert.match(e.message, reason)
    assert.ok(!e.message.includes('\n'), 'reason is one line')
    return true
  })
}

let alice: Party
let bob: Party
let carol: Party
let dave: Party

before(async () => {
  await ensureAskarLibrary()
  await sodiumReady()
  alice = party()
  bob = party()
  carol = party()
  dave = party()
})

after(() => {
  for (const key of created) key.handle.free()
})

describe('Askar round trips', () => {
  test('authcrypt round trip carries plaintext, sender and recipient', async () => {
    const envelope = packMessage(MESSAGE, [bob.verkey], asSender(alice))
    const unpacked = await unpackMessage(envelope, keysOf(bob))
    assert.deepEqual(unpacked, {
      plaintext: MESSAGE,
      alg: 'Authcrypt',
      senderVerkey: alice.verkey,
      recipientVerkey: bob.verkey,
      recipientVerkeys: [bob.verkey],
    })
  })

  test('anoncrypt round trip has no sender', async () => {
    const envelope = packMessage(Buffer.from(MESSAGE, 'utf8'), [bob.verkey])
    const unpacked = await unpackMessage(envelope, keysOf(bob))
    assert.deepEqual(unpacked, {
      plaintext: MESSAGE,
      alg: 'Anoncrypt',
      recipientVerkey: bob.verkey,
      recipientVerkeys: [bob.verkey],
    })
  })

  test('each of several recipients unpacks its own copy', async () => {
    const envelope = packMessage(MESSAGE, [bob.verkey, carol.verkey, dave.verkey], asSender(alice))
    for (const p of [bob, carol, dave]) {
      const unpacked = await unpackMessage(envelope, keysOf(p))
      assert.equal(unpacked.recipientVerkey, p.verkey)
      assert.equal(unpacked.plaintext, MESSAGE)
    }
  })

  test('more recipients than the converted-key cache holds still pack and unpack', async () => {
    const many = Array.from({ length: 600 }, () => party())
    const envelope = packMessage(MESSAGE, [bob.verkey, ...many.map((p) => p.verkey)], asSender(alice))
    for (const p of [bob, many[0], many[599]]) {
      assert.ok(p)
      assert.equal((await unpackMessage(envelope, keysOf(p))).recipientVerkey, p.verkey)
    }
  })
})

describe('wire format', () => {
  test('member order, header member order and unpadded base64url', () => {
    const envelope = packMessage(MESSAGE, [bob.verkey, carol.verkey], asSender(alice))
    assert.deepEqual(Object.keys(envelope), ['protected', 'iv', 'ciphertext', 'tag'])
    for (const value of Object.values(envelope)) assert.match(value, /^[A-Za-z0-9_-]+$/)
    const header = decodeHeader(envelope)
    assert.deepEqual(Object.keys(header), ['enc', 'typ', 'alg', 'recipients'])
    assert.equal(header.enc, 'xchacha20poly1305_ietf')
    assert.equal(header.typ, 'JWM/1.0')
    assert.equal(header.alg, 'Authcrypt')
    for (const r of header.recipients) {
      assert.deepEqual(Object.keys(r), ['encrypted_key', 'header'])
      assert.deepEqual(Object.keys(r.header), ['kid', 'sender', 'iv'])
      for (const value of [r.encrypted_key, r.header.sender, r.header.iv]) assert.match(value ?? '', /^[A-Za-z0-9_-]+$/)
    }
    const anon = decodeHeader(packMessage(MESSAGE, [bob.verkey]))
    assert.equal(anon.alg, 'Anoncrypt')
    assert.deepEqual(Object.keys(anon.recipients[0]?.header ?? {}), ['kid'])
  })

  test('byte lengths: iv 12, tag 16, encrypted_key 48 / 80, header iv 24, sender 92 for a 44-char verkey', () => {
    const sender = partyWith44CharVerkey()
    const auth = packMessage(MESSAGE, [bob.verkey], asSender(sender))
    assert.equal(bytes(auth.iv).length, 12)
    assert.equal(bytes(auth.tag).length, 16)
    assert.equal(bytes(auth.ciphertext).length, Buffer.byteLength(MESSAGE))
    const recipient = decodeHeader(auth).recipients[0]
    assert.ok(recipient)
    assert.equal(bytes(recipient.encrypted_key).length, 48)
    assert.equal(bytes(recipient.header.iv ?? '').length, 24)
    assert.equal(bytes(recipient.header.sender ?? '').length, 92)
    const anon = decodeHeader(packMessage(MESSAGE, [bob.verkey])).recipients[0]
    assert.equal(bytes(anon?.encrypted_key ?? '').length, 80)
  })

  test('readProtectedHeader reports the facts without keys', () => {
    const envelope = packMessage(MESSAGE, [bob.verkey, carol.verkey], asSender(alice))
    const { header, facts } = readProtectedHeader(envelope)
    assert.deepEqual(facts, {
      alg: 'Authcrypt',
      enc: 'xchacha20poly1305_ietf',
      recipientVerkeys: [bob.verkey, carol.verkey],
    })
    assert.equal(header.typ, 'JWM/1.0')
  })
})

describe('libsodium cross-check', () => {
  for (const authcrypt of [true, false]) {
    const alg = authcrypt ? 'Authcrypt' : 'Anoncrypt'

    test(`${alg}: Askar-packed, unpacked by libsodium for every recipient`, () => {
      const envelope = packMessage(
        MESSAGE,
        [bob.verkey, carol.verkey, dave.verkey],
        authcrypt ? asSender(alice) : undefined,
      )
      for (const p of [bob, carol, dave]) {
        const unpacked = sodiumUnpack({ ...envelope }, [p.sodium])
        assert.equal(unpacked.plaintext, MESSAGE)
        assert.equal(unpacked.recipientVerkey, p.verkey)
        assert.equal(unpacked.senderVerkey, authcrypt ? alice.verkey : undefined)
      }
    })

    test(`${alg}: libsodium-packed, unpacked by Askar for every recipient`, async () => {
      const envelope = sodiumPack(
        MESSAGE,
        [bob.verkey, carol.verkey, dave.verkey],
        authcrypt ? alice.sodium : undefined,
      )
      for (const p of [bob, carol, dave]) {
        const unpacked = await unpackMessage(envelope, keysOf(p))
        assert.equal(unpacked.plaintext, MESSAGE)
        assert.equal(unpacked.alg, alg)
        assert.equal(unpacked.recipientVerkey, p.verkey)
        assert.equal(unpacked.senderVerkey, authcrypt ? alice.verkey : undefined)
      }
    })
  }

  test('padded base64url in every field is accepted (AAD is the padded protected string)', async () => {
    for (const sender of [alice.sodium, undefined]) {
      // Lengths that are not multiples of 3 make padding appear in each field.
      const envelope = sodiumPack(`${MESSAGE} `, [bob.verkey, carol.verkey], sender, { padded: true })
      assert.ok(envelope.tag.endsWith('=='))
      assert.ok(JSON.stringify(decodeHeader(envelope).recipients).includes('='))
      const unpacked = await unpackMessage(envelope, keysOf(carol))
      assert.equal(unpacked.plaintext, `${MESSAGE} `)
    }
  })

  test('ACA-Py separators in the protected JSON are accepted (AAD is the string as received)', async () => {
    const envelope = sodiumPack(MESSAGE, [bob.verkey], alice.sodium, { pythonSeparators: true })
    assert.match(bytes(envelope.protected).toString('utf8'), /^\{"enc": "xchacha20poly1305_ietf", /)
    assert.equal((await unpackMessage(envelope, keysOf(bob))).plaintext, MESSAGE)
  })
})

describe('tampering is rejected', () => {
  let auth: PackedEnvelope
  let anon: PackedEnvelope

  before(() => {
    auth = packMessage(MESSAGE, [bob.verkey], asSender(alice))
    anon = packMessage(MESSAGE, [bob.verkey])
  })

  test('ciphertext', async () => {
    await rejects(unpackMessage({ ...auth, ciphertext: flipByte(auth.ciphertext, 5) }, keysOf(bob)), /authentication/)
  })

  test('tag', async () => {
    await rejects(unpackMessage({ ...auth, tag: flipByte(auth.tag) }, keysOf(bob)), /authentication/)
  })

  test('content iv', async () => {
    await rejects(unpackMessage({ ...anon, iv: flipByte(anon.iv) }, keysOf(bob)), /authentication/)
  })

  test('protected header re-serialised with the same meaning (AAD)', async () => {
    const spaced = Buffer.from(JSON.stringify(decodeHeader(auth), null, 1)).toString('base64url')
    await rejects(unpackMessage({ ...auth, protected: spaced }, keysOf(bob)), /authentication/)
    // The same header bytes with padding added are a different AAD string; grow the recipient list until padding shows.
    const recipients = [bob.verkey]
    let unpadded = packMessage(MESSAGE, recipients, asSender(alice))
    while (unpadded.protected.length % 4 === 0) {
      recipients.push(party().verkey)
      unpadded = packMessage(MESSAGE, recipients, asSender(alice))
    }
    const padded = unpadded.protected.padEnd(Math.ceil(unpadded.protected.length / 4) * 4, '=')
    await rejects(unpackMessage({ ...unpadded, protected: padded }, keysOf(bob)), /authentication/)
  })

  test('authcrypt encrypted_key', async () => {
    const tampered = withHeader(auth, (h) => {
      const r = h.recipients[0]
      if (r) r.encrypted_key = flipByte(r.encrypted_key, 20)
    })
    await rejects(unpackMessage(tampered, keysOf(bob)), /encrypted_key could not be decrypted/)
  })

  test('anoncrypt encrypted_key', async () => {
    const tampered = withHeader(anon, (h) => {
      const r = h.recipients[0]
      if (r) r.encrypted_key = flipByte(r.encrypted_key, 40)
    })
    await rejects(unpackMessage(tampered, keysOf(bob)), /encrypted_key could not be unsealed/)
  })

  test('sealed sender', async () => {
    const tampered = withHeader(auth, (h) => {
      const r = h.recipients[0]
      if (r) r.header.sender = flipByte(r.header.sender ?? '', 50)
    })
    await rejects(unpackMessage(tampered, keysOf(bob)), /sender could not be decrypted/)
  })
})

describe('protected header rules', () => {
  let auth: PackedEnvelope
  let anon: PackedEnvelope

  before(() => {
    auth = packMessage(MESSAGE, [bob.verkey, carol.verkey], asSender(alice))
    anon = packMessage(MESSAGE, [bob.verkey])
  })

  const cases: [string, () => PackedEnvelope, RegExp][] = [
    ['alg in lower case', () => withHeader(auth, (h) => (h.alg = 'authcrypt')), /unsupported pack algorithm authcrypt/],
    ['unknown alg', () => withHeader(auth, (h) => (h.alg = 'ECDH-1PU')), /unsupported pack algorithm/],
    ['enc other than xchacha20poly1305_ietf', () => withHeader(auth, (h) => (h.enc = 'chacha20poly1305_ietf')), /enc/],
    ['no recipients', () => withHeader(auth, (h) => (h.recipients = [])), /no recipients/],
    [
      'sender without iv',
      () => withHeader(auth, (h) => delete h.recipients[0]?.header.iv),
      /recipients\[0\] has a sender but no iv/,
    ],
    [
      'iv without sender',
      () =>
        withHeader(anon, (h) => {
          const r = h.recipients[0]
          if (r) r.header.iv = Buffer.alloc(24).toString('base64url')
        }),
      /has an iv but no sender/,
    ],
    [
      'Authcrypt without sender',
      () =>
        withHeader(auth, (h) => {
          const r = h.recipients[1]
          if (r) r.header = { kid: r.header.kid ?? '' }
        }),
      /recipients\[1\] has no sender, required by Authcrypt/,
    ],
    [
      'Anoncrypt with a sender',
      () =>
        withHeader(auth, (h) => {
          h.alg = 'Anoncrypt'
        }),
      /not allowed by Anoncrypt/,
    ],
    [
      'empty kid',
      () =>
        withHeader(anon, (h) => {
          const r = h.recipients[0]
          if (r) r.header.kid = ''
        }),
      /kid is missing or empty/,
    ],
    [
      'duplicate kid',
      () =>
        withHeader(auth, (h) => {
          const [first, second] = h.recipients
          if (first && second) second.header.kid = first.header.kid ?? ''
        }),
      /duplicate recipient kid/,
    ],
    [
      'recipient header repeating a protected member',
      () =>
        withHeader(anon, (h) => {
          const r = h.recipients[0]
          if (r) r.header.alg = 'Anoncrypt'
        }),
      /repeats protected header member alg/,
    ],
    [
      'header iv of the wrong length',
      () =>
        withHeader(auth, (h) => {
          const r = h.recipients[0]
          if (r) r.header.iv = Buffer.alloc(12).toString('base64url')
        }),
      /header\.iv is 12 bytes, expected 24/,
    ],
    [
      'protected not JSON',
      () => ({ ...auth, protected: Buffer.from('{not json').toString('base64url') }),
      /not UTF-8 JSON/,
    ],
  ]

  for (const [name, make, reason] of cases) {
    test(`${name} is rejected`, async () => {
      const envelope = make()
      assert.throws(() => readProtectedHeader(envelope), EnvelopeError)
      await rejects(unpackMessage(envelope, keysOf(bob, carol)), reason)
    })
  }

  test('no recipient owned here is rejected', async () => {
    await rejects(unpackMessage(auth, keysOf(alice, dave)), /no recipient key owned here/)
  })
})

describe('envelope shape', () => {
  let auth: PackedEnvelope

  before(() => {
    auth = packMessage(MESSAGE, [bob.verkey], asSender(alice))
  })

  const cases: [string, () => unknown, RegExp][] = [
    ['a string', () => JSON.stringify(auth), /not a JSON object/],
    ['null', () => null, /not a JSON object/],
    ['an array', () => [auth], /not a JSON object/],
    ['missing tag', () => ({ protected: auth.protected, iv: auth.iv, ciphertext: auth.ciphertext }), /has no tag/],
    ['top-level recipients', () => ({ ...auth, recipients: [] }), /unexpected member recipients/],
    ['a non-string iv', () => ({ ...auth, iv: 12 }), /iv is not a string/],
    [
      'standard base64 alphabet',
      () => ({ ...auth, ciphertext: `${auth.ciphertext}+/` }),
      /ciphertext is not base64url/,
    ],
    [
      'a 24-byte content iv',
      () => ({ ...auth, iv: Buffer.alloc(24).toString('base64url') }),
      /iv is 24 bytes, expected 12/,
    ],
    ['a short tag', () => ({ ...auth, tag: Buffer.alloc(8).toString('base64url') }), /tag is 8 bytes, expected 16/],
  ]

  for (const [name, make, reason] of cases) {
    test(`${name} is rejected`, async () => {
      await rejects(unpackMessage(make(), keysOf(bob)), reason)
    })
  }
})

describe('packing input', () => {
  test('rejects a recipient that is not a base58 Ed25519 verkey, and an empty recipient list', () => {
    assert.throws(() => packMessage(MESSAGE, ['did:key:z6Mk']), EnvelopeError)
    assert.throws(() => packMessage(MESSAGE, [bs58.encode(Buffer.alloc(16, 1))]), /not an Ed25519 verkey/)
    assert.throws(() => packMessage(MESSAGE, []), EnvelopeError)
    assert.throws(() => packMessage(MESSAGE, [bob.verkey, bob.verkey]), /duplicate recipient/)
  })

  test('rejects a sender key that does not match its verkey', () => {
    const stranger = party()
    assert.throws(
      () => packMessage(MESSAGE, [bob.verkey], { verkey: stranger.verkey, key: dave.key }),
      /another verkey/,
    )
  })
})

describe('strict base64url', () => {
  const canonicalPadding = (value: string) => value.padEnd(Math.ceil(value.length / 4) * 4, '=')
  /** The same string with the lowest unused bit of its last character set: Buffer decodes both alike. */
  const withUnusedBit = (value: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    return value.slice(0, -1) + alphabet[alphabet.indexOf(value.slice(-1)) | 1]
  }

  test('unpadded and canonically padded input decode alike, for every length mod 3', () => {
    for (let length = 0; length <= 7; length++) {
      const data = Buffer.from(Array.from({ length }, (_, i) => 0xfb + i * 0x11))
      const unpadded = data.toString('base64url')
      assert.deepEqual(Buffer.from(decodeBase64url(unpadded)), data, unpadded)
      assert.deepEqual(Buffer.from(decodeBase64url(canonicalPadding(unpadded))), data, canonicalPadding(unpadded))
    }
  })

  const rejected: [string, string, RegExp][] = [
    ['one = beyond the canonical two', 'AQ===', /3 padding characters where 2 are canonical/],
    ['one = short of the canonical two', 'AQ=', /1 padding characters where 2 are canonical/],
    ['padding on a length that needs none', 'AAAA==', /2 padding characters where 0 are canonical/],
    ['= in the middle', 'AQ==AQ==', /'=' at 2 is not at the end/],
    ['= at the start', '=AAA', /'=' at 0 is not at the end/],
    ['standard-alphabet +', 'ab+c', /character "\+" at 2 is not in the base64url alphabet/],
    ['standard-alphabet /', 'ab/c', /character "\/" at 2/],
    ['a space', 'AAAA AAAA', /character " " at 4/],
    ['a newline', 'AAAA\nAAAA', /character "\\n" at 4/],
    ['a tab before padding', 'AQ\t==', /character "\\t" at 2/],
    ['a non-ASCII letter', 'AAAé', /character "é" at 3/],
    ['a length of 1 mod 4', 'AAAAA', /5 characters \(1 mod 4\) cannot encode whole bytes/],
    ['non-zero unused bits (2 characters)', 'AR', /non-zero unused bits/],
    ['non-zero unused bits (3 characters, padded)', 'AAB=', /non-zero unused bits/],
  ]
  for (const [name, value, reason] of rejected) {
    test(`${name} is rejected`, () => {
      assert.throws(
        () => decodeBase64url(value, 'field'),
        (e: unknown) =>
          e instanceof Base64urlError && /^field is not base64url: /.test(e.message) && reason.test(e.message),
      )
    })
  }

  test('non-canonical unused bits, which Buffer ignores, are refused in the tag', async () => {
    const envelope = packMessage(MESSAGE, [bob.verkey], asSender(alice))
    const tag = withUnusedBit(envelope.tag)
    assert.deepEqual(bytes(tag), bytes(envelope.tag), 'the same 16 bytes to a lenient decoder')
    await rejects(unpackMessage({ ...envelope, tag }, keysOf(bob)), /^tag is not base64url: .*unused bits/)
  })

  const defects: [string, (value: string) => string][] = [
    ['padding beyond the canonical amount', (v) => `${canonicalPadding(v)}=`],
    ['= in the middle', (v) => `${v.slice(0, 4)}=${v.slice(4)}`],
    ['whitespace', (v) => `${v.slice(0, 4)} ${v.slice(4)}`],
    ['standard-alphabet /', (v) => `${v.slice(0, 4)}/${v.slice(4)}`],
    ['a length of 1 mod 4', (v) => v + 'A'.repeat((5 - (v.length % 4)) % 4)],
  ]
  /** Applies an edit to one base64url field; recipient fields are rewritten inside the protected header. */
  type FieldEdit = (envelope: PackedEnvelope, edit: (value: string) => string) => PackedEnvelope
  const topLevel = (name: 'protected' | 'iv' | 'ciphertext' | 'tag'): [string, FieldEdit] => [
    name,
    (envelope, edit) => ({ ...envelope, [name]: edit(envelope[name]) }),
  ]
  const inRecipient = (name: 'encrypted_key' | 'sender' | 'iv'): [string, FieldEdit] => [
    name === 'encrypted_key' ? `recipients[0].${name}` : `recipients[0].header.${name}`,
    (envelope, edit) =>
      withHeader(envelope, (h) => {
        const r = h.recipients[0]
        if (!r) return
        if (name === 'encrypted_key') r.encrypted_key = edit(r.encrypted_key)
        else r.header[name] = edit(r.header[name] ?? '')
      }),
  ]
  const fields = [
    topLevel('protected'),
    topLevel('iv'),
    topLevel('ciphertext'),
    topLevel('tag'),
    inRecipient('encrypted_key'),
    inRecipient('sender'),
    inRecipient('iv'),
  ]
  for (const [field, change] of fields) {
    test(`${field}: every defect is rejected before decryption`, async () => {
      const envelope = packMessage(MESSAGE, [bob.verkey], asSender(alice))
      const name = field.replace(/[[\].]/g, '\\$&')
      for (const [defect, edit] of defects) {
        await rejects(unpackMessage(change(envelope, edit), keysOf(bob)), new RegExp(`^${name} is not base64url`))
        assert.throws(() => readProtectedHeader(change(envelope, edit)), EnvelopeError, defect)
      }
    })
  }

  test('an empty member name is not a way past the envelope and recipient header checks', async () => {
    const envelope = packMessage(MESSAGE, [bob.verkey], asSender(alice))
    await rejects(unpackMessage({ ...envelope, '': 'x' }, keysOf(bob)), /unexpected member/)
    const clash = withHeader(envelope, (h) => {
      h[''] = 'x'
      const r = h.recipients[0]
      if (r) r.header[''] = 'x'
    })
    await rejects(unpackMessage(clash, keysOf(bob)), /repeats protected header member/)
  })
})
