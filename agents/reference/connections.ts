import { randomUUID } from 'node:crypto'
import { EventLog } from '../../common/eventLog.js'
import type { ConnectionState } from '../../contract/connections.js'
import type { AgentWallet } from './storage/wallet.js'

export interface ConnectionRecord {
  id: string
  role: 'requester' | 'responder'
  state: ConnectionState
  /** The out-of-band invitation `@id` this connection came from (the exchange's `pthid`). */
  invitationId: string
  /** The DID Exchange thread id (the request's `@id`). */
  threadId?: string
  /** The key the invitation named; the response's `did_rotate~attach` must be signed with it. */
  invitationKey?: string
  myDid?: string
  theirDid?: string
  theirLabel?: string
  /** This agent's own name for the connection, given when it accepted the invitation. */
  alias?: string
  previousMyDids: string[]
  previousTheirDids: string[]
  /** Why the connection was abandoned, when it was. */
  problem?: string
  /** RFC 0794, rotating side: the DID announced in a rotate whose ack has not arrived yet. */
  pendingRotation?: { did: string; threadId: string }
  /** RFC 0794: the relationship ended by a hangup this agent sent or received. */
  hungUp?: 'sent' | 'received'
}

/**
 * Connection records, persisted in the agent's Askar store (category `connection`) and kept in
 * memory for the lookups every inbound message needs. Every saved state goes into `changes`.
 */
export class ConnectionStore {
  private readonly records = new Map<string, ConnectionRecord>()
  readonly changes = new EventLog<ConnectionRecord>((r) => `connection ${r.id} ${r.state}`)

  constructor(private readonly wallet: AgentWallet) {}

  async create(
    fields: Omit<ConnectionRecord, 'id' | 'previousMyDids' | 'previousTheirDids'>,
  ): Promise<ConnectionRecord> {
    const record: ConnectionRecord = { id: randomUUID(), previousMyDids: [], previousTheirDids: [], ...fields }
    return this.save(record)
  }

  async update(id: string, changes: Partial<ConnectionRecord>): Promise<ConnectionRecord> {
    const record = { ...this.require(id), ...changes }
    return this.save(record)
  }

  get(id: string): ConnectionRecord | undefined {
    return this.records.get(id)
  }

  require(id: string): ConnectionRecord {
    const record = this.records.get(id)
    if (!record) throw new Error(`no connection ${id}`)
    return record
  }

  all(): ConnectionRecord[] {
    return [...this.records.values()]
  }

  find(predicate: (r: ConnectionRecord) => boolean): ConnectionRecord | undefined {
    return this.all().find(predicate)
  }

  /** The connection on which this agent uses `did`: current, announced in a pending rotation, or previous. */
  byMyDid(did: string): ConnectionRecord | undefined {
    return (
      this.find((r) => r.myDid === did || r.pendingRotation?.did === did) ??
      this.find((r) => r.previousMyDids.includes(did))
    )
  }

  private async save(record: ConnectionRecord): Promise<ConnectionRecord> {
    this.records.set(record.id, record)
    const tags: Record<string, string> = { state: record.state, role: record.role, invitationId: record.invitationId }
    if (record.threadId) tags.threadId = record.threadId
    await this.wallet.putRecord('connection', record.id, record, tags)
    this.changes.push(record)
    return record
  }
}
