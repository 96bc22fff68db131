import assert from 'node:assert/strict'
import { Given, Then, When } from '@cucumber/cucumber'
import type { PeerDidNumalgo } from '../contract/connections.js'
import type { StoreSnapshot } from '../contract/storeSnapshot.js'
import { ledgerOfRun } from '../runner/context.js'
import { connect } from './support/connect.js'
import {
  boundKeyStored,
  boundKeyTagged,
  didcommKeyNamedByVerkey,
  didcommKeyTaggedWithDid,
  didRecordQualified,
  didRecordShape,
  keysHoldTheirNames,
  nymRecordStored,
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

Given(
  'the agent has a DID on the ledger, written by the trustee and made public',
  async function (this: ConformanceWorld) {
    // A public DID changes the agent as a whole: the store is put back after the scenario.
    await this.the(AGENT, 'store').backUp()
    const did = await this.the(AGENT, 'endorsement').ledgerDid('endorser', '')
    // The ledger's word on the nym, read back with the harness's own client, not the agent's.
    const nym = await ledgerOfRun().nym(did)
    if (!nym?.verkey) throw new Error(`the ledger has no verkey for ${did}`)
    this.storage = { posted: { nym: did, verkey: nym.verkey } }
    this.observations.push(`the agent's posted nym ${did}, verkey on the ledger ${nym.verkey}`)
  },
)

When("the agent's store is read", async function (this: ConformanceWorld) {
  const snapshot = await this.the(AGENT, 'store').snapshot()
  this.storage = { ...this.storage, snapshot }
  this.observations.push(
    `the agent's store (profile ${snapshot.profile}): ${snapshot.items.length} items, ${snapshot.keys.length} keys`,
  )
})

type Check = (s: StoreSnapshot, o: ObservedDid) => Verdict

function holds(world: ConformanceWorld, statement: string, check: Check): void {
  const { observed, snapshot } = world.storage ?? {}
  if (!observed) throw new Error("no DID of the agent's has been observed in this scenario")
  if (!snapshot) throw new Error("the agent's store has not been read in this scenario")
  record(world, statement, check(snapshot, observed))
}

function record(world: ConformanceWorld, statement: string, verdict: Verdict): void {
  world.observations.push(...verdict.detail.map((d) => `${statement}: ${d}`))
  assert.ok(verdict.holds, `${statement} does not hold in the agent's store:\n  ${verdict.detail.join('\n  ')}`)
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

Then(
  'the store has a nym record named by the nym, with the verkey the ledger gives it',
  function (this: ConformanceWorld) {
    const { posted, snapshot } = this.storage ?? {}
    if (!posted) throw new Error('the agent has no posted nym in this scenario')
    if (!snapshot) throw new Error("the agent's store has not been read in this scenario")
    record(this, 'DKS-10', nymRecordStored(snapshot, posted))
  },
)
