/**
 * An Aries Agent Test Harness backchannel for the reference agent, written from the backchannel
 * protocol as AATH defines it (docs: /agent/command and /agent/response routes, `{"data", "id"}`
 * bodies, RFC 0023 state names, 501 for what it does not implement). It maps each operation onto the
 * reference agent's own API, as a backchannel maps onto its agent's; it shares nothing with the
 * harness's adapters. Run it as a process of its own (`spawnAathBackchannel`), as AATH runs one per
 * agent: `node --import tsx test/support/aathBackchannel.ts --port 9020 --data-dir /tmp/x`.
 *
 * Topics served: status, version, out-of-band (send-invitation-message, receive-invitation),
 * did-exchange (send-request, send-response, records), connection (records, send-ping), and
 * /agent/response/did-exchange/{invitation @id}. `--die-at <topic>/<operation>:<n>` makes the process
 * end abruptly on the n-th such command, before answering it, as a backchannel that crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ReferenceAgent } from '../../agents/reference/agent.js'
import type { ConnectionRecord } from '../../agents/reference/connections.js'
import { createInvitation, receiveInvitation } from '../../agents/reference/protocols/outOfBand.js'
import { sendTrustPing } from '../../agents/reference/protocols/trustPing.js'
import { fileLogger } from '../../common/logger.js'
import { reservePorts } from '../../common/ports.js'
import { pollUntil, WaitTimeoutError } from '../../common/waitFor.js'
import { DIDEXCHANGE_1_0 } from '../../didcomm/messageType.js'
import packageJson from '../../package.json' with { type: 'json' }

const HERE = fileURLToPath(import.meta.url)
/** How long `/agent/response` holds a read until a record comes, as ACA-Py's backchannel does. */
const RESPONSE_WAIT_MS = 5_000

/** An answer in AATH's terms: a status and a JSON (or text) body. */
class Answer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

interface Command {
  method: string
  /** `command` or `response`. */
  kind: string
  topic: string
  /** The operation of a POST, or the record id (or `{operation}/{id}`) of a GET. */
  rest: string[]
  id?: string
  data: Record<string, unknown>
}

/** A connection this backchannel knows by its own id: an invitation received, then the agent's connection. */
interface Pending {
  invitation: Record<string, unknown>
  /** The agent's connection, once the request was sent. */
  agentConnection?: string
  /** Why sending the request failed. */
  problem?: string
}

export interface AathBackchannelOptions {
  port?: number
  dataDir: string
  /** Called with `topic/operation` for every command before it is served. */
  onCommand?: (command: string) => void
  /** Where a line per request goes (the process's output when it runs on its own). */
  log?: (line: string) => void
}

export interface RunningBackchannel {
  url: string
  close(): Promise<void>
}

/** RFC 0023 state names, per role, for the reference agent's states. */
function rfc23State(record: ConnectionRecord): string {
  const sent =
    record.role === 'requester' ? ['request-sent', 'response-received'] : ['request-received', 'response-sent']
  switch (record.state) {
    case 'request':
      return sent[0] as string
    case 'response':
      return sent[1] as string
    case 'invitation':
      return record.role === 'requester' ? 'invitation-received' : 'invitation-sent'
    default:
      return record.state
  }
}

/** RFC 0160's state names, which AATH's `connection` topic reports. */
const RFC0160_STATE: Record<string, string> = {
  invitation: 'invited',
  request: 'requested',
  response: 'responded',
  completed: 'complete',
  abandoned: 'abandoned',
}

export async function startAathBackchannel(options: AathBackchannelOptions): Promise<RunningBackchannel> {
  mkdirSync(options.dataDir, { recursive: true })
  const agent = await ReferenceAgent.start({
    label: 'aath-reference',
    dataDir: options.dataDir,
    logger: fileLogger(path.join(options.dataDir, 'agent.log'), 'aath-reference'),
  })
  /** Backchannel connection id → what the invitee side holds; the inviter's ids are the agent's own. */
  const pending = new Map<string, Pending>()
  /** Invitation `@id` → how many of its event-derived records `/agent/response` has handed out. */
  const responsesRead = new Map<string, number>()

  const agentConnection = (id: string): ConnectionRecord | undefined => {
    const p = pending.get(id)
    return agent.connections.get(p?.agentConnection ?? id)
  }

  const connectionRecord = (id: string, stateNames: 'rfc23' | 'rfc160'): Record<string, unknown> => {
    const p = pending.get(id)
    const c = agentConnection(id)
    if (!c) {
      if (!p) throw new Answer(404, `404 not found: connection ${id}`)
      const state = p.problem ? 'abandoned' : 'invitation-received'
      return { connection_id: id, state, ...(p.problem ? { error_msg: p.problem } : {}) }
    }
    const state = stateNames === 'rfc23' ? rfc23State(c) : (RFC0160_STATE[c.state] ?? c.state)
    return {
      connection_id: id,
      state,
      ...(c.myDid ? { my_did: c.myDid } : {}),
      ...(c.theirDid ? { their_did: c.theirDid } : {}),
      ...(c.theirLabel ? { their_label: c.theirLabel } : {}),
      ...(c.problem ? { error_msg: c.problem } : {}),
    }
  }

  const responderEvents = (invitationId: string) =>
    agent.connections.changes.all().filter((r) => r.role === 'responder' && r.invitationId === invitationId)

  /** The next record the agent's events gave for an invitation, FIFO and read once, or `{}` after the wait. */
  const nextResponse = async (invitationId: string): Promise<Record<string, unknown>> => {
    const read = responsesRead.get(invitationId) ?? 0
    if (responderEvents(invitationId).length <= read) {
      try {
        await agent.connections.changes.waitFor({
          pick: (r) => (r.role === 'responder' && r.invitationId === invitationId ? r : undefined),
          since: agent.connections.changes.mark(),
          timeoutMs: RESPONSE_WAIT_MS,
          awaited: `a connection for invitation ${invitationId}`,
        })
      } catch (e) {
        if (e instanceof WaitTimeoutError) return {}
        throw e
      }
    }
    const event = responderEvents(invitationId)[read]
    if (!event) return {}
    responsesRead.set(invitationId, read + 1)
    return { connection_id: event.id, state: rfc23State(event), invitation_msg_id: invitationId }
  }

  const numalgoOf = (method: unknown): 2 | 4 | undefined => {
    if (method === undefined) return undefined
    if (method === 'did:peer:2') return 2
    if (method === 'did:peer:4') return 4
    throw new Answer(400, `use_did_method ${String(method)} is not one the agent makes (did:peer:2, did:peer:4)`)
  }

  const serve = async (c: Command): Promise<unknown> => {
    const [first, second] = c.rest
    const op = `${c.method} ${c.kind}/${c.topic}${first ? `/${first}` : ''}`
    if (c.kind === 'command' && c.method === 'GET' && c.topic === 'status' && !first) return { status: 'active' }
    if (c.kind === 'command' && c.method === 'GET' && c.topic === 'version' && !first) return packageJson.version
    if (c.kind === 'response' && c.method === 'GET' && c.topic === 'did-exchange' && first && !second) {
      return nextResponse(first)
    }
    if (c.kind !== 'command') throw new Answer(501, `501 not implemented: ${op}`)
    if (c.method === 'GET' && (c.topic === 'did-exchange' || c.topic === 'connection') && first && !second) {
      return connectionRecord(first, c.topic === 'did-exchange' ? 'rfc23' : 'rfc160')
    }
    if (c.method !== 'POST' || second) throw new Answer(501, `501 not implemented: ${op}`)
    switch (`${c.topic}/${first}`) {
      case 'out-of-band/send-invitation-message': {
        const d = c.data
        if (d.use_public_did === true) throw new Answer(501, '501 not implemented: the agent has no public DID')
        if (Array.isArray(d.attachments) && d.attachments.length > 0) {
          throw new Answer(501, '501 not implemented: invitations with attachments')
        }
        if (d.mediator_connection_id !== undefined) throw new Answer(501, '501 not implemented: mediation')
        // Without handshake protocols or attachments, the protocol's default is DID Exchange 1.0.
        const handshakes = Array.isArray(d.handshake_protocols) ? (d.handshake_protocols as string[]) : []
        const numalgo = numalgoOf(d.use_did_method)
        const created = await createInvitation(agent, {
          handshakeProtocols: handshakes.length > 0 ? handshakes : [DIDEXCHANGE_1_0],
          ...(numalgo ? { peerDidNumalgo: numalgo } : {}),
        })
        return { state: 'invitation-sent', invitation: created.invitation, invitation_url: created.url }
      }
      case 'out-of-band/receive-invitation': {
        const { use_existing_connection: reuse, mediator_connection_id: mediator, ...invitation } = c.data
        if (mediator !== undefined) throw new Answer(501, '501 not implemented: mediation')
        // The agent keeps no connections to reuse: every invitation makes a new one.
        void reuse
        const id = randomUUID()
        pending.set(id, { invitation })
        return { state: 'invitation-received', connection_id: id }
      }
      case 'did-exchange/send-request': {
        const id = c.id ?? ''
        const p = pending.get(id)
        if (!p) throw new Answer(404, `404 not found: connection ${id}`)
        if (!p.agentConnection && !p.problem) {
          try {
            const numalgo = numalgoOf(c.data.use_did_method)
            const record = await receiveInvitation(agent, p.invitation, numalgo ? { peerDidNumalgo: numalgo } : {})
            p.agentConnection = record.id
          } catch (e) {
            if (e instanceof Answer) throw e
            p.problem = (e as Error).message
            throw new Answer(500, p.problem)
          }
        }
        return connectionRecord(id, 'rfc23')
      }
      case 'did-exchange/send-response': {
        // The agent answers every request as it arrives: the operation is redundant, and says so with 200.
        const id = c.id ?? ''
        const record = agentConnection(id)
        if (!record || record.role !== 'responder') throw new Answer(404, `404 not found: connection ${id}`)
        return connectionRecord(id, 'rfc23')
      }
      case 'connection/send-ping': {
        const record = agentConnection(c.id ?? '')
        if (!record) throw new Answer(404, `404 not found: connection ${c.id}`)
        return { thread_id: await sendTrustPing(agent, record.id) }
      }
      default:
        throw new Answer(501, `501 not implemented: ${op}`)
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        let status = 200
        let body: unknown
        try {
          const url = new URL(req.url ?? '/', 'http://backchannel')
          const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
          if (parts[0] !== 'agent' || (parts[1] !== 'command' && parts[1] !== 'response') || !parts[2]) {
            throw new Answer(404, `404 not found: ${url.pathname}`)
          }
          let parsed: { id?: unknown; data?: unknown } = {}
          const text = Buffer.concat(chunks).toString('utf8')
          if (text.trim()) {
            try {
              parsed = JSON.parse(text) as typeof parsed
            } catch {
              throw new Answer(400, 'the body is not JSON')
            }
          }
          const command: Command = {
            method: req.method ?? 'GET',
            kind: parts[1],
            topic: parts[2],
            rest: parts.slice(3),
            ...(typeof parsed.id === 'string' ? { id: parsed.id } : {}),
            data:
              parsed.data && typeof parsed.data === 'object' && !Array.isArray(parsed.data)
                ? (parsed.data as Record<string, unknown>)
                : {},
          }
          if (command.kind === 'command') options.onCommand?.([command.topic, ...command.rest.slice(0, 1)].join('/'))
          body = await serve(command)
        } catch (e) {
          status = e instanceof Answer ? e.status : 500
          body = (e as Error).message
        }
        const text = typeof body === 'string' ? body : JSON.stringify(body)
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
        res.end(text)
        options.log?.(`${req.method} ${req.url} → ${status}`)
      })()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await agent.stop()
    },
  }
}

export interface SpawnedBackchannel {
  url: string
  child: ChildProcess
  /** How the process ended, once it has. */
  exited: Promise<string>
  stop(): Promise<void>
}

/**
 * The backchannel as a process of its own, ready once `GET /agent/command/status/` answers 200.
 * Its output goes to `logFile` (never to a pipe nobody reads while a test waits on a run).
 */
export async function spawnAathBackchannel(params: {
  dataDir: string
  logFile: string
  dieAt?: string
  readyTimeoutMs?: number
}): Promise<SpawnedBackchannel> {
  const [port] = await reservePorts('127.0.0.1', [{ name: 'AATH backchannel', port: undefined }])
  mkdirSync(path.dirname(params.logFile), { recursive: true })
  const out = openSync(params.logFile, 'a')
  const args = ['--import', 'tsx', HERE, '--port', String(port), '--data-dir', params.dataDir]
  const child = spawn(process.execPath, [...args, ...(params.dieAt ? ['--die-at', params.dieAt] : [])], {
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
  )
  let ended: string | undefined
  void exited.then((how) => (ended = how))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (ended === undefined) child.kill('SIGTERM')
    await exited
  }
  try {
    await pollUntil({
      probe: async () => {
        if (ended !== undefined) throw new Error(`the backchannel exited with ${ended} before it was ready`)
        const res = await fetch(`${url}/agent/command/status/`).catch(() => undefined)
        return res?.status === 200 ? true : undefined
      },
      timeoutMs: params.readyTimeoutMs ?? 60_000,
      awaited: `the AATH backchannel at ${url} to answer its status`,
    })
  } catch (e) {
    await stop()
    throw e
  }
  return { url, child, exited, stop }
}

if (process.argv[1] && path.resolve(process.argv[1]) === HERE) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name)
    return i >= 0 ? process.argv[i + 1] : undefined
  }
  const dieAt = arg('--die-at')
  const [dieOn, dieCount] = dieAt ? [dieAt.split(':')[0], Number(dieAt.split(':')[1] ?? 1)] : [undefined, 0]
  let seen = 0
  const running = await startAathBackchannel({
    port: Number(arg('--port') ?? 0),
    dataDir: arg('--data-dir') ?? path.join(process.cwd(), 'aath-backchannel'),
    log: (line) => console.log(line),
    onCommand: (command) => {
      if (command !== dieOn || ++seen < dieCount) return
      console.log(`${command} #${seen}: ending abruptly (--die-at ${dieAt})`)
      process.kill(process.pid, 'SIGKILL')
    },
  })
  console.log(`AATH backchannel for the reference agent listening on ${running.url}`)
  const shutdown = () => void running.close().then(() => process.exit(0))
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}
