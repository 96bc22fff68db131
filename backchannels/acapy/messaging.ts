import { receivedBasicMessage, type ReceivedBasicMessage, type WaitOptions } from '../../contract/connections.js'
import type { Messaging } from '../capabilities.js'
import type { AdminApi } from './adminApi.js'

export class AcapyMessaging implements Messaging {
  constructor(private readonly api: AdminApi) {}

  async sendTrustPing(connectionId: string): Promise<string> {
    const data = await this.api.post('send a trust ping', `/connections/${connectionId}/send-ping`, {
      comment: 'conformance',
    })
    return String(data.thread_id)
  }

  async waitForTrustPingResponse(connectionId: string, pingId: string, options: WaitOptions = {}): Promise<void> {
    await this.api.waitForWebhook(
      'ping',
      (p) => p.thread_id === pingId && p.state === 'response_received',
      `the trust ping response to ${pingId} at ${this.api.instance} (connection ${connectionId})`,
      options,
    )
  }

  async sendBasicMessage(connectionId: string, content: string): Promise<void> {
    await this.api.post('send a basic message', `/connections/${connectionId}/send-message`, { content })
  }

  async waitForBasicMessage(
    connectionId: string,
    content: string,
    options: WaitOptions = {},
  ): Promise<ReceivedBasicMessage> {
    const payload = await this.api.waitForWebhook(
      'basicmessages',
      (p) => p.connection_id === connectionId && p.content === content,
      `basic message "${content}" on connection ${connectionId} at ${this.api.instance}`,
      options,
    )
    return receivedBasicMessage(content, payload.sent_time)
  }
}
