/**
 * A Credo-ts agent in a process of its own, controlled by the harness over the IPC channel of
 * `child_process.fork` (see protocol.ts). It serves DIDComm over HTTP on a loopback port, keeps its
 * Askar wallet in the directory it is given, and writes its log to stdout, which the launcher sends
 * to the run's log file. It exits when the harness goes away.
 */
import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { AskarModule } from '@credo-ts/askar'
import {
  Agent,
  BaseLogger,
  BasicMessageEventTypes,
  BasicMessageRole,
  ConnectionEventTypes,
  ConnectionsModule,
  HandshakeProtocol,
  HttpOutboundTransport,
  KeyDerivationMethod,
  LogLevel,
  OutOfBandInvitation,
  PeerDidNumAlgo,
  TrustPingEventTypes,
  type BasicMessageStateChangedEvent,
  type ConnectionDidRotatedEvent,
  type ConnectionRecord,
  type ConnectionStateChangedEvent,
  type TrustPingResponseReceivedEvent,
} from '@credo-ts/core'
import { agentDependencies, HttpInboundTransport } from '@credo-ts/node'
import { askar, Store } from '@openwallet-foundation/askar-nodejs'
import type {
  CredoConnection,
  CredoEvent,
  FromChild,
  Methods,
  PeerDidNumalgo,
  StartConfig,
  ToChild,
} from './protocol.js'

const HOST = '127.0.0.1'
/** Credo answers an inbound HTTP request only once the message is processed; its default wait is 10 s. */
const PROCESSED_MESSAGE_TIMEOUT_MS = 1_000
const SHUTDOWN_BOUND_MS = 5_000

const NUMALGO: Record<PeerDidNumalgo, PeerDidNumAlgo> = {
  2: PeerDidNumAlgo.MultipleInceptionKeyWithoutDoc,
  4: PeerDidNumAlgo.ShortFormAndLongForm,
}
/**
 * Credo's own default for requests is did:peer:1, which the features do not cover; did:peer:4 is what
 * the other agents use when nothing is asked for, so a request without a numalgo stays comparable.
 */
const DEFAULT_REQUEST_NUMALGO: PeerDidNumalgo = 4

const LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.trace,
  debug: LogLevel.debug,
  info: LogLevel.info,
  warn: LogLevel.warn,
  error: LogLevel.error,
}

function send(message: FromChild): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve()
    // Resolves once the message is handed over (or the channel is found closed), so exit can follow.
    process.send(message, () => resolve())
  })
}

/** One line per entry on stdout (the log file), with a secret replaced wherever it would appear. */
class LineLogger extends BaseLogger {
  constructor(
    level: LogLevel,
    private readonly secrets: string[],
  ) {
    super(level)
  }

  private write(level: LogLevel, message: string, data?: Record<string, unknown>): void {
    if (!this.isEnabled(level)) return
    let line = `${new Date().toISOString()} ${LogLevel[level].toUpperCase()} ${message}`
    if (data) line += ` ${JSON.stringify(data, jsonSafe)}`
    for (const secret of this.secrets) line = line.replaceAll(secret, '[redacted]')
    process.stdout.write(`${line}\n`)
  }

  test(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.test, message, data)
  }
  trace(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.trace, message, data)
  }
  debug(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.debug, message, data)
  }
  info(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.info, message, data)
  }
  warn(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.warn, message, data)
  }
  error(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.error, message, data)
  }
  fatal(message: string, data?: Record<string, unknown>): void {
    this.write(LogLevel.fatal, message, data)
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
  if (typeof value === 'bigint') return value.toString()
  return value
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: HOST, port: 0 }, resolve)
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Credo's transport listens on every interface; the agent under test is to be reachable on loopback only. */
function loopbackOnly(transport: HttpInboundTransport): void {
  const listen = transport.app.listen.bind(transport.app) as (port: number, host: string) => Server
  transport.app.listen = ((port: number) => listen(port, HOST)) as unknown as typeof transport.app.listen
}

async function listening(server: Server | undefined, port: number): Promise<void> {
  if (!server) throw new Error('the HTTP inbound transport has no server')
  if (server.listening) return
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${HOST}:${port}: ${e.code}`)))
  })
}

function credoVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('@credo-ts/core/package.json') as { version: string }).version
}

function handshakeProtocol(uri: string): HandshakeProtocol {
  if (uri.startsWith('https://didcomm.org/didexchange/1.')) return HandshakeProtocol.DidExchange
  if (uri.startsWith('https://didcomm.org/connections/1.')) return HandshakeProtocol.Connections
  throw new Error(`Credo offers no handshake protocol ${uri}`)
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const cause = e.cause instanceof Error ? ` (cause: ${e.cause.message})` : ''
  return `${e.message}${cause}`
}

async function main(config: StartConfig): Promise<void> {
  mkdirSync(config.dataDir, { recursive: true })
  // Generated here and never sent anywhere: only this process opens the wallet.
  const walletKey = Store.generateRawKey()
  const logger = new LineLogger(LEVELS[config.logLevel] ?? LogLevel.debug, [walletKey])
  const port = await freePort()
  const endpoint = `http://${HOST}:${port}`
  const connectionsModule = new ConnectionsModule({
    autoAcceptConnections: true,
    peerNumAlgoForDidExchangeRequests: NUMALGO[DEFAULT_REQUEST_NUMALGO],
    peerNumAlgoForDidRotation: PeerDidNumAlgo.ShortFormAndLongForm,
  })
  const agent = new Agent({
    config: {
      label: config.label,
      endpoints: [endpoint],
      logger,
      walletConfig: {
        id: config.label,
        key: walletKey,
        // A generated 32-byte key used RAW skips the Argon2i derivation on every open.
        keyDerivationMethod: KeyDerivationMethod.Raw,
        storage: { type: 'sqlite', config: { path: path.join(config.dataDir, 'wallet.sqlite') } },
      },
    },
    dependencies: agentDependencies,
    modules: {
      askar: new AskarModule({ ariesAskar: askar }),
      connections: connectionsModule,
    },
  })
  const inbound = new HttpInboundTransport({ port, processedMessageListenerTimeoutMs: PROCESSED_MESSAGE_TIMEOUT_MS })
  loopbackOnly(inbound)
  agent.registerInboundTransport(inbound)
  agent.registerOutboundTransport(new HttpOutboundTransport())

  /** Out-of-band record id → invitation `@id`, for the connections made from them. */
  const invitations = new Map<string, string>()
  const summary = (r: ConnectionRecord): CredoConnection => ({
    id: r.id,
    state: r.state,
    role: r.role,
    did: r.did,
    theirDid: r.theirDid,
    theirLabel: r.theirLabel,
    outOfBandId: r.outOfBandId,
    invitationId: r.outOfBandId ? invitations.get(r.outOfBandId) : undefined,
    errorMessage: r.errorMessage,
  })
  const emit = (event: CredoEvent) => void send({ kind: 'event', event })

  agent.events.on<ConnectionStateChangedEvent>(ConnectionEventTypes.ConnectionStateChanged, ({ payload }) =>
    emit({ type: 'connection', connection: summary(payload.connectionRecord) }),
  )
  agent.events.on<ConnectionDidRotatedEvent>(ConnectionEventTypes.ConnectionDidRotated, ({ payload }) =>
    emit({
      type: 'did-rotated',
      connectionId: payload.connectionRecord.id,
      ourDid: payload.ourDid,
      theirDid: payload.theirDid,
    }),
  )
  agent.events.on<TrustPingResponseReceivedEvent>(TrustPingEventTypes.TrustPingResponseReceivedEvent, ({ payload }) =>
    emit({
      type: 'trust-ping-response',
      connectionId: payload.connectionRecord.id,
      threadId: payload.message.threadId,
    }),
  )
  agent.events.on<BasicMessageStateChangedEvent>(BasicMessageEventTypes.BasicMessageStateChanged, ({ payload }) => {
    const record = payload.basicMessageRecord
    if (record.role !== BasicMessageRole.Receiver) return
    emit({
      type: 'basic-message',
      connectionId: record.connectionId,
      content: payload.message.content,
      sentTime: payload.message.sentTime?.toISOString(),
    })
  })

  // The numalgo of a request is module configuration in Credo 0.5; it is set for the one request
  // being made, so receiving is done one invitation at a time.
  let receiving: Promise<unknown> = Promise.resolve()
  const receiveInvitation = async ({
    invitation,
    peerDidNumalgo,
    label,
  }: Methods['receiveInvitation']['params']): Promise<Methods['receiveInvitation']['result']> => {
    const receive = async () => {
      agent.connections.config.peerNumAlgoForDidExchangeRequests = NUMALGO[peerDidNumalgo ?? DEFAULT_REQUEST_NUMALGO]
      try {
        const parsed =
          typeof invitation === 'string'
            ? await agent.oob.parseInvitation(invitation)
            : OutOfBandInvitation.fromJson(invitation)
        const { outOfBandRecord, connectionRecord } = await agent.oob.receiveInvitation(parsed, {
          ...(label ? { label } : {}),
          autoAcceptInvitation: true,
          autoAcceptConnection: true,
          reuseConnection: false,
        })
        invitations.set(outOfBandRecord.id, parsed.id)
        if (!connectionRecord) throw new Error(`Credo made no connection from invitation ${parsed.id}`)
        return { connectionId: connectionRecord.id }
      } finally {
        agent.connections.config.peerNumAlgoForDidExchangeRequests = NUMALGO[DEFAULT_REQUEST_NUMALGO]
      }
    }
    const result = receiving.then(receive)
    receiving = result.catch(() => undefined)
    return result
  }

  const handlers: { [M in keyof Methods]: (params: Methods[M]['params']) => Promise<Methods[M]['result']> } = {
    createInvitation: async ({ handshakeProtocols, label }) => {
      const record = await agent.oob.createInvitation({
        handshakeProtocols: (handshakeProtocols ?? ['https://didcomm.org/didexchange/1.1']).map(handshakeProtocol),
        autoAcceptConnection: true,
        ...(label ? { label } : {}),
      })
      const invitation = record.outOfBandInvitation
      invitations.set(record.id, invitation.id)
      return {
        invitation: invitation.toJSON(),
        url: invitation.toUrl({ domain: endpoint }),
        invitationId: invitation.id,
      }
    },
    receiveInvitation,
    getConnection: async ({ connectionId }) => summary(await agent.connections.getById(connectionId)),
    sendTrustPing: async ({ connectionId }) => {
      const ping = await agent.connections.sendPing(connectionId, { responseRequested: true })
      return { pingId: ping.id }
    },
    sendBasicMessage: async ({ connectionId, content }) => {
      await agent.basicMessages.sendMessage(connectionId, content)
      return {}
    },
    rotate: async ({ connectionId, toDid }) => agent.connections.rotate({ connectionId, ...(toDid ? { toDid } : {}) }),
    hangup: async ({ connectionId }) => {
      await agent.connections.hangup({ connectionId })
      return {}
    },
    shutdown: async () => {
      await stop()
      return {}
    },
  }

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= Promise.race([
      agent.shutdown(),
      new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BOUND_MS).unref()),
    ]).catch((e) => logger.error('shutdown failed', { error: describeError(e) }))
    return stopping
  }
  const stopAndExit = () => void stop().then(() => process.exit(0))

  process.on('message', (message: ToChild) => {
    if (message.kind !== 'request') return
    const handler = handlers[message.method] as ((params: unknown) => Promise<unknown>) | undefined
    logger.debug(`control request ${message.id}: ${message.method}`)
    const result = handler ? handler(message.params) : Promise.reject(new Error(`no request ${message.method}`))
    result.then(
      (result) => send({ kind: 'response', id: message.id, result }),
      (e) => {
        logger.warn(`control request ${message.id} (${message.method}) failed: ${describeError(e)}`)
        return send({ kind: 'response', id: message.id, error: describeError(e) })
      },
    )
  })
  // The harness is gone (it exited or was killed): nobody can use this agent any more.
  process.on('disconnect', stopAndExit)
  process.on('SIGTERM', stopAndExit)
  // A failing Credo flow must show in the log and fail its scenario, not end the agent for the rest of the run.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { reason: describeError(reason) }))

  await agent.initialize()
  await listening(inbound.server, port)
  logger.info(`Credo ${credoVersion()} ready at ${endpoint}`)
  await send({ kind: 'ready', endpoint })
}

const config = JSON.parse(process.argv[2] ?? '{}') as StartConfig
main(config).catch(async (e) => {
  const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
  process.stderr.write(`Credo agent failed to start: ${error}\n`)
  await send({ kind: 'start-failed', error: describeError(e) })
  process.exit(1)
})
