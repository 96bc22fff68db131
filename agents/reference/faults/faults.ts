import type { Fault } from '../../../contract/faults.js'

export type { Fault }

/** Faults that change how an inbound message is handled rather than what goes on the wire. */
const BEHAVIOUR_FAULTS: ReadonlySet<Fault['name']> = new Set([
  'refuse-rotate',
  'endorse-another-request',
  'endorse-on-connection',
  'refuse-ledger-write',
])

interface Armed {
  fault: Fault
  /** Matches the message type's `protocol/name` (e.g. `didexchange/response`), or any type if absent. */
  messageType?: string
}

export class FaultInjector {
  private armed: Armed[] = []
  private held: Array<() => Promise<void>> = []

  arm(fault: Fault, messageType?: string): void {
    this.armed.push({ fault, ...(messageType ? { messageType } : {}) })
  }

  /**
   * Removes and returns the faults armed for a message of this `protocol/name`: the wire faults for an
   * outbound message, or (`behaviour`) the handling faults for an inbound one; only those `applies`
   * takes for this message, the others stay armed.
   */
  take(
    protocolAndName: string,
    kind: 'wire' | 'behaviour' = 'wire',
    applies: (f: Fault) => boolean = () => true,
  ): Fault[] {
    const hit = this.armed.filter(
      (a) =>
        (!a.messageType || a.messageType === protocolAndName) &&
        BEHAVIOUR_FAULTS.has(a.fault.name) === (kind === 'behaviour') &&
        applies(a.fault),
    )
    this.armed = this.armed.filter((a) => !hit.includes(a))
    return hit.map((a) => a.fault)
  }

  hold(deliver: () => Promise<void>): void {
    this.held.push(deliver)
  }

  heldCount(): number {
    return this.held.length
  }

  /** Delivers every held message, in the order they were held. */
  async release(): Promise<void> {
    const queue = this.held
    this.held = []
    for (const deliver of queue) await deliver()
  }

  clear(): void {
    this.armed = []
    this.held = []
  }
}

/** Applies the field faults to a copy of the message; path segments are separated by dots. */
export function applyFieldFaults(message: Record<string, unknown>, faults: Fault[]): Record<string, unknown> {
  const copy = structuredClone(message)
  for (const fault of faults) {
    if (fault.name !== 'set-field' && fault.name !== 'drop-field' && fault.name !== 'corrupt-field') continue
    const segments = fault.path.split('.')
    const last = segments.pop() as string
    let parent: Record<string, unknown> = copy
    for (const s of segments) {
      const next = parent[s]
      if (next === undefined && fault.name === 'set-field') parent[s] = {}
      else if (!next || typeof next !== 'object') throw new Error(`fault ${fault.name}: no field ${fault.path}`)
      parent = parent[s] as Record<string, unknown>
    }
    if (fault.name === 'set-field') parent[last] = fault.value
    else if (fault.name === 'drop-field') delete parent[last]
    else parent[last] = corrupt(parent[last], fault.path)
  }
  return copy
}

/**
 * Changes a value while keeping its shape: a string keeps its length and alphabet (one character
 * swapped), so the message still parses and only the check that reads the value can catch it.
 */
function corrupt(value: unknown, path: string): unknown {
  if (typeof value === 'string' && value.length > 0) {
    const i = Math.floor(value.length / 2)
    const c = value[i] === 'A' ? 'B' : 'A'
    return value.slice(0, i) + c + value.slice(i + 1)
  }
  if (typeof value === 'number') return value + 1
  if (typeof value === 'boolean') return !value
  throw new Error(`fault corrupt-field: ${path} is not a string, number or boolean`)
}
