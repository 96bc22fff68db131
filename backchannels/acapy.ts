import path from 'node:path'
import axios, { AxiosError, type AxiosInstance } from 'axios'
import { launchAcapy, type AcapyProcess } from '../agents/acapy/launcher.js'
import { parseInvitation } from '../agents/reference/protocols/outOfBand.js'
import { sameDid } from '../agents/reference/dids/compare.js'
import { pollUntil, waitForEvent } from '../common/waitFor.js'
import {
  CONNECTION_STATE_ORDER,
  DEFAULT_WAIT_MS,
  hasReachedState,
  type AgentDescription,
  type Backchannel,
  type ConnectionInfo,
  type ConnectionState,
  type CreateInvitationOptions,
  type InvitationResult,
  type ReceiveInvitationOptions,
  type ReceivedBasicMessage,
  type WaitOptions,
} from './backchannel.js'
import { WebhookReceiver, type WebhookEvent } from './webhookReceiver.js'

/** An ACA-Py that runs elsewhere: the harness reaches its admin API, and it posts webhooks to us. */
export interface ExternalAcapy {
  adminUrl: string
  apiKey?: string
  /** The port of our webhook receiver, which that ACA-Py's `--webhook-url` must point at. */
  webhookPort: number
}

/** RFC 0023 states as ACA-Py reports them in `rfc23_state` (e.g. `request-sent`, `completed`). */
export function connectionStateOf(record: Record<string, unknown>): ConnectionState | undefined {
  const rfc23 = String(record.rfc23_state ?? '')
  const state =
    CONNECTION_STATE_ORDER.find((s) => rfc23.startsWith(s)) ?? (rfc23 === 'abandoned' ? 'abandoned' : undefined)
  if (state) return state
  // Records from the connections 1.0 protocol have no rfc23_state.
  return record.state === 'active' || record.state === 'completed' ? 'completed' : undefined
}

/** ACA-Py driven through its admin API (axios), observed through its webhooks. */
export class AcapyBackchannel implements Backchannel {
  readonly name = 'acapy'
  private process?: AcapyProcess
  private http?: AxiosInstance
  private version = 'unknown'
  private readonly webhooks = new WebhookReceiver()

  constructor(
    readonly instance: string,
    private readonly runDir: string,
    private readonly external?: ExternalAcapy,
  ) {}

  async start(): Promise<void> {
    const webhookUrl = await this.webhooks.listen(this.external?.webhookPort ?? 0)
    try {
      if (this.external) {
        this.http = client(this.external.adminUrl, this.external.apiKey)
      } else {
        const runDir = path.join(this.runDir, 'agents')
        this.process = await launchAcapy({ label: this.instance, runDir, webhookUrl })
        this.http = client(this.process.adminUrl, this.process.apiKey)
      }
      const status = await this.api().get('/status')
      this.version = String(status.data.version ?? 'unknown')
    } catch (e) {
      await this.stop()
      throw e instanceof AxiosError ? new Error(`ACA-Py admin API at ${e.config?.baseURL}: ${e.message}`) : e
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop()
    this.process = undefined
    await this.webhooks.close()
  }

  async describe(): Promise<AgentDescription> {
    return { name: this.name, version: this.version }
  }

  async createInvitation(options: CreateInvitationOptions = {}): Promise<InvitationResult> {
    const body = {
      handshake_protocols: options.handshakeProtocols ?? ['https://didcomm.org/didexchange/1.1'],
      ...(options.label ? { my_label: options.label } : {}),
    }
    const { data } = await this.call('create an invitation', () =>
      this.api().post('/out-of-band/create-invitation', body, { params: { auto_accept: true } }),
    )
    const invitation = data.invitation as Record<string, unknown>
    return { invitation, url: String(data.invitation_url), invitationId: String(invitation['@id']) }
  }

  /**
   * ACA-Py 0.12 requests with did:peer:4 whenever it auto-accepts; did:peer:2 is only chosen on the
   * manual path (`accept-invitation` with `use_did_method`), so that is the path taken for it.
   */
  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: ReceiveInvitationOptions = {},
  ): Promise<string> {
    const manual = options.peerDidNumalgo === 2
    const { data } = await this.call('receive the invitation', () =>
      this.api().post('/out-of-band/receive-invitation', parseInvitation(invitation), {
        params: { auto_accept: !manual, use_existing_connection: false },
      }),
    )
    const connectionId = data.connection_id as string | undefined
    if (!connectionId) throw new Error(`ACA-Py made no connection from the invitation (state ${String(data.state)})`)
    if (manual) {
      await this.call('accept the invitation', () =>
        this.api().post(`/didexchange/${connectionId}/accept-invitation`, undefined, {
          params: { use_did_method: 'did:peer:2', ...(options.label ? { my_label: options.label } : {}) },
        }),
      )
    }
    return connectionId
  }

  async waitForConnectionFromInvitation(invitationId: string, options: WaitOptions = {}): Promise<string> {
    const event = await this.waitForWebhook(
      'connections',
      (p) => p.invitation_msg_id === invitationId && typeof p.connection_id === 'string',
      `a connection for invitation ${invitationId} at ${this.instance}`,
      options,
    )
    return String(event.payload.connection_id)
  }

  async waitForConnectionState(
    connectionId: string,
    state: ConnectionState,
    options: WaitOptions = {},
  ): Promise<ConnectionInfo> {
    const reached = (record: Record<string, unknown>) => {
      const current = connectionStateOf(record)
      const problem = typeof record.error_msg === 'string' ? record.error_msg : undefined
      return current !== undefined && hasReachedState(current, state, { connectionId, agent: this.instance, problem })
    }
    // A webhook may have arrived before this wait began; the record itself is the truth either way.
    const current = await this.connectionRecord(connectionId)
    if (!reached(current)) {
      await this.waitForWebhook(
        'connections',
        (p) => p.connection_id === connectionId && reached(p),
        `connection ${connectionId} at ${this.instance} to reach state ${state}`,
        options,
      )
    }
    return this.getConnection(connectionId)
  }

  async getConnection(connectionId: string): Promise<ConnectionInfo> {
    const record = await this.connectionRecord(connectionId)
    return {
      id: connectionId,
      state: connectionStateOf(record) ?? 'invitation',
      ...(typeof record.my_did === 'string' ? { myDid: record.my_did } : {}),
      ...(typeof record.their_did === 'string' ? { theirDid: record.their_did } : {}),
      ...(typeof record.their_label === 'string' ? { theirLabel: record.their_label } : {}),
    }
  }

  async sendTrustPing(connectionId: string): Promise<string> {
    const { data } = await this.call('send a trust ping', () =>
      this.api().post(`/connections/${connectionId}/send-ping`, { comment: 'conformance' }),
    )
    return String(data.thread_id)
  }

  async waitForTrustPingResponse(connectionId: string, pingId: string, options: WaitOptions = {}): Promise<void> {
    await this.waitForWebhook(
      'ping',
      (p) => p.thread_id === pingId && p.state === 'response_received',
      `the trust ping response to ${pingId} at ${this.instance} (connection ${connectionId})`,
      options,
    )
  }

  async sendBasicMessage(connectionId: string, content: string): Promise<void> {
    await this.call('send a basic message', () =>
      this.api().post(`/connections/${connectionId}/send-message`, { content }),
    )
  }

  async waitForBasicMessage(
    connectionId: string,
    content: string,
    options: WaitOptions = {},
  ): Promise<ReceivedBasicMessage> {
    const event = await this.waitForWebhook(
      'basicmessages',
      (p) => p.connection_id === connectionId && p.content === content,
      `basic message "${content}" on connection ${connectionId} at ${this.instance}`,
      options,
    )
    const sentTime = event.payload.sent_time
    return { content, ...(typeof sentTime === 'string' ? { sentTime } : {}) }
  }

  /** ACA-Py leaves making the new DID to its controller: a did:peer:4 on its own endpoint, then the rotate. */
  async rotate(connectionId: string, options: { toDid?: string } = {}): Promise<{ newDid: string }> {
    let newDid = options.toDid
    if (newDid === undefined) {
      const { data } = await this.call('create a did:peer:4', () =>
        this.api().post('/wallet/did/create', { method: 'did:peer:4', options: { key_type: 'ed25519' } }),
      )
      newDid = String(data.result?.did)
    }
    await this.call('send a rotate', () => this.api().post(`/did-rotate/${connectionId}/rotate`, { to_did: newDid }))
    return { newDid }
  }

  async hangup(connectionId: string): Promise<void> {
    await this.call('send a hangup', () => this.api().post(`/did-rotate/${connectionId}/hangup`))
  }

  /** ACA-Py emits no event when a rotation completes, so the connection is polled (bounded). */
  async waitForMyDid(connectionId: string, did: string, options: WaitOptions = {}): Promise<ConnectionInfo> {
    await this.pollConnection(
      connectionId,
      (record) => sameDid(typeof record.my_did === 'string' ? record.my_did : undefined, did),
      `connection ${connectionId} at ${this.instance} to use ${did} as its own DID`,
      options,
    )
    return this.getConnection(connectionId)
  }

  /** ACA-Py deletes the connection when a hangup arrives, and says so in a `connections` webhook. */
  async waitForHangupProcessed(connectionId: string, options: WaitOptions = {}): Promise<void> {
    await this.waitForWebhook(
      'connections',
      (p) => p.connection_id === connectionId && p.state === 'deleted',
      `connection ${connectionId} at ${this.instance} to end with the hangup received`,
      options,
    )
  }

  async logTail(lines = 40): Promise<string> {
    return this.process ? this.process.logTail(lines) : '(ACA-Py runs elsewhere; its log is not available here)'
  }

  /** Polls the admin API where ACA-Py emits no webhook for a change. */
  async pollConnection(
    connectionId: string,
    done: (record: Record<string, unknown>) => boolean,
    awaited: string,
    options: WaitOptions = {},
  ): Promise<Record<string, unknown>> {
    let last: Record<string, unknown> | undefined
    return pollUntil({
      probe: async () => {
        last = await this.connectionRecord(connectionId)
        return done(last) ? last : undefined
      },
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited,
      seen: () => JSON.stringify(last),
    })
  }

  private async connectionRecord(connectionId: string): Promise<Record<string, unknown>> {
    const { data } = await this.call(`read connection ${connectionId}`, () =>
      this.api().get(`/connections/${connectionId}`),
    )
    return data as Record<string, unknown>
  }

  private waitForWebhook(
    topic: string,
    match: (p: Record<string, unknown>) => boolean,
    awaited: string,
    options: WaitOptions,
  ): Promise<WebhookEvent> {
    return waitForEvent<WebhookEvent, WebhookEvent>({
      emitter: this.webhooks,
      event: 'event',
      match: (e) => (e.topic === topic && match(e.payload) ? e : undefined),
      check: () => this.webhooks.latest(topic, match),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited,
      seen: () => `webhooks ${this.webhooks.describeRecent() || 'none'}`,
    })
  }

  private api(): AxiosInstance {
    if (!this.http) throw new Error(`${this.instance} is not started`)
    return this.http
  }

  /** Admin API errors name what was attempted and what ACA-Py answered, never the API key. */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (e) {
      if (!(e instanceof AxiosError)) throw e
      const answer = e.response ? `HTTP ${e.response.status}: ${stringify(e.response.data)}` : e.message
      throw new Error(`${this.instance} could not ${what}: ${answer}`)
    }
  }
}

function client(baseURL: string, apiKey: string | undefined): AxiosInstance {
  return axios.create({ baseURL, timeout: 30_000, headers: apiKey ? { 'X-API-Key': apiKey } : {} })
}

function stringify(data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data)
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}
