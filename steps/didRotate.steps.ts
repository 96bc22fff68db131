import assert from 'node:assert/strict'
import { Then, When } from '@cucumber/cucumber'
import { parse } from 'did-resolver'
import type { TraceEntry } from '../contract/trace.js'
import { newMessage, threadIdOf } from '../didcomm/message.js'
import { MessageTypes } from '../didcomm/messageType.js'
import { sameDid } from '../didcomm/dids.js'
import { connect } from './support/connect.js'
import { keysOf, receivedBy, tracedBy, typePattern } from './support/trace.js'
import type { ConformanceWorld } from './support/world.js'

const ROTATING = 'rotating_party'
const OBSERVING = 'observing_party'
const ROTATE = typePattern('did-rotate', 'rotate')
const ROTATE_REPORT = typePattern('did-rotate', 'problem-report', 'problem_report')

/** Remembers the rotating party's DID the first time the scenario changes it. */
async function rememberDidBefore(world: ConformanceWorld): Promise<string> {
  if (!world.rotation) {
    const info = await world.the(ROTATING, 'connections').getConnection(world.connection(ROTATING))
    assert.ok(info.myDid, 'the rotating party has a DID on the connection')
    world.rotation = { before: info.myDid }
  }
  return world.rotation.before
}

function didBefore(world: ConformanceWorld): string {
  assert.ok(world.rotation, 'the scenario has not rotated or hung up yet')
  return world.rotation.before
}

async function rotate(world: ConformanceWorld): Promise<void> {
  await rememberDidBefore(world)
  const { newDid } = await world.the(ROTATING, 'didRotate').rotate(world.connection(ROTATING))
  ;(world.rotation as { newDid?: string }).newDid = newDid
}

/** The rotate the rotating reference agent sent last, whose @id replies are threaded to. */
function lastRotateSent(world: ConformanceWorld): TraceEntry {
  const rotate = tracedBy(world, ROTATING, 'outbound').findLast((e) => ROTATE.test(e.type))
  assert.ok(rotate, 'the rotating party sent no rotate')
  return rotate
}

function threadedTo(e: TraceEntry, id: string): 'thid' | 'pthid' | undefined {
  if (e.pthid === id) return 'pthid'
  if (e.thid === id) return 'thid'
  return undefined
}

When('the rotating party rotates to a new DID', async function (this: ConformanceWorld) {
  await rotate(this)
})

When('the rotating party rotates to a new DID again', async function (this: ConformanceWorld) {
  await rotate(this)
})

When('the rotating party rotates to {string}', async function (this: ConformanceWorld, toDid: string) {
  // The reference agent announces a DID it does not own only as a named fault, so its own trace
  // (and the schema check of what it sends) knows the message is malformed on purpose.
  this.instrument(ROTATING).arm({ name: 'set-field', path: 'to_did', value: toDid }, 'did-rotate/rotate')
  await rotate(this)
})

Then(
  'the observing party receives a rotate of type {string} whose to_did is a valid DID',
  async function (this: ConformanceWorld, type: string) {
    const rotate = await receivedBy(this, OBSERVING, (e) => ROTATE.test(e.type), 'a rotate')
    this.found = rotate
    assert.equal(rotate.type, type, 'rotate @type')
    const toDid = rotate.message.to_did
    assert.equal(typeof toDid, 'string', 'to_did is a string')
    assert.ok(parse(toDid as string), `to_did ${String(toDid)} is a DID`)
    assert.ok(sameDid(toDid as string, this.rotation?.newDid), `to_did is the new DID ${this.rotation?.newDid}`)
  },
)

Then(
  "the {word} was authcrypted with the key of the rotating party's DID before the rotation",
  async function (this: ConformanceWorld, what: string) {
    const found = this.found as TraceEntry
    assert.match(found.type, typePattern('did-rotate', what), `the message looked at is a ${what}`)
    const { recipientKeys } = await keysOf(this, OBSERVING, didBefore(this))
    assert.equal(found.envelope.alg, 'Authcrypt', `the ${what} envelope`)
    assert.ok(recipientKeys.includes(found.envelope.senderKey as string), `sender key ${found.envelope.senderKey}`)
  },
)

Then('the rotating party uses the new DID once the ack has been received', async function (this: ConformanceWorld) {
  const newDid = this.rotation?.newDid as string
  await this.the(ROTATING, 'didRotate').waitForMyDid(this.connection(ROTATING), newDid, this.wait)
})

async function pingSenderKeyIs(world: ConformanceWorld, did: string, which: string): Promise<void> {
  const pingId = world.sent[ROTATING] as string
  const ping = await receivedBy(world, OBSERVING, (e) => e.id === pingId, `trust ping ${pingId}`)
  const { recipientKeys } = await keysOf(world, OBSERVING, did)
  assert.equal(ping.envelope.alg, 'Authcrypt', 'the trust ping envelope')
  assert.ok(
    recipientKeys.includes(ping.envelope.senderKey as string),
    `sent from ${ping.envelope.senderKey}, not ${which}`,
  )
}

Then(
  'the observing party received that trust ping authcrypted with the key of the new DID',
  async function (this: ConformanceWorld) {
    await pingSenderKeyIs(this, this.rotation?.newDid as string, 'a key of the new DID')
  },
)

Then(
  "the observing party received that trust ping authcrypted with the key of the rotating party's DID before the rotation",
  async function (this: ConformanceWorld) {
    await pingSenderKeyIs(this, didBefore(this), 'a key of the DID before the rotation')
  },
)

When(
  "the observing party sends a trust ping to the rotating party's {word} DID",
  async function (this: ConformanceWorld, which: string) {
    const did = which === 'old' ? didBefore(this) : (this.rotation?.newDid as string)
    const ping = newMessage(MessageTypes.trustPing, { response_requested: true })
    await this.instrument(OBSERVING).sendOnConnection(this.connection(OBSERVING), ping, did)
    this.sent[OBSERVING] = ping['@id']
  },
)

Then(
  'the rotating party receives a did-rotate problem report with code {string} threaded to the rotate',
  async function (this: ConformanceWorld, code: string) {
    const report = await problemReportForRotate(this)
    const description = report.message.description as { code?: unknown } | undefined
    assert.equal(description?.code, code, 'problem report description.code')
  },
)

Then(
  'the rotating party receives a did-rotate problem report threaded to the rotate',
  async function (this: ConformanceWorld) {
    await problemReportForRotate(this)
  },
)

async function problemReportForRotate(world: ConformanceWorld): Promise<TraceEntry> {
  const rotateId = lastRotateSent(world).id
  const report = await receivedBy(
    world,
    ROTATING,
    (e) => ROTATE_REPORT.test(e.type),
    `a did-rotate problem report for rotate ${rotateId}`,
  )
  world.found = report
  const by = threadedTo(report, rotateId)
  assert.ok(by, `problem report ~thread ${JSON.stringify(report.message['~thread'])} names rotate ${rotateId}`)
  world.attach(
    `the problem report is threaded to the rotate by ~thread.${by} (the RFC example uses pthid)`,
    'text/plain',
  )
  return report
}

Then('its problem_items name exactly the DID of the rotate', function (this: ConformanceWorld) {
  const toDid = lastRotateSent(this).message.to_did
  assert.deepEqual(this.found?.message.problem_items, [{ did: toDid }])
})

Then('the observing party has refused the rotate with {string}', async function (this: ConformanceWorld, code: string) {
  const report = await this.instrument(OBSERVING).waitForTrace(
    'outbound',
    (e) => ROTATE_REPORT.test(e.type),
    'a did-rotate problem report sent by the observing party',
    this.wait,
  )
  assert.equal((report.message.description as { code?: unknown } | undefined)?.code, code)
})

Then('the observing party receives a second rotate in a thread of its own', async function (this: ConformanceWorld) {
  const rotates = () => tracedBy(this, OBSERVING, 'inbound').filter((e) => ROTATE.test(e.type))
  await receivedBy(this, OBSERVING, (e) => ROTATE.test(e.type) && rotates().length >= 2, 'a second rotate')
  const [first, second] = rotates()
  assert.ok(first && second)
  assert.notEqual(threadIdOf(second.message), threadIdOf(first.message), 'the second rotate starts a new thread')
})

Then(
  'the rotating party receives an ack of type {string} threaded to the rotate with status {string}',
  async function (this: ConformanceWorld, type: string, status: string) {
    const rotateId = lastRotateSent(this).id
    const ack = await receivedBy(
      this,
      ROTATING,
      (e) => typePattern('did-rotate', 'ack').test(e.type),
      'a did-rotate ack',
    )
    this.found = ack
    assert.equal(ack.type, type, 'ack @type')
    assert.equal(ack.thid, rotateId, 'ack ~thread.thid is the rotate @id')
    assert.equal(ack.message.status, status, 'ack status')
  },
)

Then("the ack was sent to the rotating party's prior DID", async function (this: ConformanceWorld) {
  const ack = this.found as TraceEntry
  const prior = await keysOf(this, ROTATING, didBefore(this))
  assert.ok(
    prior.recipientKeys.includes(ack.envelope.recipientKey as string),
    `ack encrypted to ${ack.envelope.recipientKey}`,
  )
  assert.equal(ack.envelope.endpoint, prior.serviceEndpoint, "ack posted to the prior DID's endpoint")
})

Then(
  "the rotating party received that trust ping on its new DID, whose keys and endpoint differ from the prior DID's",
  async function (this: ConformanceWorld) {
    const pingId = this.sent[OBSERVING] as string
    const ping = await receivedBy(this, ROTATING, (e) => e.id === pingId, `trust ping ${pingId}`)
    const prior = await keysOf(this, ROTATING, didBefore(this))
    const next = await keysOf(this, ROTATING, this.rotation?.newDid as string)
    assert.ok(!next.recipientKeys.some((k) => prior.recipientKeys.includes(k)), 'the new DID has keys of its own')
    assert.notEqual(next.serviceEndpoint, prior.serviceEndpoint, 'the new DID has an endpoint of its own')
    assert.ok(
      next.recipientKeys.includes(ping.envelope.recipientKey as string),
      `ping encrypted to ${ping.envelope.recipientKey}`,
    )
    assert.equal(ping.envelope.endpoint, next.serviceEndpoint, "ping posted to the new DID's endpoint")
  },
)

Then('the observing party has neither acked nor refused the rotation', function (this: ConformanceWorld) {
  const replies = tracedBy(this, ROTATING, 'inbound').filter((e) => /\/did-rotate\//.test(e.type))
  assert.deepEqual(
    replies.map((e) => e.type),
    [],
    'did-rotate messages from the observing party',
  )
})

Then(
  'the observing party still knows the rotating party by its DID before the rotation',
  async function (this: ConformanceWorld) {
    const info = await this.the(OBSERVING, 'connections').getConnection(this.connection(OBSERVING))
    assert.ok(
      sameDid(info.theirDid, didBefore(this)),
      `the observing party knows the rotating party as ${info.theirDid}`,
    )
  },
)

When('the rotating party hangs up', async function (this: ConformanceWorld) {
  await rememberDidBefore(this)
  const rotating = this.as(ROTATING)
  const mark = rotating.has('instrument') ? rotating.get('instrument').mark() : 0
  await rotating.get('didRotate').hangup(this.connection(ROTATING))
  this.ended = { connections: { ...this.connections }, mark }
})

Then(
  'the observing party receives a hangup of type {string} with no body fields',
  async function (this: ConformanceWorld, type: string) {
    const hangup = await receivedBy(
      this,
      OBSERVING,
      (e) => typePattern('did-rotate', 'hangup').test(e.type),
      'a hangup',
    )
    this.found = hangup
    assert.equal(hangup.type, type, 'hangup @type')
    const body = Object.keys(hangup.message).filter((k) => !k.startsWith('@') && !k.startsWith('~'))
    assert.deepEqual(body, [], 'hangup body fields')
  },
)

When('the observing party has processed the hangup', async function (this: ConformanceWorld) {
  // Agents may process messages concurrently; a ping overtaking the hangup would test nothing.
  await this.the(OBSERVING, 'didRotate').waitForHangupProcessed(this.connection(OBSERVING), this.wait)
})

When(
  'the rotating party sends a trust ping on the ended relationship all the same',
  async function (this: ConformanceWorld) {
    const ping = newMessage(MessageTypes.trustPing, { response_requested: true })
    // Past the agent's own hangup guard on purpose: the observer must not answer.
    await this.instrument(ROTATING).sendPastHangup(this.connection(ROTATING), ping)
  },
)

When(
  'a new connection between the rotating party and the observing party carries a trust ping round trip',
  async function (this: ConformanceWorld) {
    // Processed after everything sent on the ended relationship, so a reply to that would be in by now.
    await connect(this, ROTATING, OBSERVING)
    const messaging = this.the(ROTATING, 'messaging')
    const pingId = await messaging.sendTrustPing(this.connection(ROTATING))
    await messaging.waitForTrustPingResponse(this.connection(ROTATING), pingId, this.wait)
  },
)

Then(
  'the observing party has sent nothing on the ended relationship since the hangup',
  function (this: ConformanceWorld) {
    const ended = this.ended?.connections[ROTATING]
    assert.ok(ended && this.ended)
    const mark = this.ended.mark
    const sent = this.instrument(ROTATING)
      .traceSince(mark)
      .filter((e) => e.direction === 'inbound' && e.connectionId === ended)
    assert.deepEqual(
      sent.map((e) => e.type),
      [],
      'messages from the observing party on the ended relationship',
    )
  },
)
