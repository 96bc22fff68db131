import type { CredoAgentProcess } from '../../agents/credo/launcher.js'
import type { CredoConnection, CredoEvent } from '../../agents/credo/protocol.js'
import {
  DEFAULT_WAIT_MS,
  type ConnectionInfo,
  type ConnectionState,
  type WaitOptions,
} from '../../contract/connections.js'

/** What the capabilities drive: the whole agent's process, or one tenant's requests and events on it. */
export type CredoChannel = Pick<CredoAgentProcess, 'request' | 'events'>

/** One tenant of an agent started with tenants: its requests carry its id, its events are its own. */
export function tenantChannel(agent: CredoAgentProcess, tenantId: string): CredoChannel {
  return {
    request: (method, params, timeoutMs) => agent.request(method, { ...params, tenantId }, timeoutMs),
    events: agent.events.view((e) => e.tenantId === tenantId),
  }
}

/** Credo's DidExchangeState (`request-sent`, `response-received`, …) as the RFC 0023 state it is in. */
export function connectionStateOf(state: string): ConnectionState {
  if (state === 'completed' || state === 'abandoned') return state
  if (state.startsWith('request-')) return 'request'
  if (state.startsWith('response-')) return 'response'
  return 'invitation'
}

export function toInfo(c: CredoConnection): ConnectionInfo {
  return {
    id: c.id,
    state: connectionStateOf(c.state),
    ...(c.did ? { myDid: c.did } : {}),
    ...(c.theirDid ? { theirDid: c.theirDid } : {}),
    ...(c.theirLabel ? { theirLabel: c.theirLabel } : {}),
  }
}

/**
 * The first event, already received or still to come, for which `pick` gives a value; fails at once,
 * with the reason and the log tail, if the agent process goes away meanwhile.
 */
export function waitForCredoEvent<T>(
  agent: CredoChannel,
  pick: (e: CredoEvent) => T | undefined,
  awaited: string,
  options: WaitOptions,
): Promise<T> {
  return agent.events.waitFor({ pick, timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS, awaited })
}
