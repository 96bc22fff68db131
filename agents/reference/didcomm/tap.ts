import { EventEmitter } from 'node:events'
import type { PackAlg } from './envelope.js'

/** What the envelope said about a message, beside the decrypted message itself. */
export interface EnvelopeFacts {
  alg: PackAlg | 'plaintext'
  senderKey?: string
  recipientKeys: string[]
  /** The key of ours that decrypted it (inbound) or the key it was packed for (outbound). */
  recipientKey?: string
  endpoint?: string
  contentType?: string
}

export interface SchemaCheck {
  schema: string | undefined
  valid: boolean
  errors: string[]
}

export interface TraceEntry {
  seq: number
  time: string
  agent: string
  direction: 'inbound' | 'outbound'
  connectionId?: string
  type: string
  id: string
  thid?: string
  pthid?: string
  message: Record<string, unknown>
  envelope: EnvelopeFacts
  /** Inbound only: the message checked against its JSON Schema. */
  schema?: SchemaCheck
  /** Outbound only: the named fault applied to it, if any. */
  fault?: string
  /** Outbound only: the HTTP status of the delivery, or the delivery error. */
  delivery?: string
}

/**
 * Records every message the reference agent sends and receives, decrypted, with its envelope facts.
 * Steps and failure reports read it; waits listen to its `entry` event.
 */
export class MessageTap extends EventEmitter {
  private readonly entries: TraceEntry[] = []
  private static seq = 0

  record(entry: Omit<TraceEntry, 'seq' | 'time'>): TraceEntry {
    const full: TraceEntry = { seq: ++MessageTap.seq, time: new Date().toISOString(), ...entry }
    this.entries.push(full)
    this.emit('entry', full)
    return full
  }

  /** Re-labels entries recorded before their connection was known (e.g. a DID Exchange request). */
  assignConnection(entry: TraceEntry, connectionId: string): void {
    entry.connectionId = connectionId
  }

  all(): readonly TraceEntry[] {
    return this.entries
  }

  forConnection(connectionId: string): TraceEntry[] {
    return this.entries.filter((e) => e.connectionId === connectionId)
  }

  since(seq: number): TraceEntry[] {
    return this.entries.filter((e) => e.seq > seq)
  }

  /** The highest sequence number so far; scenarios remember it to read only their own traffic. */
  mark(): number {
    return MessageTap.seq
  }
}
