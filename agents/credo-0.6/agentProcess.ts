/**
 * A Credo-ts 0.6 agent in a process of its own, controlled by the harness over the IPC channel of
 * `child_process.fork` exactly like the 0.5 agent (../credo/protocol.ts). Its packages resolve from
 * agents/credo-0.6/node_modules (see install.ts), so it runs beside the root's Credo 0.5.19. It
 * serves DIDComm over HTTP on a loopback port, keeps its Askar store in the directory it is given,
 * and writes its log to stdout, which the launcher sends to the run's log file. It exits when the
 * harness goes away.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { askar, Store } from '@openwallet-foundation/askar-nodejs'
import { Agent, PeerDidNumAlgo } from '@credo-ts/core'
import {
  DidCommBasicMessageEventTypes,
  DidCommBasicMessageRole,
  DidCommConnectionEventTypes,
  DidCommHandshakeProtocol,
  DidCommHttpOutboundTransport,
  DidCommModule,
  DidCommOutOfBandInvitation,
  DidCommTrustPingEventTypes,
  type DidCommBasicMessageStateChangedEvent,
  type DidCommConnectionDidRotatedEvent,
  type DidCommConnectionRecord,
  type DidCommConnectionStateChangedEvent,
  type TrustPingResponseReceivedEvent,
} from '@credo-ts/didcomm'
import { agentDependencies, DidCommHttpInboundTransport } from '@credo-ts/node'
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
  type AgentHandlers,
} from '../credo/child.js'
import type { CredoConnection, CredoEvent, Methods, PeerDidNumalgo, StartConfig } from '../credo/protocol.js'

const NUMALGO: Record<PeerDidNumalgo, PeerDidNumAlgo> = {
  2: PeerDidNumAlgo.MultipleInceptionKeyWithoutDoc,
  4: PeerDidNumAlgo.ShortFormAndLongForm,
}
/** Credo 0.6's own default too; kept explicit so both Credo agents request alike. */
const DEFAULT_REQUEST_NUMALGO: PeerDidNumalgo = 4

function credoVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('@credo-ts/core/package.json') as { version: string }).version
}

/**
 * Credo 0.6 offers one URI per handshake protocol family (`…/didexchange/1.x`) and puts the minor
 * versions it supports (1.0 and 1.1) into the invitation itself.
 */
function handshakeProtocol(uri: string): DidCommHandshakeProtocol {
  if (uri.startsWith('https://didcomm.org/didexchange/1.')) return DidCommHandshakeProtocol.DidExchange
  if (uri.startsWith('https://didcomm.org/connections/1.')) return DidCommHandshakeProtocol.Connections
  throw new Error(`Credo offers no handshake protocol ${uri}`)
}

async function main(config: StartConfig): Promise<void> {
  // Imported only now, after askar-nodejs: @credo-ts/askar 0.6 is ESM and imports `askar` from the
  // CommonJS askar-shared, whose named exports Node copies once, when first imported. askar-nodejs sets
  // that export (registerAskar) as it loads; imported earlier, Credo's `askar` stays undefined
  // ("Cannot read properties of undefined (reading 'keyGetJwkSecret')" on the first key).
  const { AskarModule } = await import('@credo-ts/askar')
  mkdirSync(config.dataDir, { recursive: true })
  // Generated here and sent only to the harness, which opens the store to read it (storeAccess).
  const storeKey = Store.generateRawKey()
  const logger = new LineLogger(config.logLevel, [storeKey])
  const port = await freePort()
  const endpoint = `http://${HOST}:${port}`
  const inbound = new DidCommHttpInboundTransport({
    port,
    processedMessageListenerTimeoutMs: PROCESSED_MESSAGE_TIMEOUT_MS,
  })
  loopbackOnly(inbound)
  const agent = new Agent({
    config: { logger },
    dependencies: agentDependencies,
    modules: {
      askar: new AskarModule({
        askar,
        store: {
          id: config.label,
          key: storeKey,
          // A generated 32-byte key used raw skips the Argon2i derivation on every open.
          keyDerivationMethod: 'raw',
          database: { type: 'sqlite', config: { path: path.join(config.dataDir, 'wallet.sqlite') } },
        },
      }),
      didcomm: new DidCommModule({
        endpoints: [endpoint],
        transports: { inbound: [inbound], outbound: [new DidCommHttpOutboundTransport()] },
        connections: {
          autoAcceptConnections: true,
          peerNumAlgoForDidExchangeRequests: NUMALGO[DEFAULT_REQUEST_NUMALGO],
          peerNumAlgoForDidRotation: PeerDidNumAlgo.ShortFormAndLongForm,
        },
        // Only connections, out-of-band, trust ping, DID rotate and basic messages are under test.
        credentials: false,
        proofs: false,
        messagePickup: false,
        mediator: false,
        mediationRecipient: false,
        basicMessages: true,
      }),
    },
  })
  const didcomm = agent.didcomm

  /** Out-of-band record id → invitation `@id`, for the connections made from them. */
  const invitations = new Map<string, string>()
  const summary = (r: DidCommConnectionRecord): CredoConnection => ({
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

  agent.events.on<DidCommConnectionStateChangedEvent>(
    DidCommConnectionEventTypes.DidCommConnectionStateChanged,
    ({ payload }) => emit({ type: 'connection', connection: summary(payload.connectionRecord) }),
  )
  agent.events.on<DidCommConnectionDidRotatedEvent>(
    DidCommConnectionEventTypes.DidCommConnectionDidRotated,
    ({ payload }) =>
      emit({
        type: 'did-rotated',
        connectionId: payload.connectionRecord.id,
        ourDid: payload.ourDid,
        theirDid: payload.theirDid,
      }),
  )
  agent.events.on<TrustPingResponseReceivedEvent>(
    DidCommTrustPingEventTypes.DidCommTrustPingResponseReceivedEvent,
    ({ payload }) =>
      emit({
        type: 'trust-ping-response',
        connectionId: payload.connectionRecord.id,
        threadId: payload.message.threadId,
      }),
  )
  agent.events.on<DidCommBasicMessageStateChangedEvent>(
    DidCommBasicMessageEventTypes.DidCommBasicMessageStateChanged,
    ({ payload }) => {
      const record = payload.basicMessageRecord
      if (record.role !== DidCommBasicMessageRole.Receiver) return
      emit({
        type: 'basic-message',
        connectionId: record.connectionId,
        content: payload.message.content,
        sentTime: payload.message.sentTime?.toISOString(),
      })
    },
  )

  // The numalgo of a request is still module configuration in Credo 0.6; it is set for the one
  // request being made, so receiving is done one invitation at a time.
  let receiving: Promise<unknown> = Promise.resolve()
  const receiveInvitation = async ({
    invitation,
    peerDidNumalgo,
    label,
  }: Methods['receiveInvitation']['params']): Promise<Methods['receiveInvitation']['result']> => {
    const receive = async () => {
      didcomm.connections.config.peerNumAlgoForDidExchangeRequests = NUMALGO[peerDidNumalgo ?? DEFAULT_REQUEST_NUMALGO]
      try {
        const parsed =
          typeof invitation === 'string'
            ? await didcomm.oob.parseInvitation(invitation)
            : DidCommOutOfBandInvitation.fromJson(invitation)
        // Credo 0.6 has no agent-wide label: the one the agent was started with is its default.
        const { outOfBandRecord, connectionRecord } = await didcomm.oob.receiveInvitation(parsed, {
          label: label ?? config.label,
          autoAcceptInvitation: true,
          autoAcceptConnection: true,
          reuseConnection: false,
        })
        invitations.set(outOfBandRecord.id, parsed.id)
        if (!connectionRecord) throw new Error(`Credo made no connection from invitation ${parsed.id}`)
        return { connectionId: connectionRecord.id }
      } finally {
        didcomm.connections.config.peerNumAlgoForDidExchangeRequests = NUMALGO[DEFAULT_REQUEST_NUMALGO]
      }
    }
    const result = receiving.then(receive)
    receiving = result.catch(() => undefined)
    return result
  }

  const handlers: AgentHandlers = {
    createInvitation: async ({ handshakeProtocols, label }) => {
      const record = await didcomm.oob.createInvitation({
        handshakeProtocols: (handshakeProtocols ?? ['https://didcomm.org/didexchange/1.1']).map(handshakeProtocol),
        autoAcceptConnection: true,
        label: label ?? config.label,
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
    getConnection: async ({ connectionId }) => summary(await didcomm.connections.getById(connectionId)),
    sendTrustPing: async ({ connectionId }) => {
      const ping = await didcomm.connections.sendPing(connectionId, { responseRequested: true })
      return { pingId: ping.id }
    },
    sendBasicMessage: async ({ connectionId, content }) => {
      await didcomm.basicMessages.sendMessage(connectionId, content)
      return {}
    },
    rotate: async ({ connectionId, toDid }) =>
      didcomm.connections.rotate({ connectionId, ...(toDid ? { toDid } : {}) }),
    hangup: async ({ connectionId }) => {
      await didcomm.connections.hangup({ connectionId })
      return {}
    },
    storeAccess: async () => ({ sqlitePath: path.join(config.dataDir, 'wallet.sqlite'), passKey: storeKey }),
  }

  serve(handlers, agent, logger)

  await agent.initialize()
  await listening(inbound.server, port)
  logger.info(`Credo ${credoVersion()} ready at ${endpoint}`)
  await send({ kind: 'ready', endpoint })
}

runChild(main)
