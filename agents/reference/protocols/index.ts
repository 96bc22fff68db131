import type { ReferenceAgent } from '../agent.js'
import { registerBasicMessage } from './basicMessage.js'
import { registerDidExchange } from './didExchange.js'
import { registerDidRotate } from './didRotate.js'
import { registerTransactions } from './transactions.js'
import { registerTrustPing } from './trustPing.js'

export function registerProtocols(agent: ReferenceAgent): void {
  registerDidExchange(agent)
  registerDidRotate(agent)
  registerTrustPing(agent)
  registerBasicMessage(agent)
  registerTransactions(agent)
  // Problem reports adopted by no protocol we speak are traced and otherwise left alone.
  agent.register('notification', 1, 'problem-report', async () => undefined)
  agent.register('report-problem', 1, 'problem-report', async () => undefined)
}
