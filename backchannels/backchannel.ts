/**
 * What the features need from an agent, in the protocols' own terms. Steps call only this; every
 * agent family (reference, ACA-Py, Credo, …) implements it in one adapter file.
 */

/** Connection states named as RFC 0023 names them (requester and responder merged). */
export type ConnectionState = 'invitation' | 'request' | 'response' | 'completed' | 'abandoned'

export interface ConnectionInfo {
  id: string
  state: ConnectionState
  /** The DID this agent uses on the connection (long form for did:peer:4 where the agent knows it). */
  myDid?: string
  theirDid?: string
  theirLabel?: string
}

export type PeerDidNumalgo = 2 | 4

export interface CreateInvitationOptions {
  /** Handshake protocol URIs; defaults to DID Exchange 1.1. */
  handshakeProtocols?: string[]
  /** The numalgo of the did:peer the agent answers a DID Exchange request with (where it lets us choose). */
  peerDidNumalgo?: PeerDidNumalgo
  label?: string
}

export interface InvitationResult {
  /** The out-of-band invitation message as the agent produced it. */
  invitation: Record<string, unknown>
  /** The invitation in URL form (`?oob=`). */
  url: string
  /** The invitation's `@id`, which the connection's `~thread.pthid` refers to. */
  invitationId: string
}

export interface ReceiveInvitationOptions {
  /** The numalgo of the did:peer the agent puts in its DID Exchange request. */
  peerDidNumalgo?: PeerDidNumalgo
  label?: string
}

export interface ReceivedBasicMessage {
  content: string
  sentTime?: string
}

export interface WaitOptions {
  timeoutMs?: number
}

export interface AgentDescription {
  /** Agent family, as named on the command line (`reference`, `acapy`, …). */
  name: string
  version: string
}

export interface Backchannel {
  /** Agent family, e.g. `reference`. */
  readonly name: string
  /** Unique per process in a run, e.g. `reference-1`, used in logs and reports. */
  readonly instance: string

  start(): Promise<void>
  stop(): Promise<void>
  describe(): Promise<AgentDescription>

  createInvitation(options?: CreateInvitationOptions): Promise<InvitationResult>
  /** Accepts the invitation (object or URL) and starts the handshake; returns the new connection id. */
  receiveInvitation(invitation: Record<string, unknown> | string, options?: ReceiveInvitationOptions): Promise<string>
  /** The connection this agent made from its own invitation, once the invitee's request arrived. */
  waitForConnectionFromInvitation(invitationId: string, options?: WaitOptions): Promise<string>
  waitForConnectionState(connectionId: string, state: ConnectionState, options?: WaitOptions): Promise<ConnectionInfo>
  getConnection(connectionId: string): Promise<ConnectionInfo>

  /** Sends a trust ping asking for a response; returns the ping's `@id`. */
  sendTrustPing(connectionId: string): Promise<string>
  waitForTrustPingResponse(connectionId: string, pingId: string, options?: WaitOptions): Promise<void>
  sendBasicMessage(connectionId: string, content: string): Promise<void>
  waitForBasicMessage(connectionId: string, content: string, options?: WaitOptions): Promise<ReceivedBasicMessage>

  /**
   * RFC 0794, rotating party: rotates the connection to a fresh DID of the agent's own making, or to
   * `toDid` where the agent accepts one. Resolves once the rotate is sent, with the DID announced.
   */
  rotate(connectionId: string, options?: { toDid?: string }): Promise<{ newDid: string }>
  /** RFC 0794: ends the relationship with a hangup. */
  hangup(connectionId: string): Promise<void>
  /** Waits until the agent uses `did` as its own DID on the connection (the rotating side, after the ack). */
  waitForMyDid(connectionId: string, did: string, options?: WaitOptions): Promise<ConnectionInfo>
  /** RFC 0794, observing party: waits until the agent shows it has processed a hangup on the connection. */
  waitForHangupProcessed(connectionId: string, options?: WaitOptions): Promise<void>

  /** The last lines of the agent's own log, for failure evidence (never containing secrets). */
  logTail(lines?: number): Promise<string>
}

export const DEFAULT_WAIT_MS = 10_000

/** The states a handshake passes through in order; `abandoned` can follow any of them. */
export const CONNECTION_STATE_ORDER: readonly ConnectionState[] = ['invitation', 'request', 'response', 'completed']

/**
 * Whether a connection in state `current` has reached `wanted`. Reaching `abandoned` while waiting
 * for anything else is an error that says why, so a wait fails at once instead of timing out.
 */
export function hasReachedState(
  current: ConnectionState,
  wanted: ConnectionState,
  describe: { connectionId: string; agent: string; problem?: string },
): boolean {
  if (current === 'abandoned' && wanted !== 'abandoned') {
    const why = describe.problem || 'no reason given'
    throw new Error(`connection ${describe.connectionId} at ${describe.agent} was abandoned: ${why}`)
  }
  if (current === wanted) return true
  const order = CONNECTION_STATE_ORDER
  return wanted !== 'abandoned' && order.indexOf(current) > order.indexOf(wanted)
}
