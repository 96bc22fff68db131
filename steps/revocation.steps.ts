import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Given, Then, When } from '@cucumber/cucumber'
import type { LedgerTransaction } from '../agents/indy-pool/ledgerClient.js'
import { tailsHashOf } from '../agents/tails-server/tailsFile.js'
import { pollUntil } from '../common/waitFor.js'
import { ledgerOfRun, tailsServerOfRun } from '../runner/context.js'
import { endorsedWrite, endorsement, schemaOf } from './support/endorsed.js'
import type { ConformanceWorld, RegistryOnLedger } from './support/world.js'

const AUTHOR = 'author'
const REVOC_REG_DEF = '113'
const REVOC_REG_ENTRY = '114'

function revocation(world: ConformanceWorld): NonNullable<ConformanceWorld['revocation']> {
  if (!world.revocation) throw new Error('the author made no revocable credential definition in this scenario')
  return world.revocation
}

/** A write the agent makes by itself is awaited for one step bound per write before it, in sequence. */
const boundFor = (world: ConformanceWorld, writes: number) => writes * world.wait.timeoutMs

Given(
  'the author has a schema of its own on the ledger, endorsed by the endorser',
  async function (this: ConformanceWorld) {
    const draft = {
      name: `conformance-${randomBytes(4).toString('hex')}`,
      version: '1.0',
      attributes: ['name', 'score'],
    }
    const asked = await this.the(AUTHOR, 'endorsement').requestSchemaEndorsement(this.connection(AUTHOR), draft)
    endorsement(this).schema = { ...draft, id: asked.schemaId }
    const written = await ledgerOfRun().schema(asked.schemaId, boundFor(this, 1))
    await endorsedWrite(this, written.seqNo, {
      type: '101',
      what: `schema ${asked.schemaId}`,
      author: endorsement(this).authorDid,
      as: 'the author',
    })
  },
)

When(
  'the author makes a credential definition with revocation support, its registries of {int} credentials each',
  async function (this: ConformanceWorld, registrySize: number) {
    const tag = `rev${randomBytes(4).toString('hex')}`
    const made = await this.the(AUTHOR, 'revocation').createRevocableCredentialDefinition(
      this.connection(AUTHOR),
      schemaOf(this).id,
      tag,
      registrySize,
    )
    this.revocation = { credentialDefinitionId: made.credentialDefinitionId, registrySize, registries: [] }
    this.observations.push(`the author made ${made.credentialDefinitionId} (registries of ${registrySize})`)
  },
)

Then(
  'the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser',
  async function (this: ConformanceWorld) {
    const state = revocation(this)
    const ledger = ledgerOfRun()
    const written = await ledger.credentialDefinition(state.credentialDefinitionId, boundFor(this, 1))
    await endorsedWrite(this, written.seqNo, {
      type: '102',
      what: `credential definition ${state.credentialDefinitionId}`,
      author: endorsement(this).authorDid,
      as: 'the author',
    })
    const schema = await ledger.schema(schemaOf(this).id)
    assert.equal(written.schemaSeqNo, schema.seqNo, 'the credential definition is not on the schema asked for')
    assert.ok(written.value.revocation, 'the credential definition on the ledger has no revocation keys')
    state.credentialDefinitionSeqNo = written.seqNo
  },
)

Then(
  /^(\d+) revocation registr(?:y|ies) of the credential definition (?:is|are) on the ledger, each with its first entry, every write by the author and endorsed by the endorser$/,
  async function (this: ConformanceWorld, count: string) {
    const registries = await registriesOnLedger(this, Number(count))
    const { authorDid } = endorsement(this)
    for (const r of registries) {
      const as = { author: authorDid, as: 'the author' }
      await endorsedWrite(this, r.definitionSeqNo, { type: REVOC_REG_DEF, what: `registry ${r.id}`, ...as })
      await endorsedWrite(this, r.entrySeqNo, { type: REVOC_REG_ENTRY, what: `the first entry of ${r.id}`, ...as })
      assert.equal(r.maxCredNum, revocation(this).registrySize, `registry ${r.id} is not of the size asked for`)
    }
  },
)

Then(
  'the tails file of each of those registries is on the tails server, with the hash the ledger holds, served where the ledger says',
  async function (this: ConformanceWorld) {
    const { registries } = revocation(this)
    assert.ok(registries.length > 0, 'no registry of the credential definition was found on the ledger')
    const server = tailsServerOfRun()
    for (const r of registries) {
      const stored = await pollUntil({
        probe: async () => server.files().find((f) => f.id === r.id || f.id === r.tailsHash),
        timeoutMs: this.wait.timeoutMs,
        awaited: `the tails file of ${r.id} on the tails server`,
        seen: () => JSON.stringify(server.events.all().slice(-5)),
      })
      assert.equal(
        stored.tailsHash,
        r.tailsHash,
        `the tails file uploaded for ${r.id} is not the one its definition names`,
      )
      const answer = await fetch(r.tailsLocation)
      assert.equal(answer.status, 200, `the tails location of ${r.id} (${r.tailsLocation}) answers ${answer.status}`)
      const served = tailsHashOf(new Uint8Array(await answer.arrayBuffer()))
      this.observations.push(`tails of ${r.id}: ${r.tailsLocation} serves a file of hash ${served}`)
      assert.equal(served, r.tailsHash, `the tails location of ${r.id} serves another file than its definition names`)
    }
  },
)

/**
 * The credential definition's registries on the ledger, each with its first entry, once `count` of them
 * are there: the author writes them after the credential definition, so the ledger is read on from it.
 */
async function registriesOnLedger(world: ConformanceWorld, count: number): Promise<RegistryOnLedger[]> {
  const state = revocation(world)
  const ledger = ledgerOfRun()
  const start = state.credentialDefinitionSeqNo
  if (start === undefined) throw new Error('the credential definition was not read back from the ledger first')
  const definitions: LedgerTransaction[] = []
  const entries = new Map<string, LedgerTransaction>()
  let next = start + 1
  const complete = () => definitions.filter((d) => entries.has(String(d.data.id)))
  await pollUntil({
    probe: async () => {
      const found = await ledger.transactionsFrom(next)
      next += found.length
      for (const txn of found) {
        if (txn.type === REVOC_REG_DEF && txn.data.credDefId === state.credentialDefinitionId) definitions.push(txn)
        // A registry id names its credential definition: <did>:4:<cred def id>:CL_ACCUM:<tag>.
        const of = String(txn.data.revocRegDefId)
        const ours = of.includes(`:4:${state.credentialDefinitionId}:`)
        if (txn.type === REVOC_REG_ENTRY && ours && !entries.has(of)) entries.set(of, txn)
      }
      return complete().length >= count ? true : undefined
    },
    // Per registry: its definition and its entry, each endorsed and written in turn.
    timeoutMs: boundFor(world, 2 * count),
    awaited: `${count} registries of ${state.credentialDefinitionId} on the ledger, each with an entry`,
    seen: () =>
      `read up to seqNo ${next - 1}; registries ${JSON.stringify(definitions.map((d) => [d.seqNo, d.data.id]))}; ` +
      `entries ${JSON.stringify([...entries].map(([id, e]) => [e.seqNo, id]))}`,
  })
  state.registries = complete().map((d) => {
    const value = d.data.value as { maxCredNum: number; tailsHash: string; tailsLocation: string }
    const id = String(d.data.id)
    return {
      id,
      definitionSeqNo: d.seqNo,
      entrySeqNo: (entries.get(id) as LedgerTransaction).seqNo,
      maxCredNum: value.maxCredNum,
      tailsHash: value.tailsHash,
      tailsLocation: value.tailsLocation,
    }
  })
  return state.registries
}
