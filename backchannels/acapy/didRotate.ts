import type { ConnectionInfo, WaitOptions } from '../../contract/connections.js'
import { sameDid } from '../../didcomm/dids.js'
import type { DidRotate } from '../capabilities.js'
import type { AdminApi } from './adminApi.js'
import { connectionInfo } from './connections.js'

export class AcapyDidRotate implements DidRotate {
  constructor(private readonly api: AdminApi) {}

  /** ACA-Py leaves making the new DID to its controller: a did:peer:4 on its own endpoint, then the rotate. */
  async rotate(connectionId: string, options: { toDid?: string } = {}): Promise<{ newDid: string }> {
    let newDid = options.toDid
    if (newDid === undefined) {
      const data = await this.api.post('create a did:peer:4', '/wallet/did/create', {
        method: 'did:peer:4',
        options: { key_type: 'ed25519' },
      })
      newDid = String((data.result as { did?: unknown } | undefined)?.did)
    }
    await this.api.post('send a rotate', `/did-rotate/${connectionId}/rotate`, { to_did: newDid })
    return { newDid }
  }

  async hangup(connectionId: string): Promise<void> {
    await this.api.post('send a hangup', `/did-rotate/${connectionId}/hangup`)
  }

  /** ACA-Py emits no event when a rotation completes, so the connection is polled (bounded). */
  async waitForMyDid(connectionId: string, did: string, options: WaitOptions = {}): Promise<ConnectionInfo> {
    const record = await this.api.pollConnection(
      connectionId,
      (r) => sameDid(typeof r.my_did === 'string' ? r.my_did : undefined, did),
      `connection ${connectionId} at ${this.api.instance} to use ${did} as its own DID`,
      options,
    )
    return connectionInfo(connectionId, record)
  }

  /** ACA-Py deletes the connection when a hangup arrives, and says so in a `connections` webhook. */
  async waitForHangupProcessed(connectionId: string, options: WaitOptions = {}): Promise<void> {
    await this.api.waitForWebhook(
      'connections',
      (p) => p.connection_id === connectionId && p.state === 'deleted',
      `connection ${connectionId} at ${this.api.instance} to end with the hangup received`,
      options,
    )
  }
}
