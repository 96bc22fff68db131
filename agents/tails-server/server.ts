/**
 * The run's tails server: where an issuing agent uploads the tails file of each revocation registry
 * and where holders download it. It speaks what ACA-Py sends (bcgov/indy-tails-server's protocol):
 *
 * - `PUT /{rev_reg_id}`, multipart `genesis` then `tails` (the indy path; the id comes percent-encoded
 *   from ACA-Py 1.x and as it is from 0.12);
 * - `PUT /hash/{tailsHash}`, multipart `tails` alone (the anoncreds path);
 * - `GET` of either path for the stored file.
 *
 * It stores a file only when it is the one the registry says: on the indy path its hash must be the
 * `tailsHash` of the registry definition (read from the ledger by the caller's lookup), on the
 * anoncreds path the hash in the URL, and there the file must also have a tails file's shape. Every
 * upload and download is an event in `events`, for waits and for reports.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { link, mkdir, rm, stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { EventLog } from '../../common/eventLog.js'
import { silentLogger, type Logger } from '../../common/logger.js'
import { PortUnavailableError } from '../../common/ports.js'
import { genesisProblem } from './genesis.js'
import { isRevocationRegistryId, isTailsHash, tailsShapeProblem } from './tailsFile.js'
import { discardBody, receiveUpload, tooLarge, UploadRefused } from './upload.js'

/** `indy`: named by revocation registry id, with the pool's genesis; `anoncreds`: named by the tails hash. */
export type TailsRoute = 'indy' | 'anoncreds'

/** What happened, as the server records it. */
export type TailsServerHappening =
  | { kind: 'upload-accepted'; route: TailsRoute; id: string; tailsHash: string; size: number }
  | {
      kind: 'upload-refused'
      route?: TailsRoute
      id?: string
      status: number
      reason: string
      /** Refused because a scenario asked for it (`refuseUploads`), not for what was sent. */
      imposed: boolean
    }
  | { kind: 'download'; route: TailsRoute; id: string; status: number }

export type TailsServerEvent = TailsServerHappening & { time: string }

export interface StoredTailsFile {
  route: TailsRoute
  /** The revocation registry id (indy path) or the tails hash (anoncreds path). */
  id: string
  tailsHash: string
  size: number
  path: string
}

/** The `tailsHash` of a revocation registry definition, or undefined when there is no such registry. */
export type RegistryDefinitionLookup = (revRegId: string) => Promise<{ tailsHash: string } | undefined>

export interface TailsServerOptions {
  /** Where the files are kept (under the run directory); created if missing. */
  dir: string
  /** The definition an indy-path upload must match; `ledgerRegistryDefinitions` reads the pool's. */
  registryDefinition: RegistryDefinitionLookup
  /** 0 (the default): any free port. Always on 127.0.0.1. */
  port?: number
  /** The largest request body taken (default 16 MiB: a registry of the largest size, 32768, has an 8 MiB file). */
  maxUploadBytes?: number
  /** The run's pool genesis: when given, the `genesis` part of an indy-path upload must be this one. */
  genesis?: string
  logger?: Logger
}

export interface UploadRefusal {
  status: number
  reason?: string
  /** How many uploads to refuse, from the next one on; all of them when left out. */
  count?: number
}

export interface TailsServer {
  /** The base URL, for ACA-Py's `--tails-server-base-url` and `--tails-server-upload-url`. */
  readonly url: string
  readonly events: EventLog<TailsServerEvent>
  /** The files accepted so far, in the order they were. */
  files(): StoredTailsFile[]
  /** Makes uploads fail with `status` whatever they carry, for scenarios about an agent whose upload fails. */
  refuseUploads(refusal: UploadRefusal): void
  /** Ends `refuseUploads`. */
  acceptUploads(): void
  stop(): Promise<void>
}

export const DEFAULT_MAX_UPLOAD_BYTES = 16 * 1024 * 1024

type Target = { route: TailsRoute; id: string }

/** The upload or download a request path names, or why it names none. */
export function targetOf(url: string): Target | { problem: string } {
  const pathname = url.split('?')[0] ?? ''
  const anoncreds = pathname.startsWith('/hash/')
  let id: string
  try {
    id = decodeURIComponent(pathname.slice(anoncreds ? '/hash/'.length : 1))
  } catch {
    return { problem: `malformed percent-encoding in ${pathname}` }
  }
  if (anoncreds)
    return isTailsHash(id) ? { route: 'anoncreds', id } : { problem: `not a tails hash (base58 SHA-256): ${id}` }
  return isRevocationRegistryId(id)
    ? { route: 'indy', id }
    : { problem: `not a revocation registry id (<did>:4:<cred def id>:CL_ACCUM:<tag>): ${id || '(empty)'}` }
}

export async function startTailsServer(options: TailsServerOptions): Promise<TailsServer> {
  const maxBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES
  const logger = options.logger ?? silentLogger()
  const dirs = {
    indy: path.join(options.dir, 'revocation-registries'),
    anoncreds: path.join(options.dir, 'hash'),
    incoming: path.join(options.dir, '.incoming'),
  }
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })))
  const fileOf = (t: Target) =>
    t.route === 'indy' ? path.join(dirs.indy, encodeURIComponent(t.id)) : path.join(dirs.anoncreds, t.id)

  const events = new EventLog<TailsServerEvent>((e) =>
    e.kind === 'upload-accepted' ? `${e.kind} ${e.id}` : `${e.kind} ${e.id ?? ''} ${e.status}`,
  )
  const stored: StoredTailsFile[] = []
  let imposed: { status: number; reason: string; remaining: number | undefined } | undefined
  const active = new Set<Promise<void>>()

  const record = (event: TailsServerHappening): void => {
    const logged: TailsServerEvent = { ...event, time: new Date().toISOString() }
    events.push(logged)
    logger.info({ event: logged }, `tails server: ${logged.kind}`)
  }

  const answer = (res: http.ServerResponse, status: number, body: string, close = false) => {
    if (res.headersSent) return
    const type = status < 300 ? 'text/plain; charset=utf-8' : 'application/json'
    const text = status < 300 ? body : `${JSON.stringify({ status, reason: body })}\n`
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(text),
      ...(close ? { connection: 'close' } : {}),
    })
    res.end(text)
  }

  const refuse = (res: http.ServerResponse, target: Partial<Target>, refusal: UploadRefused, isImposed = false) => {
    answer(res, refusal.status, refusal.reason, refusal.close)
    record({ kind: 'upload-refused', ...target, status: refusal.status, reason: refusal.reason, imposed: isImposed })
  }

  /** Answers after the body is read and dropped, or with 413 once it is too large. */
  const refuseAfterBody = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: Partial<Target>,
    refusal: UploadRefused,
    isImposed = false,
  ) => {
    const rest = await discardBody(req, maxBytes)
    if (rest === 'too-large') return refuse(res, target, tooLarge(maxBytes))
    refuse(
      res,
      target,
      rest === 'aborted' ? new UploadRefused(refusal.status, refusal.reason, true) : refusal,
      isImposed,
    )
  }

  const takeImposed = (): UploadRefused | undefined => {
    if (!imposed) return undefined
    const refusal = new UploadRefused(imposed.status, imposed.reason)
    if (imposed.remaining !== undefined && --imposed.remaining <= 0) imposed = undefined
    return refusal
  }

  const upload = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parsed = targetOf(req.url ?? '/')
    const target = 'problem' in parsed ? {} : parsed
    const imposedRefusal = takeImposed()
    if (imposedRefusal) return refuseAfterBody(req, res, target, imposedRefusal, true)
    if ('problem' in parsed) return refuseAfterBody(req, res, target, new UploadRefused(400, parsed.problem))
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > maxBytes) {
      req.pause()
      return refuse(res, target, tooLarge(maxBytes))
    }
    const finalPath = fileOf(parsed)
    const already = () =>
      new UploadRefused(
        409,
        `${parsed.route === 'indy' ? 'revocation registry' : 'tails hash'} ${parsed.id} is already stored`,
      )
    if (await exists(finalPath)) return refuseAfterBody(req, res, target, already())

    // The ledger is asked while the body arrives; its answer is awaited once the file's hash is known.
    const definition =
      parsed.route === 'indy'
        ? options.registryDefinition(parsed.id).then(
            (found) => ({ found }),
            (error: unknown) => ({ error }),
          )
        : undefined
    const tailsPath = path.join(dirs.incoming, randomUUID())
    try {
      const received = await receiveUpload(req, {
        fields: parsed.route === 'indy' ? ['genesis', 'tails'] : ['tails'],
        maxBytes,
        tailsPath,
      })
      const { tailsHash, size, head } = received.tails
      if (definition) {
        const problem = genesisProblem(received.genesis ?? '', options.genesis)
        if (problem) throw new UploadRefused(400, problem)
        const looked = await definition
        if ('error' in looked)
          throw new UploadRefused(
            502,
            `the revocation registry definition of ${parsed.id} could not be read: ${String(looked.error)}`,
          )
        if (!looked.found) throw new UploadRefused(404, `no revocation registry definition ${parsed.id} on the ledger`)
        if (looked.found.tailsHash !== tailsHash)
          throw new UploadRefused(
            400,
            `tailsHash does not match: the file's is ${tailsHash}, the registry definition's is ${looked.found.tailsHash}`,
          )
      } else {
        const problem = tailsShapeProblem(size, head)
        if (problem) throw new UploadRefused(400, problem)
        if (tailsHash !== parsed.id)
          throw new UploadRefused(
            400,
            `tailsHash does not match: the file's is ${tailsHash}, the URL's is ${parsed.id}`,
          )
      }
      try {
        await link(tailsPath, finalPath)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw already()
        throw e
      }
      stored.push({ ...parsed, tailsHash, size, path: finalPath })
      answer(res, 200, tailsHash)
      record({ kind: 'upload-accepted', ...parsed, tailsHash, size })
    } catch (e) {
      if (!(e instanceof UploadRefused)) throw e
      refuse(res, target, e)
    } finally {
      await rm(tailsPath, { force: true })
    }
  }

  const download = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parsed = targetOf(req.url ?? '/')
    if ('problem' in parsed) return answer(res, 400, parsed.problem)
    const file = fileOf(parsed)
    const size = (await stat(file).catch(() => undefined))?.size
    if (size === undefined) {
      answer(res, 404, `no tails file for ${parsed.id}`)
      return record({ kind: 'download', ...parsed, status: 404 })
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
    record({ kind: 'download', ...parsed, status: 200 })
    if (req.method === 'HEAD') return void res.end()
    await pipeline(createReadStream(file), res)
  }

  const server = http.createServer((req, res) => {
    const handled = (async () => {
      try {
        if (req.method === 'PUT') return await upload(req, res)
        if (req.method === 'GET' || req.method === 'HEAD') return await download(req, res)
        res.setHeader('allow', 'GET, HEAD, PUT')
        await discardBody(req, maxBytes)
        answer(res, 405, `${req.method} is not served here: GET, HEAD or PUT`)
      } catch (e) {
        const reason = `the tails server failed: ${(e as Error).message}`
        logger.error({ err: e, url: req.url }, 'tails server: request failed')
        if (req.method === 'PUT') record({ kind: 'upload-refused', status: 500, reason, imposed: false })
        if (!res.headersSent) answer(res, 500, reason, true)
        else res.destroy()
      }
    })()
    active.add(handled)
    void handled.finally(() => active.delete(handled))
  })

  const port = options.port ?? 0
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new PortUnavailableError(
          `tails server port ${port} on 127.0.0.1 is not available (${e.code ?? e.message}): choose another port`,
        ),
      ),
    )
    server.listen({ host: '127.0.0.1', port }, () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  logger.info({ url, dir: options.dir, maxBytes }, 'tails server listening')

  let stopped: Promise<void> | undefined
  return {
    url,
    events,
    files: () => [...stored],
    refuseUploads: (refusal) => {
      imposed = {
        status: refusal.status,
        reason: refusal.reason ?? `uploads are refused (${refusal.status})`,
        remaining: refusal.count,
      }
    },
    acceptUploads: () => {
      imposed = undefined
    },
    stop: () =>
      (stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await closed
        await Promise.allSettled([...active])
        await rm(dirs.incoming, { recursive: true, force: true })
        logger.info({ url }, 'tails server stopped')
      })()),
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
