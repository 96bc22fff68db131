/**
 * A Credo-ts agent in a process of its own, controlled by the harness over the IPC channel of
 * `child_process.fork` (see protocol.ts). It serves DIDComm over HTTP on a loopback port, keeps its
 * Askar wallet in the directory it is given, and writes its log to stdout, which the launcher sends
 * to the run's log file. It exits when the harness goes away.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { AskarModule } from '@credo-ts/askar'
import {
  Agent,
  BasicMessageEventTypes,
  BasicMessageRole,
  ConnectionEventTypes,
  ConnectionsModule,
  HandshakeProtocol,
  HttpOutboundTransport,
  KeyDerivationMethod,
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
import {
  freePort,
  HOST,
  listening,
  LineLogger,
  loopbackOnly,
  PROCESSED_MESSAGE_TIMEOUT_MS,
  runChild,
  send,
  serve,
  type Handlers,
} from './child.js'
import type { CredoConnection, CredoEvent, Methods, PeerDidNumalgo, StartConfig } from './protocol.js'

const NUMALGO: Record<PeerDidNumalgo, PeerDidNumAlgo> = {
  2: PeerDidNumAlgo.MultipleInceptionKeyWithoutDoc,
  4: PeerDidNumAlgo.ShortFormAndLongForm,
}
/**
 * Credo's own default for requests is did:peer:1, which the features do not cover; did:peer:4 is what
 * the other agents use when nothing is asked for, so a request without a numalgo stays comparable.
 */
const DEFAULT_REQUEST_NUMALGO: PeerDidNumalgo = 4

function credoVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('@credo-ts/core/package.json') as { version: string }).version
}

function handshakeProtocol(uri: string): HandshakeProtocol {
  if (uri.startsWith('https://didcomm.org/didexchange/1.')) return HandshakeProtocol.DidExchange
  if (uri.startsWith('https://didcomm.org/connections/1.')) return HandshakeProtocol.Connections
  throw new Error(`Credo offers no handshake protocol ${uri}`)
}

async function main(config: StartConfig): Promise<void> {
  mkdirSync(config.dataDir, { recursive: true })
  // Generated here and never sent anywhere: only this process opens the wallet.
  const walletKey = Store.generateRawKey()
  const logger = new LineLogger(config.logLevel, [walletKey])
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

  const handlers: Omit<Handlers, 'shutdown' | 'ping'> = {
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
  }

  serve(handlers, agent, logger)

  await agent.initialize()
  await listening(inbound.server, port)
  logger.info(`Credo ${credoVersion()} ready at ${endpoint}`)
  await send({ kind: 'ready', endpoint })
}

runChild(main)
