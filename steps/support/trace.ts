import type { TraceEntry } from '../../contract/trace.js'
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
  return world.instrument(role).waitForTrace('inbound', match, `${awaited} at the ${role}`, world.wait)
}

/** The messages the reference agent in `role` sent (or received) during this scenario, oldest first. */
export function tracedBy(world: ConformanceWorld, role: string, direction: TraceEntry['direction']): TraceEntry[] {
  return world.instrument(role).trace(direction)
}

/** The keys and endpoint a reference agent resolves for a DID, to compare with envelope facts. */
export function keysOf(world: ConformanceWorld, role: string, did: string) {
  return world.instrument(role).route(did)
}
