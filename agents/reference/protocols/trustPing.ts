import type { ReferenceAgent } from '../agent.js'
import { newMessage } from '../../../didcomm/message.js'
import { MessageTypes } from '../../../didcomm/messageType.js'

/** Trust ping 1.0: answers pings that ask for a response, on the connection they came in on. */
export function registerTrustPing(agent: ReferenceAgent): void {
  agent.register('trust_ping', 1, 'ping', async (ctx) => {
    const connection = ctx.connection
    if (!connection) return
    // RFC 0023: a responder may take any message after its response as completing the exchange.
    if (connection.role === 'responder' && connection.state === 'response') {
      await agent.connections.update(connection.id, { state: 'completed' })
    }
    if (ctx.message.response_requested === false) return
    const response = newMessage(MessageTypes.trustPingResponse, {}, { thid: ctx.message['@id'] })
    await agent.sendOnConnection(connection, response)
  })
  agent.register('trust_ping', 1, 'ping_response', async () => undefined)
}

export async function sendTrustPing(agent: ReferenceAgent, connectionId: string): Promise<string> {
  const ping = newMessage(MessageTypes.trustPing, { response_requested: true })
  await agent.sendOnConnection(agent.connections.require(connectionId), ping)
  return ping['@id']
}
