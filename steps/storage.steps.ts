import assert from 'node:assert/strict'
import { Given, Then, When } from '@cucumber/cucumber'
import type { PeerDidNumalgo } from '../contract/connections.js'
import type { StoreSnapshot } from '../contract/storeSnapshot.js'
import { connect } from './support/connect.js'
import {
  boundKeyStored,
  boundKeyTagged,
  didcommKeyNamedByVerkey,
  didcommKeyTaggedWithDid,
  didRecordQualified,
  didRecordShape,
  keysHoldTheirNames,
  observedDid,
  unboundKeysNamedByMultikey,
  x25519Derived,
  type ObservedDid,
  type Verdict,
} from './support/didKeyModel.js'
import type { ConformanceWorld } from './support/world.js'

const AGENT = 'agent'
const PEER = 'peer'

Given(
  'the agent has connected to the peer, requesting with a {numalgo} DID',
  async function (this: ConformanceWorld, n: PeerDidNumalgo) {
    await connect(this, PEER, AGENT, n)
    // What the peer saw, not what the agent says: the DID it was given and the document it resolved.
    const info = await this.the(PEER, 'connections').getConnection(this.connection(PEER))
    const did = info.theirDid
    if (!did) throw new Error(`the peer's connection ${info.id} has no DID of the agent`)
    const instrument = this.instrument(PEER)
    const observed = observedDid(did, await instrument.resolve(did), (await instrument.route(did)).recipientKeys)
    this.storage = { observed }
    this.observations.push(
      `the agent's DID as the peer saw it: ${did}`,
      `its DIDComm keys: ${observed.didcommKeys.join(', ')}`,
      ...observed.methods.map(
        (m) => `method ${m.fragment} ${m.type} ${m.publicKey} ${JSON.stringify(m.relationships)}`,
      ),
    )
  },
)

When("the agent's store is read", async function (this: ConformanceWorld) {
  const snapshot = await this.the(AGENT, 'store').snapshot()
  storage(this).snapshot = snapshot
  this.observations.push(
    `the agent's store (profile ${snapshot.profile}): ${snapshot.items.length} items, ${snapshot.keys.length} keys`,
  )
})

type Check = (s: StoreSnapshot, o: ObservedDid) => Verdict

function holds(world: ConformanceWorld, statement: string, check: Check): void {
  const { observed, snapshot } = storage(world)
  if (!snapshot) throw new Error("the agent's store has not been read in this scenario")
  const verdict = check(snapshot, observed)
  world.observations.push(...verdict.detail.map((d) => `${statement}: ${d}`))
  assert.ok(verdict.holds, `${statement} does not hold in the agent's store:\n  ${verdict.detail.join('\n  ')}`)
}

function storage(world: ConformanceWorld): NonNullable<ConformanceWorld['storage']> {
  if (!world.storage) throw new Error("no DID of the agent's has been observed in this scenario")
  return world.storage
}

const STEPS: Array<[pattern: string, statement: string, check: Check]> = [
  [
    "each DIDComm v1 key of the agent's DID is a key entry named by its verkey, algorithm ed25519",
    'DKS-01',
    didcommKeyNamedByVerkey,
  ],
  ["each DIDComm v1 key entry of the agent's DID has a did tag naming the DID", 'DKS-02', didcommKeyTaggedWithDid],
  [
    "each Ed25519 verification method of the agent's DID is a key entry named by its absolute id",
    'DKS-03',
    boundKeyStored,
  ],
  [
    "each bound key of the agent's DID has a did tag naming the DID and a rel tag with its relationships",
    'DKS-04',
    boundKeyTagged,
  ],
  [
    "the store has a did record named by the agent's DID and none named by an unqualified DID",
    'DKS-05',
    didRecordQualified,
  ],
  ["the did records of the agent's DID validate against the design's did record schema", 'DKS-06', didRecordShape],
  [
    "every X25519 key of the agent's DID, in its document and in the store, is derived from its Ed25519 key",
    'DKS-07',
    x25519Derived,
  ],
  ['every key entry bound to no DID is named by its multikey', 'DKS-08', unboundKeysNamedByMultikey],
  [
    'every key entry named by a key holds that key, and every signing key signs and verifies',
    'DKS-09',
    keysHoldTheirNames,
  ],
]

for (const [pattern, statement, check] of STEPS) {
  Then(pattern, function (this: ConformanceWorld) {
    holds(this, statement, check)
  })
}
