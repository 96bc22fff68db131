import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ReferenceHost } from '../backchannels/reference/host.js'
import { conn, msg, REFERENCE, SETTINGS } from './support/agents.js'
import type { TraceEntry } from '../contract/trace.js'
import { newMessage } from '../didcomm/message.js'
import { MessageTypes } from '../didcomm/messageType.js'
import { packMessage } from '../agents/reference/didcomm/envelope.js'
import { verkeyToMultikey } from '../didcomm/multikey.js'
import { ledgerRequestText } from '../agents/reference/protocols/transactions.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'reference-agent-test-'))
const inviter = new ReferenceHost(REFERENCE, 't-inviter', SETTINGS)
const invitee = new ReferenceHost(REFERENCE, 't-invitee', SETTINGS)

async function connect(numalgo: 2 | 4 = 4): Promise<{ inviterConn: string; inviteeConn: string }> {
  const { invitation, invitationId } = await conn(inviter).createInvitation()
  const inviteeConn = await conn(invitee).receiveInvitation(invitation, { peerDidNumalgo: numalgo })
  await conn(invitee).waitForConnectionState(inviteeConn, 'completed')
  const inviterConn = await conn(inviter).waitForConnectionFromInvitation(invitationId)
  await conn(inviter).waitForConnectionState(inviterConn, 'completed')
  return { inviterConn, inviteeConn }
}

/** The first inbound message of the agent's trace that matches, already there or still to come. */
function inbound(host: ReferenceHost, match: (e: TraceEntry) => boolean, awaited: string): Promise<TraceEntry> {
  return host.driver().get('instrument').waitForTrace('inbound', match, awaited, { timeoutMs: 10_000 })
}

async function post(body: string, contentType: string): Promise<{ status: number; text: string }> {
  const response = await fetch(inviter.agent.endpoint, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })
  return { status: response.status, text: await response.text() }
}

describe('reference agent', () => {
  before(async () => {
    await Promise.all([inviter.start({ runDir: dir }), invitee.start({ runDir: dir })])
  })
  after(async () => {
    await Promise.allSettled([inviter.stop(), invitee.stop()])
    rmSync(dir, { recursive: true, force: true })
  })

  it('rejects malformed envelopes with HTTP 400 and a reason, and keeps working', async () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      ['{"protected":"e30","iv":"AAAA","ciphertext":"","tag":"AAAA"}', /invalid envelope/],
      ['[]', /invalid envelope/],
      [JSON.stringify({ '@type': MessageTypes.trustPing, '@id': 'plaintext-1' }), /invalid envelope/],
    ]
    for (const [body, reason] of cases) {
      const { status, text } = await post(body, 'application/didcomm-envelope-enc')
      assert.equal(status, 400, `status for ${body}`)
      assert.match(text, reason)
    }
    const { inviteeConn } = await connect()
    const ping = await msg(invitee).sendTrustPing(inviteeConn)
    await msg(invitee).waitForTrustPingResponse(inviteeConn, ping)
  })

  it('accepts both DIDComm v1 media types and refuses others with 415', async () => {
    const key = await inviter.agent.wallet.createKey()
    inviter.agent.claimKey(key.verkey, { kind: 'invitation', invitationId: 'none' })
    const envelope = JSON.stringify(packMessage(JSON.stringify(newMessage(MessageTypes.basicMessage)), [key.verkey]))
    assert.equal((await post(envelope, 'application/didcomm-envelope-enc')).status, 202)
    assert.equal((await post(envelope, 'application/ssi-agent-wire')).status, 202)
    assert.equal((await post(envelope, 'didcomm-envelope-enc')).status, 202, 'RFC 0044: prefix may be omitted')
    assert.equal((await post(envelope, 'text/plain')).status, 415)
  })

  it('traces every message with its envelope facts and schema verdict', async () => {
    const mark = inviter.agent.tap.log.mark()
    const { inviterConn, inviteeConn } = await connect(2)
    await msg(invitee).sendBasicMessage(inviteeConn, 'traced')
    await msg(inviter).waitForBasicMessage(inviterConn, 'traced')
    const inbound = inviter.agent.tap.log.since(mark).filter((e) => e.direction === 'inbound')
    assert.deepEqual(
      inbound.map((e) => e.type.split('/').slice(-1)[0]),
      ['request', 'complete', 'message'],
    )
    for (const e of inbound) {
      assert.equal(e.envelope.alg, 'Authcrypt')
      assert.ok(e.envelope.senderKey && e.envelope.recipientKey)
      assert.deepEqual(e.schema?.valid, true, `${e.type}: ${e.schema?.errors.join('; ')}`)
    }
    const outbound = inviter.agent.tap.log.since(mark).find((e) => e.direction === 'outbound')
    assert.match(outbound?.envelope.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(outbound?.delivery, 'HTTP 202')
  })

  it('stores DIDs and keys in the did / key model', async () => {
    for (const numalgo of [2, 4] as const) {
      const { did, verkey } = await inviter.agent.createMyDid(numalgo)
      const wallet = inviter.agent.wallet
      assert.deepEqual(await wallet.keyTags(verkey), { did }, 'DIDComm v1 key named by verkey, tagged with its DID')
      const vmId = numalgo === 2 ? `${did}#key-1` : `${did}#key-0`
      // The relationships the DID's document gives the key (a did:peer:2 V key: authentication only); Askar
      // reads a single tag value back as a string.
      const rel = numalgo === 2 ? 'authentication' : ['authentication', 'keyAgreement']
      assert.deepEqual(await wallet.keyTags(vmId), { did, rel }, 'bound key')
      assert.equal(await wallet.keyTags(verkeyToMultikey(verkey)), undefined, 'unbound record removed once bound')
      const record = await wallet.getRecord<{ method: string }>('did', did)
      assert.equal(record?.method, 'peer')
    }
  })

  it('applies named faults: anoncrypt, and hold then release in order', async () => {
    const { inviterConn, inviteeConn } = await connect()
    inviter.agent.faults.arm({ name: 'anoncrypt' }, 'basicmessage/message')
    await msg(inviter).sendBasicMessage(inviterConn, 'anon')
    const anon = await inbound(invitee, (e) => e.message.content === 'anon', 'the anoncrypted message')
    assert.equal(anon.envelope.alg, 'Anoncrypt')
    assert.equal(anon.envelope.senderKey, undefined)

    inviter.agent.faults.arm({ name: 'hold' }, 'basicmessage/message')
    await msg(inviter).sendBasicMessage(inviterConn, 'first')
    await msg(inviter).sendBasicMessage(inviterConn, 'second')
    await msg(invitee).waitForBasicMessage(inviteeConn, 'second')
    assert.equal(inviter.agent.faults.heldCount(), 1)
    await inviter.agent.faults.release()
    await msg(invitee).waitForBasicMessage(inviteeConn, 'first')
    const order = invitee.agent.tap.log
      .all()
      .filter((e) => e.connectionId === inviteeConn)
      .filter((e) => e.direction === 'inbound' && ['first', 'second'].includes(String(e.message.content)))
      .map((e) => e.message.content)
    assert.deepEqual(order, ['second', 'first'])
  })

  it('applies named faults: send to a chosen key, to a chosen endpoint, set and corrupt a field', async () => {
    const { inviterConn } = await connect()
    const stranger = await inviter.agent.wallet.createKey()
    inviter.agent.faults.arm({ name: 'send-to-key', verkey: stranger.verkey }, 'basicmessage/message')
    const toKey = await inviter.agent.sendOnConnection(
      inviter.agent.connections.require(inviterConn),
      newMessage(MessageTypes.basicMessage, { content: 'to a stranger' }),
    )
    assert.deepEqual(toKey.envelope.recipientKeys, [stranger.verkey])
    assert.equal(toKey.delivery, 'HTTP 400', 'the invitee owns no recipient key of that envelope')

    inviter.agent.faults.arm({ name: 'send-to-endpoint', endpoint: inviter.agent.endpoint }, 'basicmessage/message')
    inviter.agent.faults.arm({ name: 'set-field', path: 'content', value: 'changed' }, 'basicmessage/message')
    inviter.agent.faults.arm({ name: 'corrupt-field', path: 'sent_time' }, 'basicmessage/message')
    const entry = await inviter.agent.sendOnConnection(
      inviter.agent.connections.require(inviterConn),
      newMessage(MessageTypes.basicMessage, { content: 'original', sent_time: '2026-01-01T00:00:00Z' }),
    )
    assert.equal(entry.envelope.endpoint, inviter.agent.endpoint)
    assert.equal(entry.message.content, 'changed')
    const corrupted = String(entry.message.sent_time)
    const original = '2026-01-01T00:00:00Z'
    assert.equal(corrupted.length, original.length, 'corrupt-field keeps the length')
    assert.equal([...corrupted].filter((c, i) => c !== original[i]).length, 1, 'and changes one character')
    assert.match(entry.fault ?? '', /send-to-endpoint .* set-field content="changed", corrupt-field sent_time/)
  })

  it('answers an unknown message type with a problem report threaded to it', async () => {
    const { inviterConn } = await connect()
    const probe = newMessage('https://didcomm.org/no-such-protocol/1.0/probe')
    await inviter.agent.sendOnConnection(inviter.agent.connections.require(inviterConn), probe)
    const report = await inbound(inviter, (e) => e.pthid === probe['@id'], 'problem report')
    assert.match(report.type, /problem-report$/)
  })

  it('refuses an invitation without handshake_protocols or requests~attach', async () => {
    inviter.agent.faults.arm({ name: 'drop-field', path: 'handshake_protocols' }, 'out-of-band/invitation')
    const { invitation } = await conn(inviter).createInvitation()
    await assert.rejects(conn(invitee).receiveInvitation(invitation), /neither handshake_protocols nor requests~attach/)
  })
})

describe('a transactions request as the reference endorser reads it', () => {
  const request = '{"endorser":"E","identifier":"A","operation":{"type":"100","dest":"A"},"reqId":1764646260123456789}'
  const message = (json: string) => `{"@type":"x","messages_attach":{"@id":"1","data":{"json":${json}}}}`

  it('keeps a request that came as text as it came', () => {
    const text = message(JSON.stringify(request))
    assert.equal(ledgerRequestText(JSON.parse(text).messages_attach.data.json, text), request)
  })

  it('reads a request that came as an object again from the plaintext, its reqId beyond 2^53 exact', () => {
    const text = message(request)
    const parsed = JSON.parse(text) as { messages_attach: { data: { json: { reqId: number } } } }
    assert.notEqual(String(parsed.messages_attach.data.json.reqId), '1764646260123456789', 'JSON.parse rounds it')
    assert.equal(ledgerRequestText(parsed.messages_attach.data.json, text), request)
  })

  it('takes no request that is neither', () => {
    assert.equal(ledgerRequestText(42, message('42')), undefined)
    assert.equal(ledgerRequestText(undefined, '{}'), undefined)
  })
})
