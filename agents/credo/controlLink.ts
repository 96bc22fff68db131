/**
 * The harness's end of a Credo agent's control channel (protocol.ts): the fork IPC channel of a child
 * process, or, for an agent in a container (which no IPC channel reaches), a loopback TCP connection
 * the agent opens to a port the harness names, the first line being a token only that agent was given.
 */
import type { ChildProcess } from 'node:child_process'
import net from 'node:net'
import { createInterface, type Interface } from 'node:readline'
import type { FromChild, ToChild } from './protocol.js'

export interface ControlLink {
  /** Rejects when the message cannot be handed over. */
  send(message: ToChild): Promise<void>
  /** Returns the function that removes the listener. */
  onMessage(listener: (message: FromChild) => void): () => void
  /** The agent exits when its channel closes. */
  close(): void
}

export function ipcLink(child: ChildProcess): ControlLink {
  return {
    send: (message) => new Promise((resolve, reject) => child.send(message, (err) => (err ? reject(err) : resolve()))),
    onMessage: (listener) => {
      child.on('message', listener)
      return () => child.off('message', listener)
    },
    close: () => {
      if (child.connected) child.disconnect()
    },
  }
}

const HOST = '127.0.0.1'

/** JSON lines over a socket; what arrives before the first listener is kept for it. */
function socketLink(socket: net.Socket, lines: Interface): ControlLink {
  const listeners = new Set<(message: FromChild) => void>()
  const early: FromChild[] = []
  lines.on('line', (line) => {
    let message: FromChild
    try {
      message = JSON.parse(line) as FromChild
    } catch {
      return
    }
    if (listeners.size === 0) early.push(message)
    for (const listener of listeners) listener(message)
  })
  return {
    send: (message) =>
      new Promise((resolve, reject) => {
        if (socket.destroyed) return reject(new Error('the control connection is closed'))
        socket.write(`${JSON.stringify(message)}\n`, (err) => (err ? reject(err) : resolve()))
      }),
    onMessage: (listener) => {
      listeners.add(listener)
      // Delivered after the caller's other listeners are in place (a start waits for `ready` among them).
      if (early.length > 0) setImmediate(() => early.splice(0).forEach((m) => listeners.forEach((l) => l(m))))
      return () => listeners.delete(listener)
    },
    close: () => socket.end(),
  }
}

/**
 * Listens on a free loopback port for the agent's connection; `connected` resolves with the link of the
 * first connection whose first line is `token` (others are dropped). `close` stops listening.
 */
export async function listenForAgent(
  token: string,
): Promise<{ port: number; connected: Promise<ControlLink>; close(): void }> {
  let accept: (link: ControlLink) => void = () => {}
  const connected = new Promise<ControlLink>((resolve) => (accept = resolve))
  const server = net.createServer((socket) => {
    const lines = createInterface({ input: socket })
    lines.once('line', (first) => {
      if (first !== token) return socket.destroy()
      server.close()
      accept(socketLink(socket, lines))
    })
    socket.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: HOST, port: 0 }, resolve)
  })
  return { port: (server.address() as net.AddressInfo).port, connected, close: () => server.close() }
}
