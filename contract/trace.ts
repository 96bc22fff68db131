/** The decrypted messages the reference agent saw, as kept in traces, evidence files and reports. */
export type PackAlg = 'Authcrypt' | 'Anoncrypt'

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
