import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios'
import { pollUntil } from '../../common/waitFor.js'
import { CONNECTION_STATE_ORDER, type ConnectionState, type WaitOptions } from '../../contract/connections.js'
import { describeAgentFailure, type AgentFailure } from '../../contract/summary.js'
import type { EventLog } from '../../common/eventLog.js'
import type { WebhookEvent } from './webhookReceiver.js'

/** RFC 0023 states as ACA-Py reports them in `rfc23_state` (e.g. `request-sent`, `completed`). */
export function connectionStateOf(record: Record<string, unknown>): ConnectionState | undefined {
  const rfc23 = String(record.rfc23_state ?? '')
  const state =
    CONNECTION_STATE_ORDER.find((s) => rfc23.startsWith(s)) ?? (rfc23 === 'abandoned' ? 'abandoned' : undefined)
  if (state) return state
  // Records from the connections 1.0 protocol have no rfc23_state.
  return record.state === 'active' || record.state === 'completed' ? 'completed' : undefined
}

/** The credentials of admin calls: the API key, a tenant's Bearer token, or both (never in a message). */
export type AdminHeaders = Record<string, string>

/** What the admin API answered a call that may be refused, for checks of who may do what. */
export interface AdminAnswer {
  status: number
  data: unknown
}

/**
 * One ACA-Py's admin API (axios) and its webhooks, shared by the capabilities of its adapter: the
 * agent's own, or one tenant's (its token, its own webhook subscriber). Every request is bounded by the
 * step's bound; errors name what was attempted and what ACA-Py answered, never a credential.
 */
export class AdminApi {
  private readonly http: AxiosInstance

  constructor(
    readonly instance: string,
    baseURL: string,
    private headers: AdminHeaders,
    readonly webhooks: EventLog<WebhookEvent>,
    readonly timeoutMs: number,
    /** Called when a request got no HTTP answer at all: the host decides whether the agent is gone. */
    private readonly unreachable: (what: string, error: AxiosError) => Promise<AgentFailure | undefined>,
  ) {
    this.http = axios.create({ baseURL, timeout: timeoutMs })
    this.http.interceptors.request.use((config) => {
      for (const [name, value] of Object.entries(this.headers)) config.headers.set(name, value)
      return config
    })
  }

  /** The credentials of every call from now on (a tenant's token issued again). */
  useHeaders(headers: AdminHeaders): void {
    this.headers = headers
  }

  /**
   * A call whose refusal is an answer, not an error: its status and body, with these credentials
   * instead of the API's own. Only a call that got no HTTP answer throws.
   */
  async attempt(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    headers: AdminHeaders,
    body?: unknown,
  ): Promise<AdminAnswer> {
    // Not through this.http: its own credentials must not ride along with the ones under test.
    const { baseURL, timeout } = this.http.defaults
    const answer = await this.call(`${method} ${url}`, async () => {
      const res = await axios.request({
        baseURL,
        timeout,
        method,
        url,
        data: body,
        headers,
        validateStatus: () => true,
      })
      return { data: { status: res.status, data: res.data } }
    })
    return answer as unknown as AdminAnswer
  }

  async get(what: string, url: string, config?: AxiosRequestConfig): Promise<Record<string, unknown>> {
    return this.call(what, () => this.http.get(url, config))
  }

  async post(what: string, url: string, body?: unknown, config?: AxiosRequestConfig): Promise<Record<string, unknown>> {
    return this.call(what, () => this.http.post(url, body, config))
  }

  async delete(what: string, url: string): Promise<Record<string, unknown>> {
    return this.call(what, () => this.http.delete(url))
  }

  connectionRecord(connectionId: string): Promise<Record<string, unknown>> {
    return this.get(`read connection ${connectionId}`, `/connections/${connectionId}`)
  }

  /** The newest webhook of a topic that matches, already received or still to come. */
  async waitForWebhook(
    topic: string,
    match: (p: Record<string, unknown>) => boolean,
    awaited: string,
    options: WaitOptions,
  ): Promise<Record<string, unknown>> {
    const event = await this.webhooks.waitFor({
      pick: (e) => (e.topic === topic && match(e.payload) ? e : undefined),
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      awaited,
      seen: () => `webhooks ${this.webhooks.recent() || 'none'}`,
    })
    return event.payload
  }

  /** Polls a connection where ACA-Py emits no webhook for a change. */
  async pollConnection(
    connectionId: string,
    done: (record: Record<string, unknown>) => boolean,
    awaited: string,
    options: WaitOptions,
  ): Promise<Record<string, unknown>> {
    let last: Record<string, unknown> | undefined
    return pollUntil({
      probe: async () => {
        last = await this.connectionRecord(connectionId)
        return done(last) ? last : undefined
      },
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      awaited,
      seen: () => JSON.stringify(last),
    })
  }

  private async call(what: string, request: () => Promise<{ data: unknown }>): Promise<Record<string, unknown>> {
    try {
      return (await request()).data as Record<string, unknown>
    } catch (e) {
      if (!(e instanceof AxiosError)) throw e
      const gone = e.response ? undefined : await this.unreachable(what, e)
      if (gone) throw new Error(describeAgentFailure(gone))
      const answer = e.response ? `HTTP ${e.response.status}: ${stringify(e.response.data)}` : e.message
      throw new Error(`${this.instance} could not ${what}: ${answer}`)
    }
  }
}

function stringify(data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data)
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}
