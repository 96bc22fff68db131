import type { ReferenceAgent } from '../../agents/reference/agent.js'
import { sendBasicMessage } from '../../agents/reference/protocols/basicMessage.js'
import { sendTrustPing } from '../../agents/reference/protocols/trustPing.js'
import { receivedBasicMessage, type ReceivedBasicMessage, type WaitOptions } from '../../contract/connections.js'
import type { Messaging } from '../capabilities.js'
import type { ReferenceInstrument } from './instrument.js'

export class ReferenceMessaging implements Messaging {
  constructor(
    private readonly agent: ReferenceAgent,
    private readonly instrument: ReferenceInstrument,
    private readonly instance: string,
  ) {}

  sendTrustPing(connectionId: string): Promise<string> {
    return sendTrustPing(this.agent, connectionId)
  }

  async waitForTrustPingResponse(connectionId: string, pingId: string, options: WaitOptions = {}): Promise<void> {
    await this.instrument.waitForAny(
      (e) =>
        e.direction === 'inbound' &&
        e.connectionId === connectionId &&
        e.thid === pingId &&
        e.type.endsWith('/ping_response'),
      `a trust ping response to ${pingId} at ${this.instance}`,
      options,
    )
  }

  async sendBasicMessage(connectionId: string, content: string): Promise<void> {
    await sendBasicMessage(this.agent, connectionId, content)
  }

  async waitForBasicMessage(
    connectionId: string,
    content: string,
    options: WaitOptions = {},
  ): Promise<ReceivedBasicMessage> {
    const entry = await this.instrument.waitForAny(
      (e) =>
        e.direction === 'inbound' &&
        e.connectionId === connectionId &&
        e.type.endsWith('basicmessage/1.0/message') &&
        e.message.content === content,
      `basic message "${content}" on connection ${connectionId} at ${this.instance}`,
      options,
    )
    return receivedBasicMessage(content, entry.message.sent_time)
  }
}
