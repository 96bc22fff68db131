import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { launchAcapy } from '../agents/acapy/launcher.js'
import { ACAPY_VERSIONS } from '../agents/acapy/versions.js'
import { pollUntil } from '../common/waitFor.js'
import {
  credentialDefinitionRequest,
  endorse,
  LedgerClient,
  LedgerIdentity,
  LedgerRequestRefused,
  ROLE_CODES,
  schemaRequest,
} from '../agents/indy-pool/ledgerClient.js'
import { startIndyPool, type IndyPool } from '../agents/indy-pool/pool.js'
import { ensureAskarLibrary } from '../agents/reference/native/askarLibrary.js'
import { migrateStore } from '../agents/reference/storage/migration/apply.js'
import { snapshotStore } from '../backchannels/store/askarSnapshot.js'
import { lostKeys } from '../contract/storeSnapshot.js'
import { layoutSchemaFor, validateStored } from '../schemas/storageValidate.js'

function refusal(op: string, reason: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof LedgerRequestRefused, `expected a ledger refusal, got ${String(err)}`)
    assert.equal(err.op, op)
    assert.match(err.reason, reason)
    return true
  }
}

/**
 * A write is confirmed by f+1 = 2 nodes; a read goes to any two and one verified state proof settles it,
 * so a node still applying the batch can answer "not found" just after the write. Nothing announces that
 * every node has applied it, hence a bounded poll.
 */
function readBack<T>(read: () => Promise<T | null>, what: string): Promise<T> {
  return pollUntil({
    probe: async () => (await read()) ?? undefined,
    timeoutMs: 10_000,
    awaited: `${what} to read back`,
  })
}

// chroot and mount namespaces need root; CI runs as root, so there the pool is always tested.
const skip = process.getuid?.() === 0 ? false : 'the Indy pool needs root (README: "An Indy ledger")'

describe('Indy pool (4 indy-node 1.13.2 nodes on loopback)', { timeout: 20 * 60_000, skip }, () => {
  let pool: IndyPool
  let ledger: LedgerClient
  let trustee: LedgerIdentity
  let endorser: LedgerIdentity
  let author: LedgerIdentity
  const schema = { name: 'conformance', version: '1.0', attrNames: ['name', 'age'] }

  before(async () => {
    await ensureAskarLibrary()
    const started = Date.now()
    pool = await startIndyPool()
    console.log(`[indy-pool] start-to-ready ${Date.now() - started} ms (provisioning checked first)`)
    ledger = await LedgerClient.open(pool.genesis)
    trustee = LedgerIdentity.fromSeed(pool.trusteeSeed)
    endorser = LedgerIdentity.generate()
    author = LedgerIdentity.generate()
  })

  after(async () => {
    await ledger?.close()
    await pool?.stop()
  })

  it('the trustee writes NYMs (an endorser, an author without a role) that read back', async () => {
    assert.equal(trustee.did, pool.trusteeDid)
    const started = Date.now()
    const written = await ledger.writeNym({
      submitter: trustee,
      did: endorser.did,
      verkey: endorser.verkey,
      role: 'ENDORSER',
    })
    console.log(`[indy-pool] NYM write ${Date.now() - started} ms`)
    assert.equal(written.metadata.from, trustee.did)
    assert.deepEqual(written.signers, [trustee.did])
    const nym = await readBack(() => ledger.getNym(endorser.did), 'the NYM')
    assert.deepEqual(nym, {
      did: endorser.did,
      verkey: endorser.verkey,
      role: ROLE_CODES.ENDORSER,
      seqNo: written.seqNo,
    })

    await ledger.writeNym({ submitter: trustee, did: author.did, verkey: author.verkey })
    assert.equal((await readBack(() => ledger.getNym(author.did), 'the NYM')).role, null)
    assert.equal(await ledger.getNym(LedgerIdentity.generate().did), null)
  })

  it('tells when every node answers a NYM, as an agent given the DID next may ask any of them', async () => {
    await ledger.nymOnEveryNode(author.did)
    assert.deepEqual(await ledger.nodesWithoutNym(author.did), [])
    const unknown = LedgerIdentity.generate().did
    assert.equal((await ledger.nodesWithoutNym(unknown)).length, 4)
    await assert.rejects(ledger.nymOnEveryNode(unknown, 300), /the NYM of \w+ on every node.*not yet on Node/)
  })

  it('refuses a SCHEMA from an author without a role', async () => {
    const request = author.sign(schemaRequest({ authorDid: author.did, ...schema }))
    await assert.rejects(ledger.write(request), refusal('REJECT', /Rule for this action is: 1 TRUSTEE signature/))
    assert.equal(await ledger.getSchema(`${author.did}:2:${schema.name}:${schema.version}`), null)
  })

  it("refuses the SCHEMA with an endorser field but without the endorser's signature", async () => {
    const request = endorse(schemaRequest({ authorDid: author.did, ...schema }), {
      author,
      endorser: endorser,
      endorserSigns: false,
    })
    await assert.rejects(ledger.write(request), refusal('REQNACK', /Endorser must sign the request/))
  })

  it('accepts the same SCHEMA with the endorser field and both signatures, and reads it back', async () => {
    const request = endorse(schemaRequest({ authorDid: author.did, ...schema }), { author, endorser: endorser })
    const written = await ledger.write(request)
    const schemaId = `${author.did}:2:${schema.name}:${schema.version}`
    assert.equal(written.txnId, schemaId)
    assert.equal(written.metadata.from, author.did)
    assert.equal(written.metadata.endorser, endorser.did)
    assert.deepEqual([...written.signers].sort(), [author.did, endorser.did].sort())
    const read = await readBack(() => ledger.getSchema(schemaId), 'the SCHEMA')
    // The ledger keeps the attribute names as a set.
    assert.deepEqual(
      { ...read, attrNames: [...read.attrNames].sort() },
      {
        ...schema,
        attrNames: [...schema.attrNames].sort(),
        seqNo: written.seqNo,
        from: author.did,
      },
    )

    // A CLAIM_DEF on it, endorsed the same way; the node checks its shape and the schema, not the CL key.
    const value = { primary: { n: '1', s: '2', r: { master_secret: '3', name: '4', age: '5' }, rctxt: '6', z: '7' } }
    const credDef = endorse(
      credentialDefinitionRequest({ authorDid: author.did, schemaSeqNo: written.seqNo, tag: 'default', value }),
      { author, endorser: endorser },
    )
    const credDefWritten = await ledger.write(credDef)
    const credDefId = `${author.did}:3:CL:${written.seqNo}:default`
    assert.deepEqual(await readBack(() => ledger.getCredentialDefinition(credDefId), 'the CLAIM_DEF'), {
      schemaSeqNo: written.seqNo,
      tag: 'default',
      origin: author.did,
      value,
      seqNo: credDefWritten.seqNo,
    })
    assert.equal(await ledger.getCredentialDefinition(`${author.did}:3:CL:${written.seqNo}:other`), null)
  })

  it('ACA-Py 0.12.8 starts on the pool with a public DID the trustee registered', async () => {
    const seed = randomBytes(16).toString('hex')
    const did = LedgerIdentity.fromSeed(seed)
    await ledger.writeNym({ submitter: trustee, did: did.did, verkey: did.verkey })
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'acapy-ledger-test-'))
    const started = Date.now()
    const agent = await launchAcapy({ label: 'ledger-test', runDir, genesisFile: pool.genesisPath, walletSeed: seed })
    console.log(`[acapy] start-to-ready on the pool ${Date.now() - started} ms`)
    try {
      const res = await fetch(`${agent.adminUrl}/wallet/did/public`, { headers: { 'X-API-Key': agent.apiKey } })
      const { result } = (await res.json()) as { result: { did: string; verkey: string } | null }
      assert.deepEqual({ did: result?.did, verkey: result?.verkey }, { did: did.did, verkey: did.verkey })
      // At start ACA-Py publishes its endpoint for the public DID: an ATTRIB it wrote to the pool itself.
      assert.deepEqual(await readBack(() => ledger.getAttribute(did.did, 'endpoint'), 'the endpoint ATTRIB'), {
        endpoint: agent.inboundUrl,
        routingKeys: [],
      })
      assert.ok(!readFileSync(agent.logFile, 'utf8').includes(seed), 'the seed reached the log')
    } finally {
      await agent.stop()
      rmSync(runDir, { recursive: true, force: true })
    }
  })
  for (const version of ACAPY_VERSIONS) {
    it(`migrates the store of ACA-Py ${version} holding a posted did:sov: a nym record the ledger agrees with, and a bound key`, async () => {
      const seed = randomBytes(16).toString('hex')
      const did = LedgerIdentity.fromSeed(seed)
      await ledger.writeNym({ submitter: trustee, did: did.did, verkey: did.verkey })
      const runDir = mkdtempSync(path.join(os.tmpdir(), 'acapy-posted-test-'))
      const agent = await launchAcapy({
        label: 'posted-test',
        version,
        runDir,
        genesisFile: pool.genesisPath,
        walletSeed: seed,
      })
      try {
        await agent.stop()
        const access = agent.storeAccess()
        const before = await snapshotStore(access, { agent: `acapy@${version}`, host: 'posted-test' })
        const { plan } = await migrateStore(access)
        const after = await snapshotStore(access, { agent: `acapy@${version}`, host: 'posted-test' })
        assert.deepEqual(plan.nyms, [did.did])
        // Observed, not trusted: the nym record says what the ledger says of that nym.
        const onLedger = await ledger.getNym(did.did)
        const nym = after.items.find((i) => i.category === 'nym' && i.name === did.did)
        assert.equal((nym?.value as { verkey?: string }).verkey, onLedger?.verkey)
        const qualified = `did:sov:${did.did}`
        assert.equal(after.keys.find((k) => k.name === `${qualified}#key-1`)?.publicKey, did.verkey)
        assert.equal(after.keys.find((k) => k.name === did.verkey)?.tags.did, qualified)
        assert.deepEqual(after.items.find((i) => i.name === 'default_public_did')?.value, { did: qualified })
        assert.deepEqual(lostKeys(before.keys, after.keys), [])
        for (const record of [...after.items.filter((i) => ['did', 'nym'].includes(i.category)), ...after.keys]) {
          const schema = layoutSchemaFor('seed', record) as string
          const verdict = validateStored(schema, record)
          assert.ok(verdict.valid, `${schema} ${record.name}: ${verdict.errors.join('; ')}`)
        }
      } finally {
        await agent.stop()
        rmSync(runDir, { recursive: true, force: true })
      }
    })
  }
})
