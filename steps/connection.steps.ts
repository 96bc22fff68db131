import assert from 'node:assert/strict'
import { Given, Then, When } from '@cucumber/cucumber'
import type { PeerDidNumalgo } from '../contract/connections.js'
import { sameDid } from '../didcomm/dids.js'
import { newMessage } from '../didcomm/message.js'
import { didKeyToVerkey } from '../didcomm/multikey.js'
import { accept, bothCompleted, connect, invite } from './support/connect.js'
import { receivedBy, tracedBy, typePattern } from './support/trace.js'
import type { ConformanceWorld } from './support/world.js'

Given(
  'the inviter has created an out-of-band invitation for DID Exchange 1.1',
  async function (this: ConformanceWorld) {
    await invite(this, 'inviter')
  },
)

When(
  'the invitee accepts the invitation using a {numalgo} DID',
  async function (this: ConformanceWorld, n: PeerDidNumalgo) {
    await accept(this, 'invitee', this.invitation?.invitation as Record<string, unknown>, n)
  },
)

When("the invitee accepts the invitation's URL form", async function (this: ConformanceWorld) {
  await accept(this, 'invitee', this.invitation?.url as string)
})

Given('a connection between the {role} and the {role}', async function (this: ConformanceWorld, a: string, b: string) {
  await connect(this, a, b)
})

Given(
  'a connection between the inviter and the invitee with {numalgo} DIDs',
  async function (this: ConformanceWorld, n: PeerDidNumalgo) {
    await connect(this, 'inviter', 'invitee', n)
  },
)

Then('the inviter and the invitee both have a completed connection', async function (this: ConformanceWorld) {
  await bothCompleted(this, 'inviter', 'invitee')
})

Then("the invitee's DID on the connection is a {numalgo}", async function (this: ConformanceWorld, n: PeerDidNumalgo) {
  const invitee = await this.the('invitee', 'connections').getConnection(this.connection('invitee'))
  const inviter = await this.the('inviter', 'connections').getConnection(this.connection('inviter'))
  assert.match(invitee.myDid ?? '', new RegExp(`^did:peer:${n}`), `invitee's own DID is ${invitee.myDid}`)
  assert.match(inviter.theirDid ?? '', new RegExp(`^did:peer:${n}`), `inviter sees invitee DID ${inviter.theirDid}`)
})

Then("each side knows the other's DID on the connection", async function (this: ConformanceWorld) {
  const invitee = await this.the('invitee', 'connections').getConnection(this.connection('invitee'))
  const inviter = await this.the('inviter', 'connections').getConnection(this.connection('inviter'))
  assert.ok(invitee.myDid && inviter.myDid, 'both sides have a DID of their own')
  assert.ok(sameDid(invitee.theirDid, inviter.myDid), `invitee sees ${invitee.theirDid}, inviter uses ${inviter.myDid}`)
  assert.ok(sameDid(inviter.theirDid, invitee.myDid), `inviter sees ${inviter.theirDid}, invitee uses ${invitee.myDid}`)
})

When('the {role} sends a trust ping', async function (this: ConformanceWorld, role: string) {
  this.sent[role] = await this.the(role, 'messaging').sendTrustPing(this.connection(role))
})

Then(
  "the {role} receives the {role}'s trust ping response",
  async function (this: ConformanceWorld, role: string, _peer: string) {
    const pingId = this.sent[role] as string
    await this.the(role, 'messaging').waitForTrustPingResponse(this.connection(role), pingId, this.wait)
  },
)

When(
  'the {role} sends the basic message {string}',
  async function (this: ConformanceWorld, role: string, text: string) {
    await this.the(role, 'messaging').sendBasicMessage(this.connection(role), text)
  },
)

Then(
  'the {role} receives the basic message {string}',
  async function (this: ConformanceWorld, role: string, text: string) {
    await this.the(role, 'messaging').waitForBasicMessage(this.connection(role), text, this.wait)
  },
)

Then(
  'the DID Exchange request the inviter received has ~thread.pthid equal to the invitation @id',
  async function (this: ConformanceWorld) {
    const request = await received(this, 'inviter', 'didexchange', 'request')
    assert.equal(request.pthid, this.invitation?.invitationId, 'request ~thread.pthid')
    assert.equal(typeof request.message.did, 'string', 'request carries a did')
  },
)

Then(
  'the DID Exchange complete the inviter received is threaded to the request and the invitation',
  async function (this: ConformanceWorld) {
    const request = await received(this, 'inviter', 'didexchange', 'request')
    const complete = await received(this, 'inviter', 'didexchange', 'complete')
    assert.equal(complete.thid, request.thid ?? request.id, 'complete ~thread.thid is the request thread')
    assert.equal(complete.pthid, request.pthid, "complete ~thread.pthid is identical to the request's")
  },
)

Then(
  'the DID Exchange response the invitee received is threaded to its request',
  async function (this: ConformanceWorld) {
    const request = sentBy(this, 'invitee', 'didexchange', 'request')
    const response = await received(this, 'invitee', 'didexchange', 'response')
    assert.equal(response.thid, request.thid ?? request.id, 'response ~thread.thid is the request @id')
  },
)

Then("the response's did_rotate~attach signs its DID with the invitation key", async function (this: ConformanceWorld) {
  const response = await received(this, 'invitee', 'didexchange', 'response')
  const services = this.invitation?.invitation.services as Array<Record<string, unknown> | string>
  const inline = services.find((s): s is Record<string, unknown> => typeof s === 'object')
  assert.ok(inline, 'the invitation has an inline service')
  const invitationKey = didKeyToVerkey((inline.recipientKeys as string[])[0] as string)
  const signed = this.instrument('invitee').verifySignedAttachment(response.message['did_rotate~attach'], invitationKey)
  assert.equal(signed, response.message.did, 'did_rotate~attach content is the response did')
})

Then(
  'every message the {role} received on the connection was authcrypted with the key of the sender DID',
  async function (this: ConformanceWorld, role: string) {
    const instrument = this.instrument(role)
    const connection = await this.the(role, 'connections').getConnection(this.connection(role))
    const target = await instrument.route(connection.theirDid as string)
    const inbound = instrument.traceOfConnection(this.connection(role)).filter((e) => e.direction === 'inbound')
    assert.ok(inbound.length > 0, `the ${role} received messages on the connection`)
    for (const e of inbound) {
      assert.equal(e.envelope.alg, 'Authcrypt', `${e.type} was ${e.envelope.alg}`)
      assert.ok(
        target.recipientKeys.includes(e.envelope.senderKey as string),
        `${e.type} sender key ${e.envelope.senderKey}`,
      )
    }
  },
)

When('the invitee is given the invitation', async function (this: ConformanceWorld) {
  try {
    await accept(this, 'invitee', this.invitation?.invitation as Record<string, unknown>)
  } catch (e) {
    this.lastError = e as Error
  }
})

Then('the invitee refuses the invitation', async function (this: ConformanceWorld) {
  if (this.lastError) return
  // Accepted without an error: the refusal may still come as the connection failing.
  const id = this.connection('invitee')
  const info = await this.the('invitee', 'connections').getConnection(id)
  assert.equal(info.state, 'abandoned', `the invitee accepted the invitation (connection ${id} is ${info.state})`)
})

Then('the inviter has received no DID Exchange request for that invitation', async function (this: ConformanceWorld) {
  const request = this.instrument('inviter')
    .trace('inbound')
    .find((e) => e.pthid === this.invitation?.invitationId)
  assert.equal(request, undefined, `the invitee sent ${request?.type} for the refused invitation`)
})

Then(
  'the inviter receives a DID Exchange problem report threaded to the request',
  async function (this: ConformanceWorld) {
    const report = await received(this, 'inviter', 'didexchange', 'problem_report', 'problem-report')
    const request = await received(this, 'inviter', 'didexchange', 'request')
    assert.equal(report.thid, request.thid ?? request.id, 'problem report ~thread.thid is the request thread')
  },
)

Then("the invitee's connection does not complete", async function (this: ConformanceWorld) {
  await this.the('invitee', 'connections').waitForConnectionState(this.connection('invitee'), 'abandoned', this.wait)
})

When('the inviter sends a message of the unknown type {string}', async function (this: ConformanceWorld, type: string) {
  const message = newMessage(type, { comment: 'a type no agent implements' })
  await this.instrument('inviter').sendOnConnection(this.connection('inviter'), message)
  this.sent.inviter = message['@id']
})

Then('the inviter receives a problem report about that message', async function (this: ConformanceWorld) {
  const probeId = this.sent.inviter as string
  const report = await receivedBy(
    this,
    'inviter',
    (e) => /problem[-_]report$/.test(e.type) && (e.pthid === probeId || e.thid === probeId),
    `a problem report with ~thread pthid or thid ${probeId}`,
  )
  const code = (report.message.description as { code?: unknown } | undefined)?.code
  assert.equal(typeof code, 'string', 'the problem report has description.code')
})

When("the inviter posts a malformed envelope to the invitee's endpoint", async function (this: ConformanceWorld) {
  const instrument = this.instrument('inviter')
  const connection = await this.the('inviter', 'connections').getConnection(this.connection('inviter'))
  const target = await instrument.route(connection.theirDid as string)
  const envelope = { protected: 'bm90IGEgaGVhZGVy', iv: 'AAAA', ciphertext: 'AAAA', tag: 'AAAA' }
  const status = await instrument.postEnvelope(target.serviceEndpoint, envelope)
  this.attach(`the invitee answered a malformed envelope with HTTP ${status}`, 'text/plain')
})

function received(world: ConformanceWorld, role: string, protocol: string, ...names: string[]) {
  return receivedBy(world, role, (e) => typePattern(protocol, ...names).test(e.type), `${protocol} ${names[0]}`)
}

function sentBy(world: ConformanceWorld, role: string, protocol: string, name: string) {
  const entry = tracedBy(world, role, 'outbound').find((e) => typePattern(protocol, name).test(e.type))
  assert.ok(entry, `the ${role} sent no ${protocol} ${name}`)
  return entry
}
