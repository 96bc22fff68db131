import type { ReferenceAgent } from '../agent.js'
import { newMessage } from '../../../didcomm/message.js'
import { MessageTypes } from '../../../didcomm/messageType.js'

/** Basic message 1.0. Received messages need no action beyond the tap's record of them. */
export function registerBasicMessage(agent: ReferenceAgent): void {
  agent.register('basicmessage', 1, 'message', async () => undefined)
}

export async function sendBasicMessage(agent: ReferenceAgent, connectionId: string, content: string): Promise<void> {
  const message = newMessage(MessageTypes.basicMessage, { content, sent_time: new Date().toISOString() })
  await agent.sendOnConnection(agent.connections.require(connectionId), message)
}
