/**
 * The control channel between the harness and a Credo agent process: messages over the Node IPC
 * channel of `child_process.fork`, or, for an agent in a container, JSON lines over a loopback TCP
 * connection the agent opens to the harness. Every request carries an id its response repeats;
 * events flow from the child unasked, in the order Credo emitted them.
 */

/** Names the harness's control port and the token the agent opens the connection with (`<port> <token>`). */
export const CONTROL_VARIABLE = 'DIDCOMM_CONFORMANCE_CREDO_CONTROL'

export type PeerDidNumalgo = 2 | 4

/** A Credo connection record, reduced to what the harness reads. `state` is Credo's DidExchangeState. */
export interface CredoConnection {
  id: string
  state: string
  role: string
  did?: string
  theirDid?: string
  theirLabel?: string
  outOfBandId?: string
  /** The `@id` of the out-of-band invitation the connection came from, where the agent knows it. */
  invitationId?: string
  errorMessage?: string
}

/** Which tenant an event is about, on an agent started with tenants; absent for the root agent's own. */
export type CredoEvent = CredoEventBody & { tenantId?: string }

type CredoEventBody =
  | { type: 'connection'; connection: CredoConnection }
  | { type: 'trust-ping-response'; connectionId: string; threadId: string }
  | { type: 'basic-message'; connectionId: string; content: string; sentTime?: string }
  | {
      type: 'did-rotated'
      connectionId: string
      ourDid?: { from: string; to: string }
      theirDid?: { from: string; to: string }
    }

/** A request for one tenant of an agent started with tenants; without `tenantId`, for the root agent. */
export interface Scoped {
  tenantId?: string
}

export interface Methods {
  createInvitation: {
    params: { handshakeProtocols?: string[]; label?: string } & Scoped
    result: { invitation: Record<string, unknown>; url: string; invitationId: string }
  }
  receiveInvitation: {
    params: { invitation: Record<string, unknown> | string; peerDidNumalgo?: PeerDidNumalgo; label?: string } & Scoped
    result: { connectionId: string }
  }
  getConnection: { params: { connectionId: string } & Scoped; result: CredoConnection }
  sendTrustPing: { params: { connectionId: string } & Scoped; result: { pingId: string } }
  sendBasicMessage: { params: { connectionId: string; content: string } & Scoped; result: Record<string, never> }
  rotate: { params: { connectionId: string; toDid?: string } & Scoped; result: { newDid: string } }
  hangup: { params: { connectionId: string } & Scoped; result: Record<string, never> }
  /** Tenants (only on an agent started with `tenancy`). */
  createTenant: { params: { label: string }; result: { tenantId: string } }
  deleteTenant: { params: { tenantId: string }; result: Record<string, never> }
  /** The ids of the connections and DIDs a tenant's (or the root agent's) own agent lists. */
  listRecords: { params: Scoped; result: { connections: string[]; dids: string[] } }
  /** A connection by id in a tenant's wallet: found or not, as the tenant's own agent answers. */
  findConnection: { params: { connectionId: string } & Scoped; result: { found: boolean } }
  deleteConnection: { params: { connectionId: string } & Scoped; result: { deleted: boolean } }
  /** Where the agent's Askar store is and its key, for the harness to open and read it (not with tenants). */
  storeAccess: { params: Record<string, never>; result: { sqlitePath: string; passKey: string } }
  shutdown: { params: Record<string, never>; result: Record<string, never> }
  /** Answered by the process itself, for the harness to tell a hung agent from a slow flow. */
  ping: { params: Record<string, never>; result: Record<string, never> }
}

export type Method = keyof Methods

export interface StartConfig {
  label: string
  /** Start with @credo-ts/tenants: each tenant a store of its own, or a profile of the root's store. */
  tenancy?: 'store-per-tenant' | 'profile-per-tenant'
  /** Where the wallet (sqlite) goes; fresh per launch. */
  dataDir: string
  logLevel: string
}

export type ToChild = { kind: 'request'; id: number; method: Method; params: unknown }

export type FromChild =
  | { kind: 'ready'; endpoint: string }
  | { kind: 'start-failed'; error: string }
  | { kind: 'response'; id: number; result: unknown }
  | { kind: 'response'; id: number; error: string }
  | { kind: 'event'; event: CredoEvent }
