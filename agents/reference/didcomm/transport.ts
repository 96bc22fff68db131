import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** RFC 0044 media types for an RFC 0019 envelope; ACA-Py 0.12 still sends the legacy one by default. */
export const ENVELOPE_MEDIA_TYPE = 'application/didcomm-envelope-enc'
export const LEGACY_MEDIA_TYPE = 'application/ssi-agent-wire'
const ACCEPTED_MEDIA_TYPES = new Set([ENVELOPE_MEDIA_TYPE, LEGACY_MEDIA_TYPE, 'application/jwe', 'application/json'])

const MAX_BODY_BYTES = 4 * 1024 * 1024

export class RejectedMessage extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export type InboundHandler = (body: unknown, meta: { contentType: string }) => Promise<void>

/** RFC 0044: a media type without `/` is read as having the `application/` prefix. */
export function normaliseMediaType(header: string | undefined): string {
  const base = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  return base && !base.includes('/') ? `application/${base}` : base
}

/**
 * RFC 0025 HTTP inbound: POST an envelope, get 202 once it is decrypted and queued. Anything that is
 * not an envelope gets 4xx with the reason in the body; the server keeps running whatever arrives.
 */
export class HttpInbound {
  private server?: http.Server

  constructor(private readonly handle: InboundHandler) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((req, res) => void this.onRequest(req, res))
    server.keepAliveTimeout = 5_000
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
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(text)
    }
    try {
      if (req.method !== 'POST') throw new RejectedMessage(405, 'DIDComm messages are sent with POST')
      const contentType = normaliseMediaType(req.headers['content-type'])
      if (!ACCEPTED_MEDIA_TYPES.has(contentType)) {
        throw new RejectedMessage(415, `unsupported content type ${contentType || '(none)'}`)
      }
      const raw = await readBody(req)
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        throw new RejectedMessage(400, 'body is not JSON')
      }
      await this.handle(body, { contentType })
      reply(202, '')
    } catch (e) {
      if (e instanceof RejectedMessage) reply(e.status, e.message)
      else reply(500, (e as Error).message)
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new RejectedMessage(413, `body larger than ${MAX_BODY_BYTES} bytes`))
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
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
