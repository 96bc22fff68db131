import { receivedBasicMessage, type ReceivedBasicMessage, type WaitOptions } from '../../contract/connections.js'
import type { Messaging } from '../capabilities.js'
import { waitForCredoEvent, type CredoChannel } from './waits.js'

export class CredoMessaging implements Messaging {
  constructor(
    private readonly agent: CredoChannel,
    private readonly instance: string,
  ) {}

  async sendTrustPing(connectionId: string): Promise<string> {
    return (await this.agent.request('sendTrustPing', { connectionId })).pingId
  }

  async waitForTrustPingResponse(connectionId: string, pingId: string, options: WaitOptions = {}): Promise<void> {
    await waitForCredoEvent(
      this.agent,
      (e) => (e.type === 'trust-ping-response' && e.threadId === pingId ? true : undefined),
      `the trust ping response to ${pingId} at ${this.instance} (connection ${connectionId})`,
      options,
    )
  }

  async sendBasicMessage(connectionId: string, content: string): Promise<void> {
    await this.agent.request('sendBasicMessage', { connectionId, content })
  }

  waitForBasicMessage(connectionId: string, content: string, options: WaitOptions = {}): Promise<ReceivedBasicMessage> {
    return waitForCredoEvent(
      this.agent,
      (e) =>
        e.type === 'basic-message' && e.connectionId === connectionId && e.content === content
          ? receivedBasicMessage(content, e.sentTime)
          : undefined,
      `basic message "${content}" on connection ${connectionId} at ${this.instance}`,
      options,
    )
  }
}
