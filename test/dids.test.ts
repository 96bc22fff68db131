import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDidCommPeerDid } from '../agents/reference/dids/didcommPeerDid.js'
import { multikeyToVerkey, verkeyToDidKey } from '../didcomm/multikey.js'
import { createPeer2Did } from '../agents/reference/dids/peer2.js'
import { createPeer4Did } from '../agents/reference/dids/peer4.js'
import { DidRegistry, DidResolutionError, type DidResolutionErrorCode } from '../agents/reference/dids/resolver.js'

async function rejectsWith(promise: Promise<unknown>, code: DidResolutionErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DidResolutionError, `expected a DidResolutionError, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    if (message) assert.match(error.message, message)
    return true
  })
}

// Vectors copied from decentralized-identity/peer-did-method-spec spec/core.md @ c6a1f4c.

const SPEC_PEER2 =
  'did:peer:2.Vz6Mkj3PUd1WjvaDhNZhhhXQdz5UnZXmS7ehtx8bsPpD47kKc.Ez6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR.SeyJ0IjoiZG0iLCJzIjp7InVyaSI6Imh0dHA6Ly9leGFtcGxlLmNvbS9kaWRjb21tIiwiYSI6WyJkaWRjb21tL3YyIl0sInIiOlsiZGlkOmV4YW1wbGU6MTIzNDU2Nzg5YWJjZGVmZ2hpI2tleS0xIl19fQ.SeyJ0IjoiZG0iLCJzIjp7InVyaSI6Imh0dHA6Ly9leGFtcGxlLmNvbS9hbm90aGVyIiwiYSI6WyJkaWRjb21tL3YyIl0sInIiOlsiZGlkOmV4YW1wbGU6MTIzNDU2Nzg5YWJjZGVmZ2hpI2tleS0yIl19fQ'

// "Example Peer DID 2" (the spec's JSON has a trailing comma after the second @context entry).
const SPEC_PEER2_DOC = {
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: SPEC_PEER2,
  verificationMethod: [
    {
      id: '#key-1',
      controller: SPEC_PEER2,
      type: 'Multikey',
      publicKeyMultibase: 'z6Mkj3PUd1WjvaDhNZhhhXQdz5UnZXmS7ehtx8bsPpD47kKc',
    },
    {
      id: '#key-2',
      controller: SPEC_PEER2,
      type: 'Multikey',
      publicKeyMultibase: 'z6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR',
    },
  ],
  authentication: ['#key-1'],
  keyAgreement: ['#key-2'],
  service: [
    {
      type: 'DIDCommMessaging',
      serviceEndpoint: {
        uri: 'http://example.com/didcomm',
        accept: ['didcomm/v2'],
        routingKeys: ['did:example:123456789abcdefghi#key-1'],
      },
      id: '#service',
    },
    {
      type: 'DIDCommMessaging',
      serviceEndpoint: {
        uri: 'http://example.com/another',
        accept: ['didcomm/v2'],
        routingKeys: ['did:example:123456789abcdefghi#key-2'],
      },
      id: '#service-1',
    },
  ],
  alsoKnownAs: ['did:peer:3zQmd6RdU6e2nDrLn1rjwdA5Buzq7wJwsv3WJ1AgrwKYJoLE'],
}

// The method 3 section's did:peer:2 and its did:peer:3.
const SPEC_PEER2_FOR_PEER3 =
  'did:peer:2.Ez6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc.Vz6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V.Vz6MkgoLTnTypo3tDRwCkZXSccTPHRLhF4ZnjhueYAFpEX6vg.SeyJ0IjoiZG0iLCJzIjoiaHR0cHM6Ly9leGFtcGxlLmNvbS9lbmRwb2ludCIsInIiOlsiZGlkOmV4YW1wbGU6c29tZW1lZGlhdG9yI3NvbWVrZXkiXSwiYSI6WyJkaWRjb21tL3YyIiwiZGlkY29tbS9haXAyO2Vudj1yZmM1ODciXX0'
const SPEC_PEER3 = 'did:peer:3zQmS19jtYDvGtKVrJhQnRFpBQAx3pJ9omx2HpNrcXFuRCz9'

// The method 4 input document (the spec's JSON has a trailing comma after routingKeys).
const SPEC_PEER4_INPUT = {
  '@context': [
    'https://www.w3.org/ns/did/v1',
    'https://w3id.org/security/suites/x25519-2020/v1',
    'https://w3id.org/security/suites/ed25519-2020/v1',
  ],
  verificationMethod: [
    {
      id: '#6LSqPZfn',
      type: 'X25519KeyAgreementKey2020',
      publicKeyMultibase: 'z6LSqPZfn9krvgXma2icTMKf2uVcYhKXsudCmPoUzqGYW24U',
    },
    {
      id: '#6MkrCD1c',
      type: 'Ed25519VerificationKey2020',
      publicKeyMultibase: 'z6MkrCD1csqtgdj8sjrsu8jxcbeyP6m7LiK87NzhfWqio5yr',
    },
  ],
  authentication: ['#6MkrCD1c'],
  assertionMethod: ['#6MkrCD1c'],
  keyAgreement: ['#6LSqPZfn'],
  capabilityInvocation: ['#6MkrCD1c'],
  capabilityDelegation: ['#6MkrCD1c'],
  service: [
    {
      id: '#didcommmessaging-0',
      type: 'DIDCommMessaging',
      serviceEndpoint: {
        uri: 'didcomm:transport/queue',
        accept: ['didcomm/v2'],
        routingKeys: [],
      },
    },
  ],
}

const SPEC_PEER4_LONG =
  'did:peer:4zQmd8CpeFPci817KDsbSAKWcXAE2mjvCQSasRewvbSF54Bd:z2M1k7h4psgp4CmJcnQn2Ljp7Pz7ktsd7oBhMU3dWY5s4fhFNj17qcRTQ427C7QHNT6cQ7T3XfRh35Q2GhaNFZmWHVFq4vL7F8nm36PA9Y96DvdrUiRUaiCuXnBFrn1o7mxFZAx14JL4t8vUWpuDPwQuddVo1T8myRiVH7wdxuoYbsva5x6idEpCQydJdFjiHGCpNc2UtjzPQ8awSXkctGCnBmgkhrj5gto3D4i3EREXYq4Z8r2cWGBr2UzbSmnxW2BuYddFo9Yfm6mKjtJyLpF74ytqrF5xtf84MnGFg1hMBmh1xVx1JwjZ2BeMJs7mNS8DTZhKC7KH38EgqDtUZzfjhpjmmUfkXg2KFEA3EGbbVm1DPqQXayPYKAsYPS9AyKkcQ3fzWafLPP93UfNhtUPL8JW5pMcSV3P8v6j3vPXqnnGknNyBprD6YGUVtgLiAqDBDUF3LSxFQJCVYYtghMTv8WuSw9h1a1SRFrDQLGHE4UrkgoRvwaGWr64aM87T1eVGkP5Dt4L1AbboeK2ceLArPScrdYGTpi3BpTkLwZCdjdiFSfTy9okL1YNRARqUf2wm8DvkVGUU7u5nQA3ZMaXWJAewk6k1YUxKd7LvofGUK4YEDtoxN5vb6r1Q2godrGqaPkjfL3RoYPpDYymf9XhcgG8Kx3DZaA6cyTs24t45KxYAfeCw4wqUpCH9HbpD78TbEUr9PPAsJgXBvBj2VVsxnr7FKbK4KykGcg1W8M1JPz21Z4Y72LWgGQCmixovrkHktcTX1uNHjAvKBqVD5C7XmVfHgXCHj7djCh3vzLNuVLtEED8J1hhqsB1oCBGiuh3xXr7fZ9wUjJCQ1HYHqxLJKdYKtoCiPmgKM7etVftXkmTFETZmpM19aRyih3bao76LdpQtbw636r7a3qt8v4WfxsXJetSL8c7t24SqQBcAY89FBsbEnFNrQCMK3JEseKHVaU388ctvRD45uQfe5GndFxthj4iSDomk4uRFd1uRbywoP1tRuabHTDX42UxPjz'
const SPEC_PEER4_SHORT = 'did:peer:4zQmd8CpeFPci817KDsbSAKWcXAE2mjvCQSasRewvbSF54Bd'

/** The spec's long form and short form DID documents differ only in which form is the id. */
function specPeer4Doc(id: string, alias: string) {
  return {
    '@context': [
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/suites/x25519-2020/v1',
      'https://w3id.org/security/suites/ed25519-2020/v1',
    ],
    verificationMethod: [
      {
        id: '#6LSqPZfn',
        type: 'X25519KeyAgreementKey2020',
        publicKeyMultibase: 'z6LSqPZfn9krvgXma2icTMKf2uVcYhKXsudCmPoUzqGYW24U',
        controller: id,
      },
      {
        id: '#6MkrCD1c',
        type: 'Ed25519VerificationKey2020',
        publicKeyMultibase: 'z6MkrCD1csqtgdj8sjrsu8jxcbeyP6m7LiK87NzhfWqio5yr',
        controller: id,
      },
    ],
    service: [
      {
        id: '#didcommmessaging-0',
        type: 'DIDCommMessaging',
        serviceEndpoint: {
          uri: 'didcomm:transport/queue',
          accept: ['didcomm/v2'],
          routingKeys: [],
        },
      },
    ],
    authentication: ['#6MkrCD1c'],
    keyAgreement: ['#6LSqPZfn'],
    assertionMethod: ['#6MkrCD1c'],
    capabilityDelegation: ['#6MkrCD1c'],
    capabilityInvocation: ['#6MkrCD1c'],
    alsoKnownAs: [alias],
    id,
  }
}

// Ed25519 keys from the spec examples, used as agent and mediator keys below.
const KEY_A = 'z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH'
const KEY_B = 'z6MkrCD1csqtgdj8sjrsu8jxcbeyP6m7LiK87NzhfWqio5yr'
const KEY_C = 'z6Mkj3PUd1WjvaDhNZhhhXQdz5UnZXmS7ehtx8bsPpD47kKc'
const X25519_KEY = 'z6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR'

describe('did:peer:2 (spec examples)', () => {
  it('creates the spec example DID from its keys and services', () => {
    const services = ['didcomm', 'another'].map((path, i) => ({
      type: 'DIDCommMessaging',
      serviceEndpoint: {
        uri: `http://example.com/${path}`,
        accept: ['didcomm/v2'],
        routingKeys: [`did:example:123456789abcdefghi#key-${i + 1}`],
      },
    }))
    const keys = [
      { purpose: 'V' as const, multikey: 'z6Mkj3PUd1WjvaDhNZhhhXQdz5UnZXmS7ehtx8bsPpD47kKc' },
      { purpose: 'E' as const, multikey: 'z6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR' },
    ]
    assert.equal(createPeer2Did(keys, services), SPEC_PEER2)
  })

  it('resolves the spec example to the spec document', async () => {
    assert.deepEqual(await new DidRegistry().resolve(SPEC_PEER2), SPEC_PEER2_DOC)
  })

  it('numbers keys across purposes, expands a string endpoint and gives the did:peer:3 alias', async () => {
    const doc = await new DidRegistry().resolve(SPEC_PEER2_FOR_PEER3)
    assert.deepEqual(doc.alsoKnownAs, [SPEC_PEER3])
    assert.deepEqual(
      doc.verificationMethod?.map((vm) => [vm.id, vm.publicKeyMultibase]),
      [
        ['#key-1', 'z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc'],
        ['#key-2', 'z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V'],
        ['#key-3', 'z6MkgoLTnTypo3tDRwCkZXSccTPHRLhF4ZnjhueYAFpEX6vg'],
      ],
    )
    assert.deepEqual(doc.keyAgreement, ['#key-1'])
    assert.deepEqual(doc.authentication, ['#key-2', '#key-3'])
    assert.deepEqual(doc.service, [
      {
        type: 'DIDCommMessaging',
        serviceEndpoint: 'https://example.com/endpoint',
        routingKeys: ['did:example:somemediator#somekey'],
        accept: ['didcomm/v2', 'didcomm/aip2;env=rfc587'],
        id: '#service',
      },
    ])
  })

  it('keeps did-communication spelled out and service ids relative', () => {
    const did = createPeer2Did([], [{ id: '#s', type: 'did-communication', serviceEndpoint: 'http://x/' }])
    assert.equal(
      Buffer.from(did.split('.S')[1] ?? '', 'base64url').toString(),
      '{"id":"#s","t":"did-communication","s":"http://x/"}',
    )
    assert.throws(
      () => createPeer2Did([], [{ id: 'did:example:1#s', type: 'did-communication', serviceEndpoint: 'http://x/' }]),
      /relative/,
    )
  })
})

describe('did:peer:4 (spec examples)', () => {
  it('creates the spec long and short forms from the input document', () => {
    assert.deepEqual(createPeer4Did(SPEC_PEER4_INPUT), { longDid: SPEC_PEER4_LONG, shortDid: SPEC_PEER4_SHORT })
  })

  it('resolves the long form to the spec document', async () => {
    assert.deepEqual(await new DidRegistry().resolve(SPEC_PEER4_LONG), specPeer4Doc(SPEC_PEER4_LONG, SPEC_PEER4_SHORT))
  })

  it('resolves the short form only after its long form was seen', async () => {
    const registry = new DidRegistry()
    await rejectsWith(registry.resolve(SPEC_PEER4_SHORT), 'e.did.unresolvable', /long form has not been seen/)
    registry.rememberLongForm(SPEC_PEER4_LONG)
    assert.deepEqual(await registry.resolve(SPEC_PEER4_SHORT), specPeer4Doc(SPEC_PEER4_SHORT, SPEC_PEER4_LONG))
  })

  it('rejects a long form whose document does not match its hash', async () => {
    const otherDocument = createPeer4Did({ ...SPEC_PEER4_INPUT, service: [] }).longDid.split(':')[3]
    const tampered = `${SPEC_PEER4_SHORT}:${otherDocument}`
    const registry = new DidRegistry()
    await rejectsWith(registry.resolve(tampered), 'e.did.unresolvable', /hash/)
    assert.throws(
      () => registry.rememberLongForm(tampered),
      (error) => error instanceof DidResolutionError && error.code === 'e.did.unresolvable',
    )
    const flipped = SPEC_PEER4_LONG.slice(0, -1) + (SPEC_PEER4_LONG.endsWith('z') ? 'y' : 'z')
    await rejectsWith(registry.resolve(flipped), 'e.did.unresolvable', /hash/)
  })

  it('refuses an input document with a root id', () => {
    assert.throws(() => createPeer4Did({ ...SPEC_PEER4_INPUT, id: 'did:example:1' }), /root id/)
  })
})

describe('did:key', () => {
  it('resolves an Ed25519 did:key to a one-key Multikey document', async () => {
    const did = `did:key:${KEY_A}`
    const id = `${did}#${KEY_A}`
    assert.deepEqual(await new DidRegistry().resolve(did), {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: KEY_A }],
      authentication: [id],
      assertionMethod: [id],
      capabilityInvocation: [id],
      capabilityDelegation: [id],
    })
  })

  it('puts an X25519 did:key under keyAgreement only', async () => {
    const doc = await new DidRegistry().resolve(`did:key:${X25519_KEY}`)
    assert.deepEqual(doc.keyAgreement, [`did:key:${X25519_KEY}#${X25519_KEY}`])
    assert.equal(doc.authentication, undefined)
  })

  it('has no DIDComm service', async () => {
    await rejectsWith(new DidRegistry().resolveDidCommTarget(`did:key:${KEY_A}`), 'e.did.doc_unsupported')
  })

  it('does not resolve other key types', async () => {
    const p256 = 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169'
    await rejectsWith(new DidRegistry().resolve(p256), 'e.did.unresolvable', /not an Ed25519 or X25519/)
  })
})

describe('DidRegistry error codes', () => {
  const registry = new DidRegistry()

  it('reports unsupported methods and numalgos', async () => {
    await rejectsWith(registry.resolve('did:example:123'), 'e.did.method_unsupported', /"example"/)
    await rejectsWith(registry.resolve(`did:peer:0${KEY_A}`), 'e.did.method_unsupported', /numalgo 0/)
    await rejectsWith(
      registry.resolve('did:peer:1zQmZMygzYqNwU6Uhmewx5Xepf2VLp5S4HLSwwgf2aiKZuwa'),
      'e.did.method_unsupported',
    )
    await rejectsWith(registry.resolve(SPEC_PEER3), 'e.did.method_unsupported', /numalgo 3/)
  })

  it('reports strings that are not DIDs as unresolvable', async () => {
    await rejectsWith(registry.resolve('not-a-did'), 'e.did.unresolvable', /is not a DID/)
    await rejectsWith(registry.resolve(`did:key:${KEY_A}#${KEY_A}`), 'e.did.unresolvable', /is not a DID/)
    // `=` is not allowed in a DID, so padded base64url cannot appear in a did:peer:2.
    await rejectsWith(registry.resolve(`did:peer:2.V${KEY_A}.SeyJ0IjoiZG0ifQ==`), 'e.did.unresolvable', /not a DID/)
  })

  it('reports malformed did:peer:2 as unresolvable', async () => {
    const list = Buffer.from('[{"t":"dm","s":"http://x/"}]').toString('base64url')
    const cases: [string, RegExp][] = [
      [`did:peer:2.X${KEY_A}`, /purpose code/],
      [`did:peer:2.V${KEY_A}.S${list}`, /not a list/],
      [`did:peer:2.V${KEY_A}.Snotjson`, /JSON/],
      ['did:peer:2.Vz6Mk', /multibase/],
      [`did:peer:2.V${KEY_A}.`, /purpose code/],
    ]
    for (const [did, message] of cases) await rejectsWith(registry.resolve(did), 'e.did.unresolvable', message)
  })

  it('reports a did:peer:2 with only an X25519 key and no service as doc_unsupported', async () => {
    const did = `did:peer:2.E${X25519_KEY}`
    assert.deepEqual((await registry.resolve(did)).keyAgreement, ['#key-1'])
    await rejectsWith(registry.resolveDidCommTarget(did), 'e.did.doc_unsupported', /no service of type/)
  })

  it('reports DIDComm v2-only documents as doc_unsupported', async () => {
    await rejectsWith(registry.resolveDidCommTarget(SPEC_PEER2), 'e.did.doc_unsupported')
  })
})

describe('createDidCommPeerDid -> resolveDidCommTarget', () => {
  const verkey = multikeyToVerkey(KEY_A)
  const mediator = verkeyToDidKey(multikeyToVerkey(KEY_B))
  const serviceEndpoint = 'http://agent.example:8020/'

  it('numalgo 2: one .V key and an ACA-Py style did-communication service', async () => {
    const { did, shortDid, keyIds } = createDidCommPeerDid({
      numalgo: 2,
      verkey,
      serviceEndpoint,
      routingKeys: [mediator],
    })
    assert.equal(shortDid, undefined)
    assert.deepEqual(keyIds, [`${did}#key-1`])
    const [keyElement, serviceElement] = did.slice('did:peer:2.'.length).split('.')
    assert.equal(keyElement, `V${KEY_A}`)
    assert.equal(
      Buffer.from(serviceElement?.slice(1) ?? '', 'base64url').toString(),
      `{"id":"#didcomm-0","t":"did-communication","priority":0,"recipientKeys":["#key-1"],"r":["${mediator}"],"s":"${serviceEndpoint}"}`,
    )
    assert.deepEqual(await new DidRegistry().resolveDidCommTarget(did), {
      did,
      recipientKeys: [verkey],
      routingKeys: [multikeyToVerkey(KEY_B)],
      serviceEndpoint,
    })
  })

  it('numalgo 4: long form resolves directly, short form after rememberLongForm', async () => {
    const { did, shortDid, keyIds } = createDidCommPeerDid({
      numalgo: 4,
      verkey,
      serviceEndpoint,
      routingKeys: [mediator],
    })
    assert.ok(shortDid && did.startsWith(`${shortDid}:`))
    assert.deepEqual(keyIds, [`${did}#key-0`])
    const registry = new DidRegistry()
    const doc = await registry.resolve(did)
    assert.deepEqual(doc.verificationMethod, [
      { id: '#key-0', type: 'Multikey', publicKeyMultibase: KEY_A, controller: did },
    ])
    assert.deepEqual(doc.authentication, ['#key-0'])
    assert.deepEqual(doc.keyAgreement, ['#key-0'])
    assert.deepEqual(doc.service, [
      {
        id: '#didcomm-0',
        type: 'did-communication',
        recipientKeys: ['#key-0'],
        routingKeys: [mediator],
        serviceEndpoint,
        priority: 0,
      },
    ])
    const target = { recipientKeys: [verkey], routingKeys: [multikeyToVerkey(KEY_B)], serviceEndpoint }
    assert.deepEqual(await registry.resolveDidCommTarget(did), { did, ...target })
    await rejectsWith(registry.resolveDidCommTarget(shortDid), 'e.did.unresolvable')
    registry.rememberLongForm(did)
    assert.deepEqual(await registry.resolveDidCommTarget(shortDid), { did: shortDid, ...target })
  })

  it('refuses malformed keys', () => {
    assert.throws(() => createDidCommPeerDid({ numalgo: 2, verkey: 'abc', serviceEndpoint }))
    assert.throws(
      () => createDidCommPeerDid({ numalgo: 4, verkey, serviceEndpoint, routingKeys: [multikeyToVerkey(KEY_B)] }),
      /not a did:key/,
    )
  })
})

describe('resolveDidCommTarget service and key selection', () => {
  const alias = 'did:example:alias'
  const { longDid } = createPeer4Did({
    alsoKnownAs: [alias],
    verificationMethod: [
      { id: '#x25519', type: 'Multikey', publicKeyMultibase: X25519_KEY },
      { id: '#k2018', type: 'Ed25519VerificationKey2018', publicKeyBase58: multikeyToVerkey(KEY_A) },
      { id: '#k2020', type: 'Ed25519VerificationKey2020', publicKeyMultibase: KEY_B },
    ],
    service: [
      { id: '#v2', type: 'DIDCommMessaging', serviceEndpoint: { uri: 'http://v2/' } },
      { id: '#x', type: 'did-communication', priority: 0, recipientKeys: ['#x25519'], serviceEndpoint: 'http://x/' },
      {
        id: '#obj',
        type: 'did-communication',
        priority: 0,
        recipientKeys: ['#k2018'],
        serviceEndpoint: { uri: 'http://o/' },
      },
      {
        id: '#later',
        type: 'did-communication',
        priority: 2,
        recipientKeys: ['#k2018'],
        serviceEndpoint: 'http://later/',
      },
      {
        id: '#chosen',
        type: 'did-communication',
        priority: 1,
        recipientKeys: ['#k2018', `${alias}#k2020`, `did:key:${KEY_C}#${KEY_C}`],
        routingKeys: [`did:key:${KEY_B}`],
        serviceEndpoint: 'http://chosen/',
      },
    ],
  })

  it('skips unusable services, honours priority and resolves every key reference form', async () => {
    assert.deepEqual(await new DidRegistry().resolveDidCommTarget(longDid), {
      did: longDid,
      recipientKeys: [multikeyToVerkey(KEY_A), multikeyToVerkey(KEY_B), multikeyToVerkey(KEY_C)],
      routingKeys: [multikeyToVerkey(KEY_B)],
      serviceEndpoint: 'http://chosen/',
    })
  })

  it('says why each did-communication service was unusable', async () => {
    const { longDid: unusable } = createPeer4Did({
      verificationMethod: [{ id: '#x25519', type: 'Multikey', publicKeyMultibase: X25519_KEY }],
      service: [
        { id: '#x', type: 'did-communication', recipientKeys: ['#x25519'], serviceEndpoint: 'http://x/' },
        { id: '#gone', type: 'did-communication', recipientKeys: ['#missing'], serviceEndpoint: 'http://x/' },
      ],
    })
    await rejectsWith(
      new DidRegistry().resolveDidCommTarget(unusable),
      'e.did.doc_unsupported',
      /#x: .*not an Ed25519 key.*#gone: key #missing/,
    )
  })
})
