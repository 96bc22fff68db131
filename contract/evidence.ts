import type { TraceEntry } from './trace.js'

/** Attachments of this media type carry a failed scenario's evidence; the runner files them. */
export const EVIDENCE_MEDIA_TYPE = 'application/vnd.didcomm-conformance.evidence+json'

/** Attachments of this media type say why a scenario could not be run with the agents assigned to it. */
export const UNTESTED_MEDIA_TYPE = 'application/vnd.didcomm-conformance.untested+text'

/** Attachments of this media type say that an agent of the scenario died or hung (an AgentFailure, as JSON). */
export const AGENT_FAILURE_MEDIA_TYPE = 'application/vnd.didcomm-conformance.agent-failure+json'
/** A duration a step measured (a Measurement), kept with the scenario in the cucumber reports for benchmarks. */
export const MEASUREMENT_MEDIA_TYPE = 'application/vnd.didcomm-conformance.measurement+json'

export interface Measurement {
  name: string
  ms: number
}

/** A failed scenario's evidence file: who played which role, what the reference agents saw, and the logs. */
export interface Evidence {
  /** Role → agent instance. */
  roles: Record<string, string>
  /** The decrypted messages every reference agent in the scenario sent and received, in order. */
  trace: TraceEntry[]
  /** Agent instance → the tail of its log. */
  logs: Record<string, string>
  /** What the scenario's checks saw beyond the wire (admin calls under each credential and their answers). */
  observations?: string[]
  /** What the harness wrote to the run's Indy ledger and read back from it during the scenario, in order. */
  ledger?: LedgerEvent[]
}

/** One request of the harness's own to the Indy ledger: a NYM the trustee wrote, or a read-back. */
export interface LedgerEvent {
  time: string
  direction: 'write' | 'read'
  /** The ledger request: `NYM`, `GET_SCHEMA`, `GET_TXN`, … */
  op: string
  /** What it was about: a DID, a schema id, a sequence number. */
  subject: string
  /** What the ledger answered, or null for "not on the ledger". */
  result: unknown
}
