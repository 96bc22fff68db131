import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import path from 'node:path'
import axios, { AxiosError } from 'axios'
import { describeAgentFailure, type AgentFailure } from '../../contract/summary.js'

/** How many of the latest exchanges with the backchannel are kept for a failure's evidence. */
const KEPT_EXCHANGES = 200
/** How much of a request or answer body a log line shows. */
const SHOWN_CHARS = 600

/**
 * A connection per request, as AATH's own client makes them: a kept-alive socket the backchannel has
 * closed meanwhile would fail the next request with a reset that says nothing about the backchannel.
 */
const FRESH_HTTP = new http.Agent({ keepAlive: false })
const FRESH_HTTPS = new https.Agent({ keepAlive: false })

/** What the backchannel answered: its HTTP status, the body parsed where it is JSON, and the text. */
export interface BackchannelAnswer {
  status: number
  body: Record<string, unknown>
  text: string
}

/** The backchannel answered, but not with success: the operation failed or is not implemented there. */
export class BackchannelRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

/** A request that got no HTTP answer within its bound, from a backchannel that still answers its status. */
export class BackchannelNoAnswer extends Error {}

export interface BackchannelClientOptions {
  instance: string
  /** The backchannel's base URL (`http://127.0.0.1:9020`). */
  baseUrl: string
  /** The bound of every request. */
  timeoutMs: number
  /** Where every exchange is logged, in the run's directory. */
  logFile?: string
  /** Why the agent is gone, once it is: no request is made any more. */
  gone: () => AgentFailure | undefined
  /**
   * A request got no HTTP answer: the host decides whether the backchannel is gone, and says so by
   * returning the failure.
   */
  lost: (what: string, error: AxiosError, timeoutMs: number) => Promise<AgentFailure | undefined>
}

/**
 * The AATH backchannel HTTP protocol as the harness's own client speaks it: commands at
 * `/agent/command/{topic}[/{operation}]` with a `{"data", "id"}` body, records at
 * `/agent/command/{topic}/{id}`, and event-derived records at `/agent/response/{topic}/{id}`. Every
 * request is bounded and logged (the backchannel's own log is not on this machine).
 */
export class BackchannelClient {
  private readonly exchanges: string[] = []
  private readonly file?: WriteStream

  constructor(private readonly options: BackchannelClientOptions) {
    if (options.logFile) {
      mkdirSync(path.dirname(options.logFile), { recursive: true })
      this.file = createWriteStream(options.logFile, { flags: 'a' })
      this.file.on('error', () => undefined)
    }
  }

  get instance(): string {
    return this.options.instance
  }

  get baseUrl(): string {
    return this.options.baseUrl
  }

  /** `GET /agent/command/status/`: `{"status":"active"}` with 200 from a backchannel whose agent runs. */
  async status(timeoutMs = this.options.timeoutMs): Promise<BackchannelAnswer> {
    return this.raw('GET', '/agent/command/status/', undefined, timeoutMs)
  }

  /** `GET /agent/command/version/`: the agent's version as its backchannel reports it (text or JSON). */
  async version(): Promise<string> {
    const answer = await this.send('read its version', 'GET', '/agent/command/version/')
    const text = answer.text.trim()
    const fromJson = answer.body.version
    return (typeof fromJson === 'string' ? fromJson : text.replace(/^"|"$/g, '')) || 'unknown'
  }

  /** `POST /agent/command/{topic}/{operation}/` with the record id in the body. */
  async command(
    what: string,
    topic: string,
    operation: string,
    params: { id?: string; data?: Record<string, unknown> } = {},
  ): Promise<Record<string, unknown>> {
    const body = { ...(params.id !== undefined ? { id: params.id } : {}), data: params.data ?? {} }
    const answer = await this.send(what, 'POST', `/agent/command/${topic}/${operation}/`, body)
    return answer.body
  }

  /** `GET /agent/command/{topic}/{id}`: the record, with its `state`. */
  async record(what: string, topic: string, id: string): Promise<Record<string, unknown>> {
    return (await this.send(what, 'GET', `/agent/command/${topic}/${encodeURIComponent(id)}`)).body
  }

  /**
   * `GET /agent/response/{topic}/{id}`: the next event-derived record for the id, or an empty object
   * when none came within the backchannel's own wait. The read is destructive on the backchannel.
   * A bound shorter than the client's is the caller's own deadline: passing it is no sign of trouble.
   */
  async response(what: string, topic: string, id: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return (await this.send(what, 'GET', `/agent/response/${topic}/${encodeURIComponent(id)}`, undefined, timeoutMs))
      .body
  }

  /** The latest exchanges, oldest first. */
  recent(lines: number): string[] {
    return this.exchanges.slice(-lines)
  }

  close(): void {
    this.file?.end()
  }

  private async send(
    what: string,
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    timeoutMs?: number,
  ): Promise<BackchannelAnswer> {
    const gone = this.options.gone()
    if (gone) throw new Error(describeAgentFailure(gone))
    const bound = timeoutMs ?? this.options.timeoutMs
    let answer: BackchannelAnswer
    try {
      answer = await this.raw(method, url, body, bound)
    } catch (e) {
      if (!(e instanceof AxiosError)) throw e
      const failure = await this.options.lost(what, e, bound)
      if (failure) throw new Error(describeAgentFailure(failure))
      throw new BackchannelNoAnswer(`${this.instance} could not ${what}: ${describeNoAnswer(e, bound)}`)
    }
    if (answer.status >= 200 && answer.status < 300) return answer
    const said = answer.text.trim() ? `: ${shorten(answer.text.trim())}` : ''
    const missing = answer.status === 501 ? ' (the backchannel does not implement it)' : ''
    throw new BackchannelRefused(
      `${this.instance} could not ${what}: ${method} ${url} answered HTTP ${answer.status}${missing}${said}`,
      answer.status,
    )
  }

  private async raw(method: 'GET' | 'POST', url: string, body: unknown, timeoutMs: number): Promise<BackchannelAnswer> {
    const began = Date.now()
    const sent = body === undefined ? '' : ` ${shorten(JSON.stringify(body))}`
    try {
      const res = await axios.request<string>({
        baseURL: this.options.baseUrl,
        url,
        method,
        data: body,
        timeout: Math.max(1, timeoutMs),
        responseType: 'text',
        transformResponse: (x: unknown) => x,
        validateStatus: () => true,
        httpAgent: FRESH_HTTP,
        httpsAgent: FRESH_HTTPS,
      })
      const text = typeof res.data === 'string' ? res.data : String(res.data ?? '')
      this.note(`${method} ${url}${sent} → ${res.status} ${shorten(text)} (${Date.now() - began} ms)`)
      return { status: res.status, body: parseBody(text), text }
    } catch (e) {
      const code = e instanceof AxiosError ? (e.code ?? e.message) : (e as Error).message
      this.note(`${method} ${url}${sent} → no answer: ${code} (${Date.now() - began} ms)`)
      throw e
    }
  }

  private note(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`
    this.exchanges.push(stamped)
    if (this.exchanges.length > KEPT_EXCHANGES) this.exchanges.shift()
    this.file?.write(`${stamped}\n`)
  }
}

/** Whether a request without an answer ran out of time (rather than finding nothing listening). */
export function timedOut(error: AxiosError): boolean {
  return error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
}

export function describeNoAnswer(error: AxiosError, timeoutMs: number): string {
  if (timedOut(error)) return `no answer within ${timeoutMs} ms`
  return error.code ?? error.message
}

function parseBody(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text
}
