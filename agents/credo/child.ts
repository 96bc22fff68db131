/**
 * The side of the IPC protocol (protocol.ts) that every Credo agent process shares, whatever its
 * Credo line: it imports no Credo package, so a process resolves Credo from its own node_modules
 * (agents/credo for 0.5, agents/credo-0.6 for 0.6) and still speaks exactly the same protocol.
 */
import type { Server } from 'node:http'
import net from 'node:net'
import { createInterface } from 'node:readline'
import { CONTROL_VARIABLE, type FromChild, type Methods, type StartConfig, type ToChild } from './protocol.js'

export const HOST = '127.0.0.1'
/** Credo answers an inbound HTTP request only once the message is processed; its default wait is 10 s. */
export const PROCESSED_MESSAGE_TIMEOUT_MS = 1_000
const SHUTDOWN_BOUND_MS = 5_000

export type Handlers = { [M in keyof Methods]: (params: Methods[M]['params']) => Promise<Methods[M]['result']> }

/** The requests only an agent started with tenants serves. */
export type TenantMethod = 'createTenant' | 'deleteTenant' | 'listRecords' | 'findConnection' | 'deleteConnection'

/** What an agent process serves: every protocol request, and the tenant requests where it has tenants. */
export type AgentHandlers = Omit<Handlers, 'shutdown' | 'ping' | TenantMethod> & Partial<Pick<Handlers, TenantMethod>>

/** This process's end of the control channel. */
interface Control {
  /** Resolves once the message is handed over (or the channel is found closed), so exit can follow. */
  send(message: FromChild): Promise<void>
  onMessage(listener: (message: ToChild) => void): void
  /** The harness is gone. */
  onClose(listener: () => void): void
}

/** The fork IPC channel. */
function ipcControl(): Control {
  return {
    send: (message) =>
      new Promise((resolve) => {
        if (!process.send || !process.connected) return resolve()
        process.send(message, () => resolve())
      }),
    onMessage: (listener) => process.on('message', listener),
    onClose: (listener) => process.on('disconnect', listener),
  }
}

/** In a container, where no IPC channel reaches: JSON lines over the loopback connection the launcher names. */
function tcpControl(spec: string): Control {
  const [port, token] = spec.split(' ')
  const socket = net.connect({ host: HOST, port: Number(port) })
  socket.write(`${token}\n`)
  const lines = createInterface({ input: socket })
  return {
    send: (message) =>
      new Promise((resolve) => {
        if (socket.destroyed) return resolve()
        socket.write(`${JSON.stringify(message)}\n`, () => resolve())
      }),
    onMessage: (listener) => lines.on('line', (line) => listener(JSON.parse(line) as ToChild)),
    onClose: (listener) => socket.on('close', listener),
  }
}

const controlSpec = process.env[CONTROL_VARIABLE]
delete process.env[CONTROL_VARIABLE]
const control = controlSpec ? tcpControl(controlSpec) : ipcControl()

export const send = (message: FromChild): Promise<void> => control.send(message)

/** Credo's LogLevel, the same numbers in 0.5 and 0.6 (`@credo-ts/core` logger/Logger). */
const LEVELS = ['test', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const

type Data = Record<string, unknown>

/**
 * Credo's Logger interface, implemented structurally so that it serves both lines: one line per entry
 * on stdout (the log file), with each secret replaced wherever it would appear.
 */
export class LineLogger {
  readonly logLevel: number

  constructor(
    level: string,
    private readonly secrets: string[],
  ) {
    this.logLevel = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]))
  }

  private write(level: number, message: string, data?: Data): void {
    if (level < this.logLevel) return
    let line = `${new Date().toISOString()} ${String(LEVELS[level]).toUpperCase()} ${message}`
    if (data) line += ` ${JSON.stringify(data, jsonSafe)}`
    for (const secret of this.secrets) line = line.replaceAll(secret, '[redacted]')
    process.stdout.write(`${line}\n`)
  }

  test = (message: string, data?: Data) => this.write(0, message, data)
  trace = (message: string, data?: Data) => this.write(1, message, data)
  debug = (message: string, data?: Data) => this.write(2, message, data)
  info = (message: string, data?: Data) => this.write(3, message, data)
  warn = (message: string, data?: Data) => this.write(4, message, data)
  error = (message: string, data?: Data) => this.write(5, message, data)
  fatal = (message: string, data?: Data) => this.write(6, message, data)
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
  if (typeof value === 'bigint') return value.toString()
  return value
}

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: HOST, port: 0 }, resolve)
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Credo's HTTP transport listens on every interface; the agent under test is to be reachable on loopback only. */
export function loopbackOnly(transport: { app: { listen: unknown } }): void {
  const app = transport.app as { listen: (port: number, host: string) => Server }
  const listen = app.listen.bind(app)
  app.listen = ((port: number) => listen(port, HOST)) as typeof app.listen
}

export async function listening(server: Server | undefined, port: number): Promise<void> {
  if (!server) throw new Error('the HTTP inbound transport has no server')
  if (server.listening) return
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${HOST}:${port}: ${e.code}`)))
  })
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const cause = e.cause instanceof Error ? ` (cause: ${e.cause.message})` : ''
  return `${e.message}${cause}`
}

/**
 * Serves the harness's requests with `handlers`, and ends the agent (bounded) when the harness goes
 * away or asks it to. Returns the bounded stop, for the `shutdown` request.
 */
export function serve(handlers: AgentHandlers, agent: { shutdown(): Promise<void> }, log: LineLogger) {
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= Promise.race([
      agent.shutdown(),
      new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BOUND_MS).unref()),
    ]).catch((e) => log.error('shutdown failed', { error: describeError(e) }))
    return stopping
  }
  const all: Partial<Handlers> = { ...handlers, shutdown: async () => (await stop(), {}), ping: async () => ({}) }
  const stopAndExit = () => void stop().then(() => process.exit(0))
  control.onMessage((message) => {
    if (message.kind !== 'request') return
    const handler = all[message.method] as ((params: unknown) => Promise<unknown>) | undefined
    log.debug(`control request ${message.id}: ${message.method}`)
    const result = handler ? handler(message.params) : Promise.reject(new Error(`no request ${message.method}`))
    result.then(
      (result) => send({ kind: 'response', id: message.id, result }),
      (e) => {
        log.warn(`control request ${message.id} (${message.method}) failed: ${describeError(e)}`)
        return send({ kind: 'response', id: message.id, error: describeError(e) })
      },
    )
  })
  // The harness is gone (it exited or was killed): nobody can use this agent any more.
  control.onClose(stopAndExit)
  process.on('SIGTERM', stopAndExit)
  // A failing Credo flow must show in the log and fail its scenario, not end the agent for the rest of the run.
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection', { reason: describeError(reason) }))
}

/** Runs the agent's `main` with the configuration the launcher passed; a failed start is reported, then exits. */
export function runChild(main: (config: StartConfig) => Promise<void>): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as StartConfig
  main(config).catch(async (e) => {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
    process.stderr.write(`Credo agent failed to start: ${error}\n`)
    await send({ kind: 'start-failed', error: describeError(e) })
    process.exit(1)
  })
}
