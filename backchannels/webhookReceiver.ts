import { EventEmitter } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface WebhookEvent {
  topic: string
  payload: Record<string, unknown>
  receivedAt: number
}

/**
 * Receives an agent's webhooks (`POST <base>/topic/<topic>/`, as ACA-Py sends them), keeps every
 * event so a wait that starts late still sees it, and emits `event` for waits already running.
 */
export class WebhookReceiver extends EventEmitter {
  readonly events: WebhookEvent[] = []
  private server?: http.Server
  url = ''

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const topic = /\/topic\/([^/]+)\/?$/.exec(req.url ?? '')?.[1]
        let payload: unknown
        try {
          payload = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          payload = undefined
        }
        if (req.method !== 'POST' || !topic || !payload || typeof payload !== 'object') {
          res.writeHead(400).end()
          return
        }
        const event = { topic, payload: payload as Record<string, unknown>, receivedAt: Date.now() }
        this.events.push(event)
        res.writeHead(200).end()
        this.emit('event', event)
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    this.server = server
    this.url = `http://${host}:${(server.address() as AddressInfo).port}`
    return this.url
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** The newest event of a topic that matches, if any has arrived. */
  latest(topic: string, match: (p: Record<string, unknown>) => boolean): WebhookEvent | undefined {
    return this.events.findLast((e) => e.topic === topic && match(e.payload))
  }

  describeRecent(n = 6): string {
    return this.events
      .slice(-n)
      .map((e) => `${e.topic}:${String(e.payload.rfc23_state ?? e.payload.state ?? '')}`)
      .join(', ')
  }
}
