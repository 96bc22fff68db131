import type { ReferenceAgent } from '../../agents/reference/agent.js'
import type { ConnectionRecord } from '../../agents/reference/connections.js'
import { DEFAULT_WAIT_MS, type ConnectionInfo, type WaitOptions } from '../../contract/connections.js'

/**
 * Waits until a connection of the reference agent satisfies `done`: its current record first, then
 * every change after it. The error on timeout names the connection's state and the traffic seen.
 */
export function waitForConnection(
  agent: ReferenceAgent,
  done: (c: ConnectionRecord) => boolean,
  awaited: string,
  options: WaitOptions,
  connectionId?: string,
): Promise<ConnectionRecord> {
  const changes = agent.connections.changes
  const since = changes.mark()
  const current = connectionId ? agent.connections.get(connectionId) : agent.connections.find(done)
  if (current && done(current)) return Promise.resolve(current)
  const traffic = agent.tap.log.mark()
  return changes.waitFor({
    pick: (c) => (done(c) ? c : undefined),
    since,
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
    awaited,
    seen: () => {
      const state = connectionId ? `state ${agent.connections.get(connectionId)?.state}; ` : ''
      return `${state}${agent.tap.log.recent(traffic)}`
    },
  })
}

export function toInfo(c: ConnectionRecord): ConnectionInfo {
  return {
    id: c.id,
    state: c.state,
    ...(c.myDid ? { myDid: c.myDid } : {}),
    ...(c.theirDid ? { theirDid: c.theirDid } : {}),
    ...(c.theirLabel ? { theirLabel: c.theirLabel } : {}),
  }
}
