import assert from 'node:assert/strict'
import { After } from '@cucumber/cucumber'
import { peer4FromVerkey } from '../agents/reference/storage/migration/plan.js'
import {
  lostKeys,
  storeDifferences,
  tagValues,
  type StoreMigration,
  type StoreSnapshot,
} from '../contract/storeSnapshot.js'
import { sameDid } from '../didcomm/dids.js'
import { layoutSchemaFor, validateStored } from '../schemas/storageValidate.js'
import { exchangePings } from './support/connect.js'
import { nymRecordStored } from './support/didKeyModel.js'
import { offeredSteps } from './support/offered.js'
import type { ConformanceWorld } from './support/world.js'

const AGENT = 'agent'
const PEER = 'peer'
const { Given, When, Then } = offeredSteps(AGENT)

function migration(world: ConformanceWorld): NonNullable<ConformanceWorld['migration']> {
  if (!world.migration) throw new Error("the agent's store has not been migrated in this scenario")
  return world.migration
}

function unqualifiedOf(world: ConformanceWorld): { did: string; verkey: string } {
  const made = migration(world).unqualified
  if (!made) throw new Error('the agent keeps no unqualified DID in this scenario')
  return made
}

function note(world: ConformanceWorld, lines: string[]): void {
  world.observations.push(...lines)
}

// What a scenario did to the agent's store (a migration, a public DID) reaches no later scenario: the store is put back.
After({ tags: '@migration or @storage' }, async function (this: ConformanceWorld) {
  if (this.migration || this.storage?.posted) await this.the(AGENT, 'store').restore()
})

Given('the agent keeps an unqualified DID of its own', async function (this: ConformanceWorld) {
  const made = await this.the(AGENT, 'store').createUnqualifiedDid()
  assert.doesNotMatch(made.did, /^did:/, `the agent made ${made.did}, a qualified DID`)
  this.migration = { unqualified: made, runs: [] }
  note(this, [`the agent's unqualified DID: ${made.did} (verkey ${made.verkey})`])
})

When("the agent's store is migrated", async function (this: ConformanceWorld) {
  await migrateOnce(this)
})

When("the agent's store is migrated again", async function (this: ConformanceWorld) {
  await migrateOnce(this)
})

async function migrateOnce(world: ConformanceWorld): Promise<void> {
  const store = world.the(AGENT, 'store')
  const state = (world.migration ??= { runs: [] })
  const before = await store.snapshot()
  const result = await store.migrate()
  const after = await store.snapshot()
  state.runs.push({ before, result, after })
  note(world, [
    `migration ${state.runs.length}: ${result.operations} operations in ${result.ms.toFixed(0)} ms; renamed ${JSON.stringify(result.renamed)}`,
    ...(result.startFailure
      ? [`the agent did not start again on the migrated store: ${firstLine(result.startFailure)}`]
      : []),
  ])
}

When(
  "the agent's store is migrated by a run killed once it has planned, and migrated again",
  async function (this: ConformanceWorld) {
    const state = migration(this)
    const run = await this.the(AGENT, 'store').migrateInterrupted()
    state.interrupted = run
    const { kill, rerun, copy } = run
    note(this, [
      `killed run: ${kill.planned} operations planned; SIGKILL after "${kill.killedAfter}", exited ${kill.msToExit.toFixed(0)} ms later (${kill.ms.toFixed(0)} ms in all); its stderr: ${kill.lines.join(' | ')}`,
      `run again: ${rerun.migration.operations} operations in ${rerun.migration.ms.toFixed(0)} ms; the copy, uninterrupted: ${copy.migration.operations} operations in ${copy.migration.ms.toFixed(0)} ms`,
    ])
  },
)

const firstLine = (text: string) => text.split('\n', 1)[0] as string

function firstRun(world: ConformanceWorld): { before: StoreSnapshot; result: StoreMigration; after: StoreSnapshot } {
  const run = migration(world).runs[0]
  if (!run) throw new Error("the agent's store has not been migrated in this scenario")
  return run
}

Then(
  'the unqualified DID is now the did:peer:4 its verkey makes, with a bound key and a did tag',
  function (this: ConformanceWorld) {
    const unqualified = unqualifiedOf(this)
    const { after } = firstRun(this)
    const { did, fragment } = peer4FromVerkey(unqualified.verkey)
    const record = after.items.find((i) => i.category === 'did' && i.name === did)
    const old = after.items.find((i) => i.category === 'did' && i.name === unqualified.did)
    const bound = after.keys.find((k) => k.name === `${did}${fragment}`)
    const key = after.keys.find((k) => k.name === unqualified.verkey)
    const problems = [
      ...(old ? [`a did record is still named ${unqualified.did}`] : []),
      ...(record ? [] : [`no did record named ${did}`]),
      ...((record?.value as { metadata?: { migrated_from?: string } } | undefined)?.metadata?.migrated_from ===
      unqualified.did
        ? []
        : [`the did record of ${did} does not name ${unqualified.did} as migrated_from`]),
      ...(bound?.publicKey === unqualified.verkey
        ? []
        : [`no key entry ${did}${fragment} holding ${unqualified.verkey}`]),
      ...(bound && tagValues(bound.tags, 'did').includes(did) ? [] : [`the bound key has no did tag ${did}`]),
      ...(key && tagValues(key.tags, 'did').includes(did)
        ? []
        : [`the key ${unqualified.verkey} has no did tag ${did}`]),
    ]
    note(
      this,
      problems.map((p) => `MIG-01: ${p}`),
    )
    assert.deepEqual(problems, [], `MIG-01 does not hold:\n  ${problems.join('\n  ')}`)
  },
)

Then(
  'every key is still there with its public key and signs, every DID leads to the same key, and no record is lost',
  function (this: ConformanceWorld) {
    const { before, result, after } = firstRun(this)
    const problems = lostKeys(before.keys, after.keys)
    // Every DID the agent kept, under its old name or its new one, still leads to its key: a did record
    // of that name, and the key's did tag naming it (in either form of a did:peer:4).
    for (const record of before.items.filter((i) => i.category === 'did')) {
      const verkey = (record.value as { verkey?: string }).verkey ?? didTagKey(before, record.name)
      if (!verkey) continue
      const name = result.renamed[record.name] ?? record.name
      const leads =
        after.items.some((i) => i.category === 'did' && i.name === name) && didTagKey(after, name) === verkey
      if (!leads) problems.push(`DID ${name.slice(0, 60)} no longer leads to key ${verkey}`)
    }
    const added = new Set(['nym'])
    for (const category of new Set(before.items.map((i) => i.category))) {
      if (added.has(category)) continue
      const [n, m] = [before, after].map((s) => s.items.filter((i) => i.category === category).length)
      const didsMerged =
        category === 'did' ? Object.keys(result.renamed).length - new Set(Object.values(result.renamed)).size : 0
      if (m !== (n as number) - didsMerged) problems.push(`${category}: ${n} records before, ${m} after`)
    }
    note(this, [
      `MIG-02: keys ${before.keys.length} → ${after.keys.length}, items ${before.items.length} → ${after.items.length}`,
      ...problems.map((p) => `MIG-02: ${p}`),
    ])
    assert.deepEqual(problems, [], `MIG-02 does not hold:\n  ${problems.join('\n  ')}`)
  },
)

/** The verkey of the key entry named by its verkey whose did tag names `did`. */
function didTagKey(s: StoreSnapshot, did: string): string | undefined {
  return s.keys.find((k) => k.name === k.publicKey && tagValues(k.tags, 'did').some((t) => sameDid(t, did)))?.publicKey
}

Then('the peer and the agent each answer a trust ping on their connection', async function (this: ConformanceWorld) {
  const startFailure = migration(this).runs.find((r) => r.result.startFailure)?.result.startFailure
  if (startFailure) throw new Error(`the agent did not start again on its migrated store: ${startFailure}`)
  await exchangePings(
    { messaging: this.the(PEER, 'messaging'), connection: this.connection(PEER) },
    { messaging: this.the(AGENT, 'messaging'), connection: this.connection(AGENT) },
    this.wait,
  )
})

Then('the second migration wrote nothing and the store is as the first left it', function (this: ConformanceWorld) {
  const [first, second] = migration(this).runs
  if (!first || !second) throw new Error('the store was not migrated twice')
  const strip = (s: StoreSnapshot) => JSON.stringify({ items: s.items, keys: s.keys })
  assert.equal(second.result.operations, 0, `the second migration wrote ${second.result.operations} operations`)
  assert.equal(strip(second.after), strip(first.after), 'the store changed on the second migration')
})

Then(
  'the killed run left the store as it was, and run again it ends as the uninterrupted migration of a copy',
  function (this: ConformanceWorld) {
    const run = migration(this).interrupted
    if (!run) throw new Error("the agent's store has not been migrated by a killed run in this scenario")
    const problems = [
      ...storeDifferences(run.before, run.killed, ['the store before', 'the store after the kill']).map(
        (d) => `after the kill: ${d}`,
      ),
      ...storeDifferences(run.rerun.after, run.copy.after, ['the store run again', 'the copy']).map(
        (d) => `run again: ${d}`,
      ),
    ]
    note(this, [
      `MIG-06: items ${run.before.items.length} → ${run.rerun.after.items.length} (copy ${run.copy.after.items.length}), keys ${run.before.keys.length} → ${run.rerun.after.keys.length} (copy ${run.copy.after.keys.length})`,
      ...problems.map((p) => `MIG-06: ${p}`),
    ])
    assert.deepEqual(problems, [], `MIG-06 does not hold:\n  ${problems.slice(0, 20).join('\n  ')}`)
  },
)

Then(
  "every did record and key entry of the migrated store validates against the design's schemas",
  function (this: ConformanceWorld) {
    const { after } = firstRun(this)
    const problems = [...after.items.filter((i) => i.category === 'did'), ...after.keys].flatMap((record) => {
      const schema = layoutSchemaFor('seed', record) as string
      const verdict = validateStored(schema, record)
      return verdict.valid ? [] : [`${schema} ${record.name.slice(0, 70)}: ${verdict.errors.join('; ')}`]
    })
    note(
      this,
      problems.map((p) => `MIG-05: ${p}`),
    )
    assert.deepEqual(problems, [], `MIG-05 does not hold:\n  ${problems.slice(0, 10).join('\n  ')}`)
  },
)

Then(
  "the posted nym is now a nym record with the ledger's verkey, its key bound as did:sov:<nym>#key-1, and its DID qualified",
  function (this: ConformanceWorld) {
    const posted = this.storage?.posted
    if (!posted) throw new Error('the agent has no posted nym in this scenario')
    const { before, after } = firstRun(this)
    const did = `did:sov:${posted.nym}`
    const nym = nymRecordStored(after, posted)
    const bound = after.keys.find((k) => k.name === `${did}#key-1`)
    const key = after.keys.find((k) => k.name === posted.verkey)
    const rel = bound ? tagValues(bound.tags, 'rel') : []
    // Records that named the nym as the public DID follow it (the decision next to MIG-01).
    const pointers = before.items.filter(
      (i) => i.category !== 'did' && (i.value as { did?: unknown } | null)?.did === posted.nym,
    )
    const problems = [
      ...(nym.holds ? [] : nym.detail),
      ...(bound?.publicKey === posted.verkey ? [] : [`no key entry ${did}#key-1 holding ${posted.verkey}`]),
      ...(bound && !tagValues(bound.tags, 'did').includes(did) ? [`the bound key has no did tag ${did}`] : []),
      ...(bound && !['authentication', 'assertionMethod'].every((r) => rel.includes(r))
        ? [`the bound key's rel tag ${JSON.stringify(rel)} lacks authentication or assertionMethod`]
        : []),
      ...(key && tagValues(key.tags, 'did').includes(did) ? [] : [`the key ${posted.verkey} has no did tag ${did}`]),
      ...(after.items.some((i) => i.category === 'did' && i.name === did) ? [] : [`no did record named ${did}`]),
      ...(after.items.some((i) => i.category === 'did' && i.name === posted.nym)
        ? [`a did record is still named ${posted.nym}`]
        : []),
      ...pointers.flatMap((p) => {
        const now = after.items.find((i) => i.category === p.category && i.name === p.name)
        const named = (now?.value as { did?: unknown } | undefined)?.did
        return named === did ? [] : [`${p.category} ${p.name} names ${String(named)}, not ${did}`]
      }),
    ]
    note(this, [
      `MIG-07: ${nym.detail[0] ?? ''}; ${pointers.length} record(s) named the nym as a DID`,
      ...problems.map((p) => `MIG-07: ${p}`),
    ])
    assert.deepEqual(problems, [], `MIG-07 does not hold:\n  ${problems.join('\n  ')}`)
  },
)
