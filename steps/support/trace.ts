import type { TraceEntry } from '../../agents/reference/didcomm/tap.js'
import type { ConformanceWorld } from './world.js'

/** A message type of any minor version of major 1: `did-rotate`, `ack` → /did-rotate/1.x/ack. */
export function typePattern(protocol: string, ...names: string[]): RegExp {
  return new RegExp(`/${protocol}/1\\.\\d+/(${names.join('|')})$`)
}

/** Waits for a message the reference agent in `role` received during this scenario. */
export function receivedBy(
  world: ConformanceWorld,
  role: string,
  match: (e: TraceEntry) => boolean,
  awaited: string,
): Promise<TraceEntry> {
  const reference = world.reference(role)
  const mark = world.marks.get(reference.instance) ?? 0
  return reference.waitForInbound((e) => e.seq > mark && match(e), `${awaited} at the ${role}`, {
    timeoutMs: world.timeoutMs,
  })
}

/** The messages the reference agent in `role` sent (or received) during this scenario, oldest first. */
export function tracedBy(world: ConformanceWorld, role: string, direction: TraceEntry['direction']): TraceEntry[] {
  const reference = world.reference(role)
  return reference.agent.tap.since(world.marks.get(reference.instance) ?? 0).filter((e) => e.direction === direction)
}

/** The keys a reference agent resolves for a DID, to compare with envelope sender and recipient keys. */
export async function keysOf(world: ConformanceWorld, role: string, did: string) {
  return world.reference(role).agent.dids.resolveDidCommTarget(did)
}
