/**
 * Deliberate misbehaviour of the reference agent, asked for by name in a scenario. A fault is armed
 * for the next outbound message of a given type (or any type) and applied once.
 */
export type Fault =
  | { name: 'anoncrypt' }
  | { name: 'set-field'; path: string; value: unknown }
  | { name: 'drop-field'; path: string }
  | { name: 'corrupt-field'; path: string }
  | { name: 'send-to-key'; verkey: string }
  | { name: 'send-to-endpoint'; endpoint: string }
  | { name: 'hold' }
  /** Behaviour, not wire: answer the next received rotate with this problem code instead of an ack. */
  | { name: 'refuse-rotate'; code: string }
  /**
   * Behaviour: the next endorsement returns, in place of the author's request, another author's request
   * for another schema, properly signed by that author and the endorser.
   */
  | { name: 'endorse-another-request' }
  /** Behaviour: the next endorsement goes over this other connection of the endorser's, not the request's. */
  | { name: 'endorse-on-connection'; connectionId: string }
  /** Behaviour: the automatic endorser refuses the next request for a ledger write of this txn type ('113'). */
  | { name: 'refuse-ledger-write'; txnType: string }

export function describeFault(fault: Fault): string {
  switch (fault.name) {
    case 'set-field':
      return `set-field ${fault.path}=${JSON.stringify(fault.value)}`
    case 'drop-field':
    case 'corrupt-field':
      return `${fault.name} ${fault.path}`
    case 'send-to-key':
      return `send-to-key ${fault.verkey}`
    case 'send-to-endpoint':
      return `send-to-endpoint ${fault.endpoint}`
    case 'refuse-rotate':
      return `refuse-rotate ${fault.code}`
    case 'endorse-on-connection':
      return `endorse-on-connection ${fault.connectionId}`
    case 'refuse-ledger-write':
      return `refuse-ledger-write ${fault.txnType}`
    default:
      return fault.name
  }
}
