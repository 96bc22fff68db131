import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/** RFC 0044 media types for an RFC 0019 envelope; ACA-Py 0.12 still sends the legacy one by default. */
export const ENVELOPE_MEDIA_TYPE = 'application/didcomm-envelope-enc'
export const LEGACY_MEDIA_TYPE = 'application/ssi-agent-wire'
const ACCEPTED_MEDIA_TYPES = new Set([ENVELOPE_MEDIA_TYPE, LEGACY_MEDIA_TYPE, 'application/jwe', 'application/json'])

const MAX_BODY_BYTES = 4 * 1024 * 1024
/**
 * How much of a rejected or oversized body is read and thrown away before answering. Closing a socket with
 * unread input makes the kernel send a reset, which can reach the client before the answer does.
 */
const MAX_DISCARD_BYTES = 128 * 1024 * 1024
/** How long a connection that sent unparseable HTTP may stay half-closed while its client finishes sending. */
const LINGER_MS = 5_000
const NOT_POST = 'DIDComm messages are sent with POST'
/** Answers to HTTP that does not parse, by Node's error code; anything else is a 400. */
const CLIENT_ERROR_STATUS: Record<string, number | undefined> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
}

export class RejectedMessage extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

interface InFlight {
  res: http.ServerResponse
  /** Aborted when the request's own bytes turn out not to be HTTP. */
  malformed: AbortController
}

export type InboundHandler = (body: unknown, meta: { contentType: string }) => Promise<void>

/** RFC 0044: a media type without `/` is read as having the `application/` prefix. */
export function normaliseMediaType(header: string | undefined): string {
  const base = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  return base && !base.includes('/') ? `application/${base}` : base
}

/**
 * RFC 0025 HTTP inbound: POST an envelope, get 202 once it is decrypted and queued. Anything else gets a 4xx
 * with the reason in the body, sent only after the request's body has been read, so that no client sees a
 * connection reset; the server keeps running whatever arrives.
 */
export class HttpInbound {
  private server?: http.Server
  /** The request being answered on each connection, for HTTP errors found while it is in flight. */
  private readonly answering = new WeakMap<Duplex, InFlight>()

  constructor(private readonly handle: InboundHandler) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((req, res) => void this.onRequest(req, res))
    server.keepAliveTimeout = 5_000
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(error, socket))
    // Node resets a CONNECT it has no listener for.
    server.on('connect', (_req, socket: Duplex) => {
      socket.end(rawResponse(405, NOT_POST, { allow: 'POST' }), () => socket.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use`) : e),
      )
      server.listen(port, host, () => resolve())
    })
    this.server = server
    const address = server.address() as AddressInfo
    return `http://${host}:${address.port}`
  }

  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const socket = req.socket
    const inFlight = { res, malformed: new AbortController() }
    this.answering.set(socket, inFlight)
    res.once('close', () => {
      if (this.answering.get(socket) === inFlight) this.answering.delete(socket)
    })
    let status = 202
    let text = ''
    try {
      await this.accept(req, inFlight.malformed.signal)
    } catch (e) {
      status = e instanceof RejectedMessage ? e.status : 500
      text = e instanceof Error ? e.message : String(e)
    }
    // A client that has gone (reset, or aborted mid-body) gets no answer.
    if (!res.destroyed) reply(req, res, status, text)
  }

  private async accept(req: http.IncomingMessage, malformed: AbortSignal): Promise<void> {
    if (req.method !== 'POST') {
      await readBody(req, 0, malformed)
      throw new RejectedMessage(405, NOT_POST)
    }
    const contentType = normaliseMediaType(req.headers['content-type'])
    if (!ACCEPTED_MEDIA_TYPES.has(contentType)) {
      await readBody(req, 0, malformed)
      throw new RejectedMessage(415, `unsupported content type ${contentType || '(none)'}`)
    }
    const raw = await readBody(req, MAX_BODY_BYTES, malformed)
    if (!raw) throw new RejectedMessage(413, `body larger than ${MAX_BODY_BYTES} bytes`)
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      throw new RejectedMessage(400, 'body is not JSON')
    }
    await this.handle(body, { contentType })
  }

  /** Bytes that do not parse as HTTP: a 400 and a close, or, right after a request, a close after its answer. */
  private onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400
    const inFlight = this.answering.get(socket)
    if (inFlight && !inFlight.res.headersSent) {
      // After a whole request, the bytes are a body sent without framing (Node's client does this for GET,
      // DELETE and OPTIONS): answer the request and close. Within one (bad chunking), its body will never end.
      inFlight.res.setHeader('connection', 'close')
      if (!inFlight.res.req.complete) {
        inFlight.malformed.abort(new RejectedMessage(status, `malformed HTTP request body (${error.code})`))
      }
      return
    }
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    if (socket.writableEnded) return
    // Half-close and keep reading until the client closes, so what it is still sending causes no reset.
    socket.end(rawResponse(status, `malformed HTTP request (${error.code})`))
    ;(socket as Socket).setTimeout(LINGER_MS, () => socket.destroy())
  }
}

/**
 * 405 and 413 close the connection: the request's framing is suspect (405) or the client sends too much (413).
 * So does any answer sent before the body was read in full (malformed, or past MAX_DISCARD_BYTES).
 */
function reply(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  }
  if (status === 405) headers.allow = 'POST'
  if (status === 405 || status === 413 || !req.complete) headers.connection = 'close'
  res.writeHead(status, headers)
  res.end(text)
}

/** A whole response for a socket that has no ServerResponse (a CONNECT, or bytes that are not HTTP). */
function rawResponse(status: number, text: string, extra: Record<string, string> = {}): string {
  const headers = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    connection: 'close',
    ...extra,
  }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${lines.join('')}\r\n${text}`
}

/**
 * The body, or undefined if it is longer than `limit`; then the rest is read and dropped, up to
 * MAX_DISCARD_BYTES, so that the client has finished sending when the answer closes the connection.
 */
function readBody(req: http.IncomingMessage, limit: number, malformed: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    malformed.addEventListener('abort', () => reject(malformed.reason), { once: true })
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
      else chunks.length = 0
      if (size > limit + MAX_DISCARD_BYTES) {
        req.pause()
        resolve(undefined)
      }
    })
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined))
    req.on('error', reject)
  })
}

/** Posts an envelope; resolves with the HTTP status, rejects if the endpoint cannot be reached. */
export async function postEnvelope(endpoint: string, envelope: unknown, timeoutMs = 10_000): Promise<number> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': ENVELOPE_MEDIA_TYPE },
    body: JSON.stringify(envelope),
    signal: AbortSignal.timeout(timeoutMs),
  })
  await response.arrayBuffer()
  return response.status
}
