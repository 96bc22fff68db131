import assert from 'node:assert/strict'
import { NotOffered } from '../backchannels/capabilities.js'
import type { StoredItem } from '../contract/storeSnapshot.js'
import { DIDEXCHANGE_1_0 } from '../didcomm/messageType.js'
import { accept, bothCompleted, invite } from './support/connect.js'
import { offeredSteps } from './support/offered.js'
import type { ConformanceWorld } from './support/world.js'

const AGENT = 'agent'
const PEER = 'peer'
const { Given, Then } = offeredSteps(AGENT)

Given(
  'the agent has connected to the peer over DID Exchange 1.0, on an unqualified DID of its own',
  async function (this: ConformanceWorld) {
    await invite(this, PEER, DIDEXCHANGE_1_0)
    await accept(this, AGENT, this.invitation?.invitation as Record<string, unknown>)
    await bothCompleted(this, PEER, AGENT)
    const { myDid } = await this.the(AGENT, 'connections').getConnection(this.connection(AGENT))
    if (!myDid) throw new Error(`the agent's connection ${this.connection(AGENT)} names no DID of its own`)
    // DID Exchange 1.0 lets a requester use any DID: an agent that takes a qualified one has no store to test here.
    if (myDid.startsWith('did:')) {
      throw new NotOffered(
        `it requested with ${myDid.slice(0, 40)}… on DID Exchange 1.0: it makes no unqualified DIDs there`,
      )
    }
    const snapshot = await this.the(AGENT, 'store').snapshot()
    const record = snapshot.items.find((i) => i.category === 'did' && i.name === myDid)
    const verkey = (record?.value as { verkey?: unknown } | undefined)?.verkey
    if (typeof verkey !== 'string') throw new Error(`the agent's store has no did record of ${myDid} naming its verkey`)
    this.migration = { unqualified: { did: myDid, verkey }, runs: [] }
    this.observations.push(`the agent's DID on the DID Exchange 1.0 connection: ${myDid} (verkey ${verkey})`)
  },
)

const namesAsMine = (item: StoredItem, did: string) =>
  (item.value as { my_did?: unknown } | null)?.my_did === did || item.tags.my_did === did

Then(
  "every record that named the unqualified DID as the agent's own names the did:peer:4 instead",
  function (this: ConformanceWorld) {
    const run = this.migration?.runs[0]
    const old = this.migration?.unqualified?.did
    if (!run || !old) throw new Error("the agent's unqualified DID has not been migrated in this scenario")
    const renamed = run.result.renamed[old]
    const naming = run.before.items.filter((i) => namesAsMine(i, old))
    const problems = [
      ...(renamed ? [] : [`the migration did not rename ${old}`]),
      ...(naming.length > 0 ? [] : [`no record of the store named ${old} as my_did before the migration`]),
    ]
    for (const item of naming) {
      const now = run.after.items.find((i) => i.category === item.category && i.name === item.name)
      const where = `${item.category} ${item.name}`
      if (!now) problems.push(`${where} is gone`)
      else if (namesAsMine(now, old) || !renamed || !namesAsMine(now, renamed)) {
        problems.push(`${where} names my_did ${JSON.stringify((now.value as { my_did?: unknown }).my_did)}`)
      } else if (item.tags.my_did !== undefined && now.tags.my_did !== renamed) {
        problems.push(`${where} keeps the tag my_did ${String(now.tags.my_did)}`)
      }
    }
    this.observations.push(
      `MIG-01: ${naming.length} record(s) named ${old} as my_did; renamed to ${renamed ?? '(nothing)'}`,
      ...problems.map((p) => `MIG-01: ${p}`),
    )
    assert.deepEqual(problems, [], `MIG-01 does not hold:\n  ${problems.join('\n  ')}`)
  },
)
