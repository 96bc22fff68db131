import type { ReferenceAgent } from '../../agents/reference/agent.js'
import { packMessage } from '../../agents/reference/didcomm/envelope.js'
import { postEnvelope } from '../../agents/reference/didcomm/transport.js'
import { verifyAttachment } from '../../agents/reference/protocols/signedAttachment.js'
import { DEFAULT_WAIT_MS, type WaitOptions } from '../../contract/connections.js'
import type { Fault } from '../../contract/faults.js'
import type { TraceEntry } from '../../contract/trace.js'
import { isDidCommMessage } from '../../didcomm/message.js'
import type { DidCommRoute, Instrument } from '../capabilities.js'

/** The reference agent's trace, faults and raw sends, scoped to the scenario that began last. */
export class ReferenceInstrument implements Instrument {
  private scenarioMark = 0

  constructor(private readonly agent: ReferenceAgent) {}

  beginScenario(): void {
    // A fault left armed or a message left held by an earlier scenario must not leak into this one.
    this.agent.faults.clear()
    // So is an automatic endorsement role taken for an earlier scenario's connections.
    this.agent.transactions.takeJobOnNewConnections(undefined)
    this.scenarioMark = this.agent.tap.log.mark()
  }

  trace(direction?: TraceEntry['direction']): TraceEntry[] {
    const entries = this.traceSince(this.scenarioMark)
    return direction ? entries.filter((e) => e.direction === direction) : entries
  }

  mark(): number {
    return this.agent.tap.log.mark()
  }

  traceSince(mark: number): TraceEntry[] {
    return this.agent.tap.log.since(mark)
  }

  traceOfConnection(connectionId: string): TraceEntry[] {
    return this.agent.tap.log.all().filter((e) => e.connectionId === connectionId)
  }

  waitForTrace(
    direction: TraceEntry['direction'],
    match: (e: TraceEntry) => boolean,
    awaited: string,
    options: WaitOptions = {},
  ): Promise<TraceEntry> {
    return this.waitFor((e) => e.direction === direction && match(e), awaited, options, this.scenarioMark)
  }

  /** Waits for a message in the whole trace, for the capabilities the reference agent answers with it. */
  waitForAny(match: (e: TraceEntry) => boolean, awaited: string, options: WaitOptions = {}): Promise<TraceEntry> {
    return this.waitFor(match, awaited, options, 0)
  }

  arm(fault: Fault, messageType: string): void {
    this.agent.faults.arm(fault, messageType)
  }

  release(): Promise<void> {
    return this.agent.faults.release()
  }

  route(did: string): Promise<DidCommRoute> {
    return this.agent.dids.resolveDidCommTarget(did)
  }

  async resolve(did: string): Promise<Record<string, unknown>> {
    return (await this.agent.dids.resolve(did)) as unknown as Record<string, unknown>
  }

  async sendOnConnection(connectionId: string, message: Record<string, unknown>, theirDid?: string): Promise<void> {
    await this.agent.sendOnConnection(this.agent.connections.require(connectionId), asMessage(message), theirDid)
  }

  async sendPastHangup(connectionId: string, message: Record<string, unknown>): Promise<void> {
    const connection = this.agent.connections.require(connectionId)
    const route = await this.agent.dids.resolveDidCommTarget(connection.theirDid as string)
    await this.agent.send(asMessage(message), route, {
      senderVerkey: this.agent.verkeyOfMyDid(connection.myDid as string),
      connectionId: connection.id,
    })
  }

  sendToKey(endpoint: string, recipientVerkey: string, message: Record<string, unknown>): Promise<number> {
    const packed = packMessage(JSON.stringify(asMessage(message)), [recipientVerkey])
    return postEnvelope(endpoint, packed, this.agent.options.deliveryTimeoutMs)
  }

  postEnvelope(endpoint: string, envelope: unknown): Promise<number> {
    return postEnvelope(endpoint, envelope, this.agent.options.deliveryTimeoutMs)
  }

  verifySignedAttachment(attachment: unknown, verkey: string): string {
    return verifyAttachment(attachment, verkey)
  }

  private waitFor(
    match: (e: TraceEntry) => boolean,
    awaited: string,
    options: WaitOptions,
    since: number,
  ): Promise<TraceEntry> {
    return this.agent.tap.log.waitFor({
      pick: (e) => (match(e) ? e : undefined),
      since,
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited,
    })
  }
}

function asMessage(message: Record<string, unknown>) {
  if (!isDidCommMessage(message)) throw new Error('a DIDComm message needs a string @type and @id')
  return message
}
