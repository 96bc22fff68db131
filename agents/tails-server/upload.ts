/**
 * Reading an upload as ACA-Py sends it: a multipart/form-data body whose parts come in a fixed order
 * (`genesis` then `tails` on the indy path, `tails` alone on the anoncreds path). The body is bounded
 * as it arrives: past the bound nothing more is read and the connection is to be closed. The `tails`
 * part streams to a file while it is hashed, so nothing is held in memory but the genesis text.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Busboy, type BusboyConstructor, type BusboyFileStream, type BusboyHeaders } from '@fastify/busboy'
import { tailsHashFrom, TAILS_VERSION } from './tailsFile.js'

/** An upload the server turns down, with the status and the one-line reason it answers with. */
export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** The body was not read to its end: the answer closes the connection. */
    readonly close = false,
  ) {
    super(reason)
  }
}

export interface ReceivedUpload {
  /** The `genesis` part's text, when the path takes one. */
  genesis?: string
  /** The `tails` part, written to the `tailsPath` given. */
  tails: { size: number; tailsHash: string; head: Buffer }
}

export const tooLarge = (maxBytes: number) =>
  new UploadRefused(413, `the upload is larger than this server takes (${maxBytes} bytes)`, true)

/**
 * Reads and throws away the rest of a body, so an answer can follow it on a connection still in
 * step. Stops reading (and says so) once more than `allowance` bytes have come.
 */
export function discardBody(req: IncomingMessage, allowance: number): Promise<'ended' | 'too-large' | 'aborted'> {
  if (req.complete) return Promise.resolve('ended')
  if (req.destroyed) return Promise.resolve('aborted')
  return new Promise((resolve) => {
    let received = 0
    const finish = (outcome: 'ended' | 'too-large' | 'aborted') => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      if (outcome === 'too-large') req.pause()
      resolve(outcome)
    }
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > allowance) finish('too-large')
    }
    const onEnd = () => finish('ended')
    const onClose = () => finish(req.complete ? 'ended' : 'aborted')
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.resume()
  })
}

/**
 * Why a part named `name` at position `index` is not what the path takes, `fields` in that order.
 */
function partProblem(name: string, index: number, fields: readonly string[]): string {
  const order = fields.map((f) => `"${f}"`).join(' then ')
  if (index >= fields.length) return `unexpected part "${name}": this path takes ${order} only`
  if (fields.includes(name)) return `part "${name}" came where "${fields[index]}" was due: this path takes ${order}`
  return `unexpected part "${name}" where "${fields[index]}" was due: this path takes ${order}`
}

/**
 * Reads the multipart body of `req`, whose parts must be `fields` in that order, at most `maxBytes` in
 * all. The `tails` part goes to `tailsPath` (created, never overwritten). Rejects with UploadRefused
 * once the body is read to its end (so the answer can follow on the same connection) or once it is
 * too large (then the answer closes it); `tailsPath` is removed on every refusal.
 */
export async function receiveUpload(
  req: IncomingMessage,
  opts: { fields: readonly string[]; maxBytes: number; tailsPath: string },
): Promise<ReceivedUpload> {
  const { fields, maxBytes, tailsPath } = opts
  const refuseAfterBody = async (status: number, reason: string, received: number): Promise<never> => {
    await rm(tailsPath, { force: true })
    const rest = await discardBody(req, maxBytes - received)
    if (rest === 'too-large') throw tooLarge(maxBytes)
    throw new UploadRefused(status, reason, rest === 'aborted')
  }

  const contentType = req.headers['content-type'] ?? ''
  if (!/^multipart\/form-data\s*;/i.test(contentType))
    return refuseAfterBody(415, `the body is not multipart/form-data (content-type: ${contentType || 'none'})`, 0)
  let parser: ReturnType<BusboyConstructor>
  try {
    parser = Busboy({
      headers: req.headers as BusboyHeaders,
      // Every part as a stream, in the order it comes: `genesis` is text/plain, `tails` a file.
      isPartAFile: () => true,
      limits: { headerPairs: 20, headerSize: 8192, fieldNameSize: 100 },
    })
  } catch (e) {
    return refuseAfterBody(400, `malformed multipart body: ${(e as Error).message}`, 0)
  }

  return new Promise<ReceivedUpload>((resolve, reject) => {
    let received = 0
    let parts = 0
    let settled = false
    let parsed = false
    let genesis: Promise<string> | undefined
    let tails: Promise<ReceivedUpload['tails']> | undefined
    const abandon = new AbortController()

    /** Stops reading: the parser and a tails part still being written are dropped. */
    const detach = () => {
      settled = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      parser.on('error', () => {})
      abandon.abort()
      parser.destroy()
    }
    const tailsSettled = () => Promise.allSettled([tails])
    const refuse = (status: number, reason: string) => {
      if (settled) return
      detach()
      void tailsSettled()
        .then(() => refuseAfterBody(status, reason, received))
        .catch(reject)
    }
    const refuseTooLarge = () => {
      if (settled) return
      detach()
      req.pause()
      void tailsSettled()
        .then(() => rm(tailsPath, { force: true }))
        .finally(() => reject(tooLarge(maxBytes)))
    }
    const settle = async () => {
      if (settled || !parsed || !req.complete) return
      if (parts < fields.length) return refuse(400, `missing part "${fields[parts]}"`)
      settled = true
      req.off('close', onClose)
      try {
        const upload = {
          ...(genesis ? { genesis: await genesis } : {}),
          tails: await (tails as Promise<ReceivedUpload['tails']>),
        }
        resolve(upload)
      } catch (e) {
        await rm(tailsPath, { force: true })
        reject(new UploadRefused(400, `the tails part could not be stored: ${(e as Error).message}`))
      }
    }

    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > maxBytes) return refuseTooLarge()
      if (!parser.write(chunk)) {
        req.pause()
        parser.once('drain', () => {
          if (!settled) req.resume()
        })
      }
    }
    const onEnd = () => {
      parser.end()
      void settle()
    }
    const onClose = () => {
      if (!req.complete) refuse(400, 'the connection closed before the upload was complete')
    }

    parser.on('file', (name: string, stream: BusboyFileStream) => {
      const index = parts++
      if (settled || name !== fields[index]) {
        stream.resume()
        return refuse(400, partProblem(name, index, fields))
      }
      if (name === 'tails') {
        const hash = createHash('sha256')
        const head: Buffer[] = []
        let size = 0
        const measure = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk)
            if (size < TAILS_VERSION.length) head.push(chunk.subarray(0, TAILS_VERSION.length - size))
            size += chunk.length
            done(null, chunk)
          },
        })
        const file = createWriteStream(tailsPath, { flags: 'wx' })
        tails = pipeline(stream, measure, file, { signal: abandon.signal }).then(() => ({
          size,
          tailsHash: tailsHashFrom(hash),
          head: Buffer.concat(head),
        }))
        tails.catch((e: Error) => refuse(400, `the tails part could not be stored: ${e.message}`))
        return
      }
      genesis = new Promise((done, failed) => {
        const text: Buffer[] = []
        stream.on('data', (chunk: Buffer) => text.push(chunk))
        stream.on('end', () => done(Buffer.concat(text).toString('utf8')))
        stream.on('error', failed)
      })
      genesis.catch(() => {})
    })
    parser.on('error', (e: Error) => refuse(400, `malformed multipart body: ${e.message}`))
    parser.on('finish', () => {
      parsed = true
      void settle()
    })
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
  })
}
