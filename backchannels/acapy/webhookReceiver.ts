import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { EventLog } from '../../common/eventLog.js'

export interface WebhookEvent {
  topic: string
  payload: Record<string, unknown>
  /** The `x-wallet-id` header: which tenant's wallet the event is about, for a multitenant agent. */
  walletId?: string
}

/**
 * Receives an agent's webhooks (`POST <base>/topic/<topic>/`, as ACA-Py sends them) into an event
 * log, so a wait that starts late still sees them.
 */
export class WebhookReceiver {
  readonly log = new EventLog<WebhookEvent>(
    (e) => `${e.topic}:${String(e.payload.rfc23_state ?? e.payload.state ?? '')}`,
  )
  private server?: http.Server
  url = ''

  /** `forward` also gets every event, e.g. for a log of what all of a multitenant agent's subscribers got. */
  constructor(private readonly forward?: (e: WebhookEvent) => void) {}

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
        const walletId = req.headers['x-wallet-id']
        res.writeHead(200).end()
        const event: WebhookEvent = {
          topic,
          payload: payload as Record<string, unknown>,
          ...(typeof walletId === 'string' ? { walletId } : {}),
        }
        this.log.push(event)
        this.forward?.(event)
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
}
