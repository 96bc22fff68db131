import type { ConnectionInfo, WaitOptions } from '../../contract/connections.js'
import { sameDid } from '../../didcomm/dids.js'
import type { DidRotate } from '../capabilities.js'
import { toInfo, waitForCredoEvent, type CredoChannel } from './waits.js'

export class CredoDidRotate implements DidRotate {
  constructor(
    private readonly agent: CredoChannel,
    private readonly instance: string,
  ) {}

  /** Credo makes the new DID itself (a did:peer:4 on its endpoint) unless told which of its DIDs to use. */
  rotate(connectionId: string, options: { toDid?: string } = {}): Promise<{ newDid: string }> {
    return this.agent.request('rotate', { connectionId, ...(options.toDid ? { toDid: options.toDid } : {}) })
  }

  async hangup(connectionId: string): Promise<void> {
    await this.agent.request('hangup', { connectionId })
  }

  async waitForMyDid(connectionId: string, did: string, options: WaitOptions = {}): Promise<ConnectionInfo> {
    const current = toInfo(await this.agent.request('getConnection', { connectionId }))
    if (sameDid(current.myDid, did)) return current
    await waitForCredoEvent(
      this.agent,
      (e) =>
        e.type === 'did-rotated' && e.connectionId === connectionId && sameDid(e.ourDid?.to, did) ? true : undefined,
      `connection ${connectionId} at ${this.instance} to use ${did} as its own DID`,
      options,
    )
    return toInfo(await this.agent.request('getConnection', { connectionId }))
  }

  /** Credo forgets the peer's DID when a hangup arrives and reports it as a rotation to no DID. */
  async waitForHangupProcessed(connectionId: string, options: WaitOptions = {}): Promise<void> {
    if (!(await this.agent.request('getConnection', { connectionId })).theirDid) return
    await waitForCredoEvent(
      this.agent,
      (e) => (e.type === 'did-rotated' && e.connectionId === connectionId && !e.theirDid?.to ? true : undefined),
      `connection ${connectionId} at ${this.instance} to end with the hangup received`,
      options,
    )
  }
}
