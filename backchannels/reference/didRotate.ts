import type { ReferenceAgent } from '../../agents/reference/agent.js'
import { hangup, rotate } from '../../agents/reference/protocols/didRotate.js'
import type { ConnectionInfo, WaitOptions } from '../../contract/connections.js'
import { sameDid } from '../../didcomm/dids.js'
import type { DidRotate } from '../capabilities.js'
import { toInfo, waitForConnection } from './waits.js'

export class ReferenceDidRotate implements DidRotate {
  constructor(
    private readonly agent: ReferenceAgent,
    private readonly instance: string,
  ) {}

  async rotate(connectionId: string, options: { toDid?: string } = {}): Promise<{ newDid: string }> {
    const { newDid } = await rotate(this.agent, connectionId, options)
    return { newDid }
  }

  async hangup(connectionId: string): Promise<void> {
    await hangup(this.agent, connectionId)
  }

  async waitForMyDid(connectionId: string, did: string, options: WaitOptions = {}): Promise<ConnectionInfo> {
    const record = await waitForConnection(
      this.agent,
      (c) => c.id === connectionId && sameDid(c.myDid, did),
      `connection ${connectionId} at ${this.instance} to use ${did} as its own DID`,
      options,
      connectionId,
    )
    return toInfo(record)
  }

  async waitForHangupProcessed(connectionId: string, options: WaitOptions = {}): Promise<void> {
    await waitForConnection(
      this.agent,
      (c) => c.id === connectionId && c.hungUp === 'received',
      `connection ${connectionId} at ${this.instance} to end with the hangup received`,
      options,
      connectionId,
    )
  }
}
