/**
 * Fuzzes the reference agent's HTTP inbound: over 10,000 malformed requests from a seeded PRNG, 32 in flight
 * over keep-alive connections. Every answer must be the expected 4xx (202 for a replayed valid envelope), no
 * request may end in a reset or socket error, RSS must stay bounded, and a trust ping must work afterwards.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import v8 from 'node:v8'
import vm from 'node:vm'
import { ReferenceAgent } from '../agents/reference/agent.js'
import type { ConnectionRecord } from '../agents/reference/connections.js'
import { packMessage, type PackedEnvelope } from '../agents/reference/didcomm/envelope.js'
import { ENVELOPE_MEDIA_TYPE } from '../agents/reference/didcomm/transport.js'
import { createInvitation, receiveInvitation } from '../agents/reference/protocols/outOfBand.js'
import { sendTrustPing } from '../agents/reference/protocols/trustPing.js'

const SEED = 0x0019_f022
const IN_FLIGHT = 32
const REQUEST_TIMEOUT_MS = 10_000
const MiB = 1024 * 1024
/** Requests sent before the RSS baseline is taken (see the test). */
const WARM_UP = 1_000
/** RSS growth allowed across the fuzz: under half the bytes it sends (about 150 MiB); 2 to 20 MiB is usual. */
const RSS_GROWTH_BOUND_MIB = 64
/** Heap growth allowed: exact after a full GC, and about 1 MiB (the trace of the replays) is usual. */
const HEAP_GROWTH_BOUND_MIB = 8

type Category =
  | 'random bytes'
  | 'JSON shape'
  | 'bad base64url'
  | 'protected header'
  | 'tampered'
  | 'wrong method'
  | 'content type'
  | 'raw HTTP'
  | 'replay'
  | 'oversize'

/** Each oversized body, streamed: 413 whether its length is declared or not, and however much more comes. */
const OVERSIZE: { bytes: number; framing: Framing }[] = [
  { bytes: 4 * MiB + 1, framing: 'length' },
  { bytes: 5 * MiB, framing: 'length' },
  { bytes: 5 * MiB, framing: 'chunked' },
  { bytes: 64 * MiB, framing: 'length' },
  { bytes: 64 * MiB, framing: 'chunked' },
]

const PLAN: [Category, number][] = [
  ['random bytes', 2000],
  ['JSON shape', 1500],
  ['bad base64url', 2000],
  ['protected header', 1500],
  ['tampered', 500],
  ['wrong method', 1500],
  ['content type', 1000],
  ['raw HTTP', 300],
  ['replay', 300],
  ['oversize', OVERSIZE.length],
]

/** `end`: Node's client picks the framing, which for GET, HEAD, DELETE and OPTIONS is none at all. */
type Framing = 'length' | 'chunked' | 'end'

interface HttpProbe {
  kind: 'http'
  method: string
  headers: Record<string, string>
  /** A number is that many bytes, streamed. */
  body?: string | Buffer | number
  framing: Framing
  expect: number
  reason?: RegExp
}

interface RawProbe {
  kind: 'raw'
  data: string
  expect: number
}

type Probe = HttpProbe | RawProbe

type Outcome = { status: number; allow: string | undefined; text: string } | { error: string }

const ACCEPTED_TYPES = [
  ENVELOPE_MEDIA_TYPE,
  'application/ssi-agent-wire',
  'application/jwe',
  'application/json',
  'didcomm-envelope-enc',
  `${ENVELOPE_MEDIA_TYPE}; charset=utf-8`,
]
const WRONG_TYPES = [
  'text/plain',
  'application/xml',
  'application/didcomm-encrypted+json',
  'application/didcomm-plain+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'x-unknown',
  '',
]
const WRONG_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const NOT_BASE64URL = ['+', '/', ' ', '\t', '\n', '\r', '.', '~', '%', 'é', '\u0000']

/** mulberry32: small, fast and deterministic; one stream per probe, so the schedule does not change them. */
class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }

  int(below: number): number {
    return Math.floor(this.next() * below)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }

  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(256)))
  }

  text(length: number): string {
    return Array.from({ length }, () => String.fromCharCode(32 + this.int(95))).join('')
  }

  json(depth: number): unknown {
    const kind = this.int(depth > 0 ? 7 : 5)
    if (kind === 0) return null
    if (kind === 1) return this.next() < 0.5
    if (kind === 2) return this.pick([0, -1, 1e308, -0.5, 2 ** 53 + 1])
    if (kind === 3) return this.text(this.int(40))
    if (kind === 4) return this.pick(['', 'Authcrypt', 'eyJ', '=', '\u0000'])
    const size = this.int(5)
    if (kind === 5) return Array.from({ length: size }, () => this.json(depth - 1))
    return Object.fromEntries(Array.from({ length: size }, () => [this.text(1 + this.int(8)), this.json(depth - 1)]))
  }
}

interface Header {
  recipients: { encrypted_key: string; header: Record<string, unknown> }[]
  [member: string]: unknown
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url')
const decodeHeader = (envelope: PackedEnvelope): Header =>
  JSON.parse(Buffer.from(envelope.protected, 'base64url').toString())
const withHeader = (envelope: PackedEnvelope, header: unknown) => ({
  ...envelope,
  protected: b64(JSON.stringify(header)),
})
const insertAt = (value: string, at: number, text: string) => value.slice(0, at) + text + value.slice(at)
const padded = (value: string) => value.padEnd(Math.ceil(value.length / 4) * 4, '=')

/** Ways to spoil a canonical base64url value; each keeps it recognisably base64url-ish. */
const BASE64URL_DEFECTS: ((value: string, rng: Rng) => string)[] = [
  (v, rng) => padded(v) + '='.repeat(1 + rng.int(3)),
  (v, rng) => insertAt(v, rng.int(v.length), '='),
  (v, rng) => insertAt(v, rng.int(v.length + 1), rng.pick(NOT_BASE64URL)),
  (v) => v + 'A'.repeat((5 - (v.length % 4)) % 4),
  // Non-zero unused bits where the length has any, else one '=' where none belongs.
  (v) => (v.length % 4 ? v.slice(0, -1) + ALPHABET[ALPHABET.indexOf(v.slice(-1)) | 1] : `${v}=`),
]

const TOP_FIELDS = ['protected', 'iv', 'ciphertext', 'tag'] as const
const RECIPIENT_FIELDS = ['encrypted_key', 'sender', 'iv'] as const

/** Builds probe number `index` of `category`; the valid envelope is an authcrypted trust ping for agent A. */
class ProbeFactory {
  private readonly header: Header

  constructor(private readonly valid: PackedEnvelope) {
    this.header = decodeHeader(valid)
  }

  make(category: Category, index: number, rng: Rng): Probe {
    switch (category) {
      case 'random bytes':
        return this.post(this.randomBody(rng), 400, rng)
      case 'JSON shape':
        return this.post(this.jsonShape(rng), 400, rng)
      case 'bad base64url':
        return { ...this.post(JSON.stringify(this.badBase64url(rng)), 400, rng), reason: /is not base64url/ }
      case 'protected header':
        return this.post(JSON.stringify(this.badHeader(rng)), 400, rng)
      case 'tampered':
        return this.post(JSON.stringify(this.tampered(rng)), 400, rng)
      case 'wrong method':
        return this.wrongMethod(rng)
      case 'content type':
        return this.wrongContentType(rng)
      case 'raw HTTP':
        return { kind: 'raw', ...rawRequest(rng) }
      case 'replay':
        return this.post(JSON.stringify(this.valid), 202, rng)
      case 'oversize': {
        const { bytes, framing } = OVERSIZE[index] ?? assert.fail(`no oversize probe ${index}`)
        return {
          kind: 'http',
          method: 'POST',
          headers: { 'content-type': ENVELOPE_MEDIA_TYPE },
          body: bytes,
          framing,
          expect: 413,
        }
      }
    }
  }

  private post(body: string | Buffer, expect: number, rng: Rng): HttpProbe {
    const headers = { 'content-type': rng.pick(ACCEPTED_TYPES) }
    return { kind: 'http', method: 'POST', headers, body, framing: rng.pick(['length', 'chunked'] as const), expect }
  }

  private randomBody(rng: Rng): string | Buffer {
    const valid = JSON.stringify(this.valid)
    switch (rng.int(3)) {
      case 0:
        return rng.bytes(rng.int(2048))
      case 1:
        return rng.text(rng.int(512))
      default:
        return valid.slice(0, rng.int(valid.length))
    }
  }

  private jsonShape(rng: Rng): string {
    const valid: Record<string, unknown> = { ...this.valid }
    const member = rng.pick(TOP_FIELDS)
    const shapes: (() => unknown)[] = [
      () => rng.json(4),
      () => Object.fromEntries(Object.entries(valid).filter(([name]) => name !== member)),
      () => ({ ...valid, [rng.pick(['recipients', 'unprotected', 'aad', '', 'Protected'])]: rng.json(2) }),
      () => JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(valid).slice(1)}`),
      () => ({ ...valid, [member]: rng.json(2) }),
      () => [valid],
      () => JSON.stringify(valid),
      () => ({ '@type': 'https://didcomm.org/trust_ping/1.0/ping', '@id': randomUUID() }),
      () => ({ ...valid, recipients: this.header.recipients }),
    ]
    if (rng.int(shapes.length + 1) > 0) return JSON.stringify(rng.pick(shapes)())
    const depth = 1 + rng.int(10_000)
    return '['.repeat(depth) + ']'.repeat(depth)
  }

  private badBase64url(rng: Rng): unknown {
    const defect = rng.pick(BASE64URL_DEFECTS)
    const field = rng.int(TOP_FIELDS.length + RECIPIENT_FIELDS.length)
    const top = TOP_FIELDS[field]
    if (top) return { ...this.valid, [top]: defect(this.valid[top], rng) }
    const name = RECIPIENT_FIELDS[field - TOP_FIELDS.length] ?? 'iv'
    const recipient = this.header.recipients[0] ?? assert.fail('no recipient')
    const fields: Record<string, unknown> = { encrypted_key: recipient.encrypted_key, ...recipient.header }
    const spoilt = { ...fields, [name]: defect(String(fields[name]), rng) }
    const { encrypted_key, ...header } = spoilt
    return withHeader(this.valid, { ...this.header, recipients: [{ encrypted_key, header }] })
  }

  private badHeader(rng: Rng): unknown {
    const h = this.header
    const r = h.recipients[0] ?? assert.fail('no recipient')
    const withRecipient = (change: Record<string, unknown>, headerChange: Record<string, unknown> = {}) => ({
      ...h,
      recipients: [{ ...r, ...change, header: { ...r.header, ...headerChange } }],
    })
    const defects: (() => unknown)[] = [
      () => ({ ...h, alg: rng.pick(['authcrypt', 'ECDH-1PU', '', 42, null, ['Authcrypt']]) }),
      () => ({ ...h, enc: rng.pick(['chacha20poly1305_ietf', 'A256GCM', '', null]) }),
      () => ({ ...h, alg: undefined }),
      () => ({ ...h, recipients: rng.pick([[], {}, 'kid', null, 7, [null], [[]], ['kid']]) }),
      () => ({ ...h, recipients: [{ ...r, header: rng.pick([null, 'kid', [], {}]) }] }),
      () => withRecipient({}, { kid: rng.pick(['', 42, null, {}, 'not-base58-0OIl']) }),
      () => withRecipient({}, { iv: undefined }),
      () => withRecipient({}, { sender: undefined }),
      () => withRecipient({}, { [rng.pick(['alg', 'enc', 'typ', 'recipients'])]: 'x' }),
      () => withRecipient({ encrypted_key: b64(rng.bytes(rng.int(100))) }),
      () => withRecipient({}, { sender: b64(rng.bytes(rng.int(160))) }),
      () => ({ ...h, recipients: [r, r] }),
      () => rng.json(4),
    ]
    if (rng.int(8) === 0) return { ...this.valid, protected: b64(rng.bytes(1 + rng.int(256))) }
    return withHeader(this.valid, rng.pick(defects)())
  }

  /** One character changed (never the last, which carries unused bits): well-formed, but fails to decrypt. */
  private tampered(rng: Rng): PackedEnvelope {
    const field = rng.pick(['ciphertext', 'tag', 'iv', 'protected'] as const)
    const value = this.valid[field]
    const at = rng.int(value.length - 1)
    const replacement = ALPHABET[(ALPHABET.indexOf(value.charAt(at)) + 1 + rng.int(63)) % 64] ?? 'A'
    return { ...this.valid, [field]: value.slice(0, at) + replacement + value.slice(at + 1) }
  }

  private wrongMethod(rng: Rng): HttpProbe {
    const method = rng.pick(WRONG_METHODS)
    const headers: Record<string, string> =
      rng.next() < 0.8 ? { 'content-type': rng.pick([...ACCEPTED_TYPES, ...WRONG_TYPES]) } : {}
    const probe: HttpProbe = { kind: 'http', method, headers, framing: 'end', expect: 405 }
    if (rng.next() < 0.3) return probe
    const body = rng.next() < 0.5 ? JSON.stringify(this.valid) : rng.bytes(1 + rng.int(512))
    return { ...probe, body, framing: rng.pick(['length', 'chunked', 'end'] as const) }
  }

  private wrongContentType(rng: Rng): HttpProbe {
    const type = rng.pick([...WRONG_TYPES, undefined])
    const body = rng.next() < 0.5 ? JSON.stringify(this.valid) : rng.bytes(rng.int(512))
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type }
    return {
      kind: 'http',
      method: 'POST',
      headers,
      body,
      framing: rng.pick(['length', 'chunked'] as const),
      expect: 415,
    }
  }
}

/** HTTP that Node's parser refuses (400, 431), and a CONNECT (405), sent over a plain socket. */
function rawRequest(rng: Rng): { data: string; expect: number } {
  const post = 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
  const requests: [() => string, number][] = [
    [() => `\u0001${rng.text(rng.int(200))}\r\n\r\n`, 400],
    [() => `${rng.pick(['BREW', 'POSTT', 'X-POST', 'P0ST'])} / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 400],
    [() => `${post}Host 127.0.0.1\r\n\r\n`, 400],
    [() => `${post}Content-Length: ${rng.pick(['abc', '-1', '1 2', '0x10'])}\r\n\r\n{}`, 400],
    [() => `${post}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400],
    [() => `${post}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, 400],
    [() => `${post}Transfer-Encoding: chunked\r\n\r\n${rng.pick(['zz', '-1', '2;\u0001'])}\r\n{}\r\n0\r\n\r\n`, 400],
    [() => `POST / HTTP/${rng.pick(['7.1', '1.x', '11'])}\r\nHost: 127.0.0.1\r\n\r\n`, 400],
    [() => `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    [() => 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n', 405],
  ]
  const [data, expect] = rng.pick(requests)
  return { data: data(), expect }
}

function describeError(e: NodeJS.ErrnoException): string {
  return e.code ?? e.message
}

function sendHttp(endpoint: URL, agent: http.Agent, probe: HttpProbe): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers = { ...probe.headers }
    const { body } = probe
    const length = typeof body === 'number' ? body : body === undefined ? 0 : Buffer.byteLength(body)
    if (probe.framing === 'length') headers['content-length'] = String(length)
    if (probe.framing === 'chunked') headers['transfer-encoding'] = 'chunked'
    let answer: Outcome | undefined
    let error: string | undefined
    const req = http.request(endpoint, { method: probe.method, headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, allow: res.headers.allow, text: Buffer.concat(chunks).toString() }
      })
      res.on('error', (e) => (error ??= describeError(e)))
    })
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('no answer in time')))
    req.on('error', (e) => (error ??= describeError(e)))
    // 'close' comes after the answer and after any socket error that belongs to this request.
    req.on('close', () => resolve(error ? { error } : (answer ?? { error: 'closed without a whole answer' })))
    if (typeof body === 'number') streamBody(req, body)
    else if (body === undefined) req.end()
    else req.end(body)
  })
}

/** Streams `bytes` bytes from one reused chunk, so that large bodies cost the client no memory. */
function streamBody(req: http.ClientRequest, bytes: number): void {
  const chunk = Buffer.alloc(64 * 1024, 'A')
  let sent = 0
  const pump = () => {
    while (sent < bytes) {
      const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent))
      sent += piece.length
      if (!req.write(piece)) return void req.once('drain', pump)
    }
    req.end()
  }
  pump()
}

function sendRaw(endpoint: URL, data: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(endpoint.port), endpoint.hostname)
    const chunks: Buffer[] = []
    let error: string | undefined
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('no answer in time')))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (e) => (error ??= describeError(e)))
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]
      const allow = /\r\nallow: ([^\r]*)\r\n/i.exec(text)?.[1]
      if (error || !status) resolve({ error: error ?? `no HTTP answer: ${JSON.stringify(text.slice(0, 80))}` })
      else resolve({ status: Number(status), allow, text })
    })
    // The socket stays open for writing: a client that half-closes is answered by Node with a close, not a status.
    socket.write(data)
  })
}

function check(probe: Probe, outcome: Outcome): string | undefined {
  if ('error' in outcome) return `socket error ${outcome.error}`
  if (outcome.status !== probe.expect) return `HTTP ${outcome.status} (expected ${probe.expect}): ${outcome.text}`
  if (probe.expect === 405 && outcome.allow !== 'POST') return `405 with Allow ${outcome.allow}`
  if (probe.kind === 'http' && probe.reason && !probe.reason.test(outcome.text)) return `reason ${outcome.text}`
  return undefined
}

/** The plan's categories, each repeated its count, in a seeded shuffle so that one connection sees a mix. */
function schedule(rng: Rng): Slot[] {
  const slots = PLAN.flatMap(([category, count]) => Array.from({ length: count }, (_, index) => ({ category, index })))
  for (let i = slots.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[slots[i], slots[j]] = [slots[j] as Slot, slots[i] as Slot]
  }
  return slots
}

interface Slot {
  category: Category
  index: number
}

interface Tally {
  sent: Map<Category, number>
  statuses: Map<string, number>
  failures: string[]
}

/** Sends the probes of `slots`, IN_FLIGHT at a time over keep-alive connections, and adds the outcomes to `tally`. */
async function fuzz(endpoint: URL, factory: ProbeFactory, slots: Slot[], seed: number, tally: Tally): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
  let next = 0
  const worker = async () => {
    for (let i = next++; i < slots.length; i = next++) {
      const { category, index } = slots[i] ?? assert.fail(`no slot ${i}`)
      const probe = factory.make(category, index, new Rng(seed ^ Math.imul(i + 1, 0x9e3779b1)))
      const outcome =
        probe.kind === 'raw' ? await sendRaw(endpoint, probe.data) : await sendHttp(endpoint, agent, probe)
      const failure = check(probe, outcome)
      const seen = 'error' in outcome ? outcome.error : String(outcome.status)
      tally.sent.set(category, (tally.sent.get(category) ?? 0) + 1)
      tally.statuses.set(seen, (tally.statuses.get(seen) ?? 0) + 1)
      if (failure) tally.failures.push(`${category} ${describeProbe(probe)}: ${failure}`)
    }
  }
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  } finally {
    agent.destroy()
  }
}

/**
 * RSS and heap in use (MiB) after a full collection, so that garbage not yet collected is not counted as growth.
 * The test command does not pass --expose-gc, so the flag is set at run time; it affects only this file's process.
 */
function memory(): { rss: number; heap: number } {
  if (!globalThis.gc) v8.setFlagsFromString('--expose-gc')
  const gc = globalThis.gc ?? (vm.runInNewContext('gc') as () => void)
  gc()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss: Math.round(rss / MiB), heap: Math.round(heapUsed / MiB) }
}

function describeProbe(probe: Probe): string {
  if (probe.kind === 'raw') return JSON.stringify(probe.data.slice(0, 60))
  const body =
    typeof probe.body === 'number' ? `${probe.body} bytes` : JSON.stringify(String(probe.body ?? '').slice(0, 60))
  return `${probe.method} ${JSON.stringify(probe.headers)} ${probe.framing} ${body}`
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'inbound-fuzz-test-'))
let target: ReferenceAgent
let peer: ReferenceAgent
let peerConnection: ConnectionRecord
let targetConnection: ConnectionRecord

async function connected(agent: ReferenceAgent, match: (c: ConnectionRecord) => boolean): Promise<ConnectionRecord> {
  return agent.connections.changes.waitFor({
    pick: (c) => (match(c) && c.state === 'completed' ? c : undefined),
    timeoutMs: REQUEST_TIMEOUT_MS,
    awaited: `a completed connection at ${agent.label}`,
  })
}

before(async () => {
  ;[target, peer] = await Promise.all([
    ReferenceAgent.start({ label: 'fuzz-target', dataDir: dir }),
    ReferenceAgent.start({ label: 'fuzz-peer', dataDir: dir }),
  ])
  const { invitation, invitationId } = await createInvitation(target)
  const requested = await receiveInvitation(peer, invitation)
  peerConnection = await connected(peer, (c) => c.id === requested.id)
  targetConnection = await connected(target, (c) => c.invitationId === invitationId && c.role === 'responder')
})

after(async () => {
  await Promise.allSettled([target?.stop(), peer?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

/** What the peer would send: a trust ping that asks for no response, authcrypted on the connection. */
function validEnvelope(): PackedEnvelope {
  assert.ok(peerConnection.myDid && targetConnection.myDid, 'both sides have a DID')
  const sender = peer.verkeyOfMyDid(peerConnection.myDid)
  const recipient = target.verkeyOfMyDid(targetConnection.myDid)
  const ping = { '@type': 'https://didcomm.org/trust_ping/1.0/ping', '@id': randomUUID(), response_requested: false }
  return packMessage(JSON.stringify(ping), [recipient], { verkey: sender, key: peer.wallet.requireKey(sender) })
}

test('DELETE and OPTIONS with a body on a keep-alive connection get 405 every time, and the next POST works', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const body = JSON.stringify(validEnvelope())
  const headers = { 'content-type': ENVELOPE_MEDIA_TYPE }
  try {
    for (let round = 0; round < 4; round++) {
      for (const method of ['DELETE', 'OPTIONS']) {
        // Node's client sends these bodies with neither Content-Length nor chunking.
        const outcome = await sendHttp(new URL(target.endpoint), agent, {
          kind: 'http',
          method,
          headers,
          body,
          framing: 'end',
          expect: 405,
        })
        assert.deepEqual(
          outcome,
          { status: 405, allow: 'POST', text: 'DIDComm messages are sent with POST' },
          `${method} #${round}`,
        )
      }
      const post = await sendHttp(new URL(target.endpoint), agent, {
        kind: 'http',
        method: 'POST',
        headers,
        body,
        framing: 'length',
        expect: 202,
      })
      assert.deepEqual(post, { status: 202, allow: undefined, text: '' }, `POST #${round}`)
    }
  } finally {
    agent.destroy()
  }
})

test(
  'the inbound answers malformed requests with 4xx, never a reset, and keeps working',
  { timeout: 120_000 },
  async (t) => {
    const endpoint = new URL(target.endpoint)
    const factory = new ProbeFactory(validEnvelope())
    const tally: Tally = { sent: new Map(), statuses: new Map(), failures: [] }
    // The heap and malloc grow to a working set over the first requests; only growth after that is a leak.
    const warmUp = schedule(new Rng(SEED + 1)).filter((slot) => slot.category !== 'oversize')
    await fuzz(endpoint, factory, warmUp.slice(0, WARM_UP), SEED + 1, tally)
    const before = memory()
    const started = performance.now()
    await fuzz(endpoint, factory, schedule(new Rng(SEED)), SEED, tally)
    const seconds = (performance.now() - started) / 1000
    const after = memory()

    const total = [...tally.sent.values()].reduce((a, b) => a + b, 0)
    t.diagnostic(`${total} requests (${WARM_UP} to warm up), the last ${total - WARM_UP} in ${seconds.toFixed(1)} s`)
    t.diagnostic(`sent: ${PLAN.map(([category]) => `${category} ${tally.sent.get(category)}`).join(', ')}`)
    t.diagnostic(
      `answers: ${[...tally.statuses]
        .sort()
        .map(([seen, n]) => `${seen} ×${n}`)
        .join(', ')}`,
    )
    t.diagnostic(
      `after a full GC: RSS ${before.rss} -> ${after.rss} MiB, heap used ${before.heap} -> ${after.heap} MiB`,
    )
    assert.ok(total - WARM_UP >= 10_000, `${total - WARM_UP} requests`)
    assert.deepEqual(tally.failures.slice(0, 10), [], `${tally.failures.length} requests failed`)
    assert.ok(after.rss - before.rss < RSS_GROWTH_BOUND_MIB, `RSS grew by ${after.rss - before.rss} MiB`)
    assert.ok(after.heap - before.heap < HEAP_GROWTH_BOUND_MIB, `heap grew by ${after.heap - before.heap} MiB`)

    const pingId = await sendTrustPing(peer, peerConnection.id)
    await peer.tap.log.waitFor({
      pick: (e) =>
        e.direction === 'inbound' && e.thid === pingId && e.type.endsWith('/ping_response') ? e : undefined,
      timeoutMs: REQUEST_TIMEOUT_MS,
      awaited: `the response to trust ping ${pingId}`,
    })
  },
)
