import assert from 'node:assert/strict'
import { After } from '@cucumber/cucumber'
import { peer4FromVerkey } from '../agents/reference/storage/migration/plan.js'
import { lostKeys, tagValues, type StoreMigration, type StoreSnapshot } from '../contract/storeSnapshot.js'
import { sameDid } from '../didcomm/dids.js'
import { layoutSchemaFor, validateStored } from '../schemas/storageValidate.js'
import { exchangePings } from './support/connect.js'
import { offeredSteps } from './support/offered.js'
import type { ConformanceWorld } from './support/world.js'

const AGENT = 'agent'
const PEER = 'peer'
const { Given, When, Then } = offeredSteps(AGENT)

function migration(world: ConformanceWorld): NonNullable<ConformanceWorld['migration']> {
  if (!world.migration) throw new Error("the agent's store has not been migrated in this scenario")
  return world.migration
}

function note(world: ConformanceWorld, lines: string[]): void {
  world.observations.push(...lines)
}

// What a migration scenario did to the agent's store reaches no later scenario: the store is put back.
After({ tags: '@migration' }, async function (this: ConformanceWorld) {
  if (this.migration) await this.the(AGENT, 'store').restore()
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
  const state = migration(world)
  const before = await store.snapshot()
  const result = await store.migrate()
  const after = await store.snapshot()
  state.runs.push({ before, result, after })
  note(world, [
    `migration ${state.runs.length}: ${result.operations} operations in ${result.ms.toFixed(0)} ms; renamed ${JSON.stringify(result.renamed)}`,
  ])
}

function firstRun(world: ConformanceWorld): { before: StoreSnapshot; result: StoreMigration; after: StoreSnapshot } {
  const run = migration(world).runs[0]
  if (!run) throw new Error("the agent's store has not been migrated in this scenario")
  return run
}

Then(
  'the unqualified DID is now the did:peer:4 its verkey makes, with a bound key and a did tag',
  function (this: ConformanceWorld) {
    const { unqualified } = migration(this)
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
