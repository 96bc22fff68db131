import type { TraceEntry } from '../contract/trace.js'
import type { Evidence, LedgerEvent } from '../contract/evidence.js'

/** A lane of the sequence diagram: an agent instance and the roles it plays. */
export interface Participant {
  instance: string
  roles: string[]
  /** A reference agent, whose traffic is observed; the others are seen only through it. */
  observed: boolean
}

/** Stands for a sender or receiver that no participant's keys or endpoints identify. */
export const UNKNOWN = '(unknown)'

/** The lanes of the ledger: the pool, and the harness that writes NYMs to it and reads back from it. */
export const LEDGER = 'Indy ledger'
export const HARNESS = 'harness'

/**
 * One message on the wire, as the sending and/or receiving reference agent recorded it: the schema
 * check is the receiver's, the fault and delivery result the sender's.
 */
export type FlowMessage = Pick<
  TraceEntry,
  'type' | 'id' | 'thid' | 'pthid' | 'message' | 'envelope' | 'schema' | 'fault' | 'delivery' | 'time'
> & { from: string; to: string }

export interface MessageFlow {
  participants: Participant[]
  messages: FlowMessage[]
}

/**
 * Turns a failed scenario's trace into who sent what to whom. The trace holds only what reference
 * agents saw, each message once per reference agent that sent or received it: a message between two
 * reference agents is recorded twice and drawn once. The other end of a message is the participant
 * whose keys or endpoint the envelope names, else the one participant that is not observed.
 */
export function messageFlow(evidence: Evidence): MessageFlow {
  const observed = new Set(evidence.trace.map((e) => e.agent))
  const participants = new Map<string, Participant>()
  for (const [role, instance] of Object.entries(evidence.roles)) {
    const p = participants.get(instance) ?? { instance, roles: [], observed: observed.has(instance) }
    p.roles.push(role)
    participants.set(instance, p)
  }
  for (const instance of observed) {
    if (!participants.has(instance)) participants.set(instance, { instance, roles: [], observed: true })
  }
  const keys = new Map<string, Set<string>>()
  const endpoints = new Map<string, Set<string>>()
  const remember = (map: Map<string, Set<string>>, instance: string, value: string | undefined) => {
    if (!value) return
    const set = map.get(instance) ?? new Set<string>()
    set.add(value)
    map.set(instance, set)
  }
  for (const e of evidence.trace) {
    if (e.direction === 'outbound') remember(keys, e.agent, e.envelope.senderKey)
    else {
      remember(keys, e.agent, e.envelope.recipientKey)
      remember(endpoints, e.agent, e.envelope.endpoint)
    }
  }
  const unobserved = [...participants.values()].filter((p) => !p.observed).map((p) => p.instance)
  const owner = (self: string, key: string | undefined, endpoint?: string): string => {
    for (const instance of observed) {
      if (instance === self) continue
      if ((key && keys.get(instance)?.has(key)) || (endpoint && endpoints.get(instance)?.has(endpoint))) {
        return instance
      }
    }
    if (unobserved.length === 1) return unobserved[0] as string
    const others = [...participants.keys()].filter((i) => i !== self)
    return others.length === 1 ? (others[0] as string) : UNKNOWN
  }

  const messages: FlowMessage[] = []
  const awaitingReceipt: FlowMessage[] = []
  for (const e of [...evidence.trace].sort((a, b) => a.seq - b.seq)) {
    if (e.direction === 'outbound') {
      const m = fromEntry(e, e.agent, owner(e.agent, e.envelope.recipientKey, e.envelope.endpoint))
      m.fault = e.fault
      m.delivery = e.delivery
      messages.push(m)
      awaitingReceipt.push(m)
      continue
    }
    const sent = awaitingReceipt.findIndex((m) => m.id === e.id && m.type === e.type && m.to === e.agent)
    if (sent >= 0) {
      const [m] = awaitingReceipt.splice(sent, 1)
      if (m) m.schema = e.schema
    } else {
      const m = fromEntry(e, owner(e.agent, e.envelope.senderKey), e.agent)
      m.schema = e.schema
      messages.push(m)
    }
  }
  if (messages.some((m) => m.from === UNKNOWN || m.to === UNKNOWN)) {
    participants.set(UNKNOWN, { instance: UNKNOWN, roles: [], observed: false })
  }
  const ledger = (evidence.ledger ?? []).map(ledgerMessage)
  if (ledger.length === 0) return { participants: [...participants.values()], messages }
  for (const lane of [HARNESS, LEDGER]) participants.set(lane, { instance: lane, roles: [], observed: false })
  // ISO times of one clock: the wire and the ledger interleave as they happened.
  const all = [...messages, ...ledger].sort((a, b) => a.time.localeCompare(b.time))
  return { participants: [...participants.values()], messages: all }
}

/** A write of the harness's to the ledger, or what the ledger answered a read-back, as an arrow between the two lanes. */
function ledgerMessage(e: LedgerEvent, n: number): FlowMessage {
  return {
    from: e.direction === 'write' ? HARNESS : LEDGER,
    to: e.direction === 'write' ? LEDGER : HARNESS,
    type: `${e.op} ${e.subject}${e.result === null ? ': not on the ledger' : ''}`,
    id: `ledger-${n + 1}`,
    message: { op: e.op, subject: e.subject, result: e.result },
    envelope: { alg: 'plaintext', recipientKeys: [] },
    time: e.time,
  }
}

function fromEntry(e: TraceEntry, from: string, to: string): FlowMessage {
  return {
    from,
    to,
    type: e.type,
    id: e.id,
    ...(e.thid ? { thid: e.thid } : {}),
    ...(e.pthid ? { pthid: e.pthid } : {}),
    message: e.message,
    envelope: e.envelope,
    time: e.time,
  }
}

/** Schema failures among the messages, unless the sender broke the message on purpose. */
export function schemaViolations(flow: MessageFlow): FlowMessage[] {
  return flow.messages.filter((m) => m.schema && !m.schema.valid && !m.fault)
}

/** A delivery that did not reach the receiver (an HTTP error status or a transport error). */
export function deliveryFailed(m: FlowMessage): boolean {
  return m.delivery !== undefined && !/^HTTP 2\d\d$/.test(m.delivery)
}
