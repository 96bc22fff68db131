/** Connections as every agent family reports them, in the RFCs' own terms. */

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
  /** The invitation's service is this public DID of the agent (unqualified Indy DID, resolved from the ledger as did:sov). */
  publicDid?: string
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
  /** The invitee's own name for the connection (ACA-Py's alias), which its configuration may look it up by. */
  alias?: string
}

export interface ReceivedBasicMessage {
  content: string
  sentTime?: string
}

export interface WaitOptions {
  timeoutMs?: number
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

/** A basic message as received, with its `sent_time` only where the agent gave one as a string. */
export function receivedBasicMessage(content: string, sentTime: unknown): ReceivedBasicMessage {
  return { content, ...(typeof sentTime === 'string' ? { sentTime } : {}) }
}
