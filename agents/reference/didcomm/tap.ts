import { EventLog } from '../../../common/eventLog.js'
import type { TraceEntry } from '../../../contract/trace.js'

export type { TraceEntry }

/** Orders entries across every reference agent of the process, so traces of several agents merge in order. */
let lastSeq = 0

/**
 * Records every message the reference agent sends and receives, decrypted, with its envelope facts.
 * The harness reads it through the agent's `instrument`; waits are on its event log.
 */
export class MessageTap {
  readonly log = new EventLog<TraceEntry>((e) => `${e.direction} ${e.type}${e.thid ? ` thid=${e.thid}` : ''}`)

  record(entry: Omit<TraceEntry, 'seq' | 'time'>): TraceEntry {
    const full: TraceEntry = { seq: ++lastSeq, time: new Date().toISOString(), ...entry }
    this.log.push(full)
    return full
  }

  /** Re-labels entries recorded before their connection was known (e.g. a DID Exchange request). */
  assignConnection(entry: TraceEntry, connectionId: string): void {
    entry.connectionId = connectionId
  }
}
