/**
 * A Credo-ts agent in a process of its own, controlled by the harness over the IPC channel of
 * `child_process.fork` (see protocol.ts). It serves DIDComm over HTTP on a loopback port, keeps its
 * Askar wallet in the directory it is given, and writes its log to stdout, which the launcher sends
 * to the run's log file. It exits when the harness goes away.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { AskarModule, AskarMultiWalletDatabaseScheme } from '@credo-ts/askar'
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
  type BaseEvent,
  type TrustPingResponseReceivedEvent,
} from '@credo-ts/core'
import { agentDependencies, HttpInboundTransport } from '@credo-ts/node'
import { TenantsModule, type TenantsApi } from '@credo-ts/tenants'
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
  type AgentHandlers,
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

/** Credo's node dependencies with every file under `dir` (wallets included) instead of the home directory. */
function dependenciesIn(dir: string): typeof agentDependencies {
  // Credo's NodeFileSystem, which takes its base paths in its constructor (the package exports it only here).
  const NodeFileSystem = agentDependencies.FileSystem as unknown as new (paths: {
    baseDataPath: string
    baseCachePath: string
    baseTempPath: string
  }) => InstanceType<typeof agentDependencies.FileSystem>
  class FileSystemInDir extends NodeFileSystem {
    constructor() {
      super({ baseDataPath: dir, baseCachePath: dir, baseTempPath: dir })
    }
  }
  return { ...agentDependencies, FileSystem: FileSystemInDir }
}

async function main(config: StartConfig): Promise<void> {
  mkdirSync(config.dataDir, { recursive: true })
  // Generated here and sent only to the harness, which opens the store to read it (storeAccess).
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
      // Tenants of one agent message each other through its own endpoint: processed one at a time, a
      // tenant's answer would wait behind the message that caused it until the transport gives up.
      ...(config.tenancy ? { processDidCommMessagesConcurrently: true } : {}),
      walletConfig: {
        id: config.label,
        key: walletKey,
        // A generated 32-byte key used RAW skips the Argon2i derivation on every open.
        keyDerivationMethod: KeyDerivationMethod.Raw,
        // With tenants, each tenant's store (or the root's, with a profile each) goes under the file
        // system's data path: one fixed path would have every tenant open the root's store.
        storage: config.tenancy
          ? { type: 'sqlite' }
          : { type: 'sqlite', config: { path: path.join(config.dataDir, 'wallet.sqlite') } },
      },
    },
    dependencies: config.tenancy ? dependenciesIn(config.dataDir) : agentDependencies,
    modules: {
      askar: new AskarModule({
        ariesAskar: askar,
        multiWalletDatabaseScheme:
          config.tenancy === 'profile-per-tenant'
            ? AskarMultiWalletDatabaseScheme.ProfilePerWallet
            : AskarMultiWalletDatabaseScheme.DatabasePerWallet,
      }),
      connections: connectionsModule,
      ...(config.tenancy ? { tenants: new TenantsModule() } : {}),
    },
  })
  type Scope = Pick<typeof agent, 'connections' | 'oob' | 'basicMessages' | 'dids'>
  const tenants = (): TenantsApi => {
    if (!config.tenancy) throw new Error('this agent was started without tenants')
    return (agent.modules as unknown as { tenants: TenantsApi }).tenants
  }
  /** Runs `fn` with the tenant's own agent (a session, ended afterwards), or the root agent's. */
  const scoped = <R>(tenantId: string | undefined, fn: (a: Scope) => Promise<R>): Promise<R> =>
    tenantId ? tenants().withTenantAgent({ tenantId }, fn) : fn(agent)
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
  /** Tenants' events come through the root agent's emitter, each with its tenant's context. */
  const emit = (event: CredoEvent, source: BaseEvent) => {
    // A tenant's context is correlated by its tenant id (@credo-ts/tenants 0.5).
    const context = source.metadata?.contextCorrelationId
    const tenantId = context && context !== agent.context.contextCorrelationId ? context : undefined
    void send({ kind: 'event', event: { ...event, ...(tenantId ? { tenantId } : {}) } })
  }

  agent.events.on<ConnectionStateChangedEvent>(ConnectionEventTypes.ConnectionStateChanged, (e) =>
    emit({ type: 'connection', connection: summary(e.payload.connectionRecord) }, e),
  )
  agent.events.on<ConnectionDidRotatedEvent>(ConnectionEventTypes.ConnectionDidRotated, (e) =>
    emit(
      {
        type: 'did-rotated',
        connectionId: e.payload.connectionRecord.id,
        ourDid: e.payload.ourDid,
        theirDid: e.payload.theirDid,
      },
      e,
    ),
  )
  agent.events.on<TrustPingResponseReceivedEvent>(TrustPingEventTypes.TrustPingResponseReceivedEvent, (e) =>
    emit(
      {
        type: 'trust-ping-response',
        connectionId: e.payload.connectionRecord.id,
        threadId: e.payload.message.threadId,
      },
      e,
    ),
  )
  agent.events.on<BasicMessageStateChangedEvent>(BasicMessageEventTypes.BasicMessageStateChanged, (e) => {
    const record = e.payload.basicMessageRecord
    if (record.role !== BasicMessageRole.Receiver) return
    emit(
      {
        type: 'basic-message',
        connectionId: record.connectionId,
        content: e.payload.message.content,
        sentTime: e.payload.message.sentTime?.toISOString(),
      },
      e,
    )
  })

  // The numalgo of a request is module configuration in Credo 0.5; it is set for the one request
  // being made, so receiving is done one invitation at a time.
  let receiving: Promise<unknown> = Promise.resolve()
  const receiveInvitation = async ({
    invitation,
    peerDidNumalgo,
    label,
    tenantId,
  }: Methods['receiveInvitation']['params']): Promise<Methods['receiveInvitation']['result']> => {
    const receive = () =>
      scoped(tenantId, async (agent) => {
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
      })
    const result = receiving.then(receive)
    receiving = result.catch(() => undefined)
    return result
  }

  const handlers: AgentHandlers = {
    createInvitation: ({ handshakeProtocols, label, tenantId }) =>
      scoped(tenantId, async (agent) => {
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
      }),
    receiveInvitation,
    getConnection: ({ connectionId, tenantId }) =>
      scoped(tenantId, async (agent) => summary(await agent.connections.getById(connectionId))),
    sendTrustPing: ({ connectionId, tenantId }) =>
      scoped(tenantId, async (agent) => {
        const ping = await agent.connections.sendPing(connectionId, { responseRequested: true })
        return { pingId: ping.id }
      }),
    sendBasicMessage: ({ connectionId, content, tenantId }) =>
      scoped(tenantId, async (agent) => {
        await agent.basicMessages.sendMessage(connectionId, content)
        return {}
      }),
    rotate: ({ connectionId, toDid, tenantId }) =>
      scoped(tenantId, (agent) => agent.connections.rotate({ connectionId, ...(toDid ? { toDid } : {}) })),
    hangup: ({ connectionId, tenantId }) =>
      scoped(tenantId, async (agent) => {
        await agent.connections.hangup({ connectionId })
        return {}
      }),
    storeAccess: async () => {
      // With tenants the root's store holds no tenant's records: what a reader wants is not one file.
      if (config.tenancy) throw new Error('the store of an agent with tenants is not offered for inspection')
      return { sqlitePath: path.join(config.dataDir, 'wallet.sqlite'), passKey: walletKey }
    },
    ...(config.tenancy
      ? {
          createTenant: async ({ label }) => ({ tenantId: (await tenants().createTenant({ config: { label } })).id }),
          deleteTenant: async ({ tenantId }) => (await tenants().deleteTenantById(tenantId), {}),
          listRecords: ({ tenantId }) =>
            scoped(tenantId, async (agent) => ({
              connections: (await agent.connections.getAll()).map((c) => c.id),
              dids: (await agent.dids.getCreatedDids()).map((d) => d.did),
            })),
          findConnection: ({ connectionId, tenantId }) =>
            scoped(tenantId, async (agent) => ({ found: (await agent.connections.findById(connectionId)) !== null })),
          deleteConnection: ({ connectionId, tenantId }) =>
            scoped(tenantId, async (agent) => {
              if (!(await agent.connections.findById(connectionId))) return { deleted: false }
              await agent.connections.deleteById(connectionId)
              return { deleted: true }
            }),
        }
      : {}),
  }

  serve(handlers, agent, logger)

  await agent.initialize()
  await listening(inbound.server, port)
  logger.info(`Credo ${credoVersion()} ready at ${endpoint}`)
  await send({ kind: 'ready', endpoint })
}

runChild(main)
