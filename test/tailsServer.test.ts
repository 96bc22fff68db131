/**
 * The run's tails server on its own: ACA-Py's two upload paths, the checks that decide what is stored,
 * the bounds on what is read, the refusals a scenario can impose, and the events it records.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, afterEach, beforeEach, describe, it } from 'node:test'
import type { Ledger } from '../agents/indy-pool/resource.js'
import { genesisProblem } from '../agents/tails-server/genesis.js'
import { ledgerRegistryDefinitions } from '../agents/tails-server/ledgerDefinitions.js'
import { startTailsServer, targetOf, type TailsServer, type TailsServerOptions } from '../agents/tails-server/server.js'
import { tailsHashOf, tailsShapeProblem } from '../agents/tails-server/tailsFile.js'
import { PortUnavailableError } from '../common/ports.js'
import { pollUntil, WaitTimeoutError } from '../common/waitFor.js'

const ISSUER = 'WgWxqztrNooG92RXvxSTWv'
const CRED_DEF = `${ISSUER}:3:CL:20:default`
const revRegId = (tag: string) => `${ISSUER}:4:${CRED_DEF}:CL_ACCUM:${tag}`
/** How ACA-Py 1.x names the upload: Python's quote(id, safe=":"). */
const quoted = (id: string) => encodeURIComponent(id).replace(/%3A/g, ':')

const GENESIS = [1, 2, 3, 4]
  .map((n) => JSON.stringify({ reqSignature: {}, txn: { data: { data: { alias: `Node${n}` } }, type: '0' }, ver: '1' }))
  .join('\n')

/** A file of a tails file's shape: the version bytes 00 02, then `points` 128-byte points. */
const tailsFile = (points: number) => Buffer.concat([Buffer.from([0, 2]), randomBytes(points * 128)])

interface Part {
  name: string
  data: string | Buffer
  filename?: string
  contentType?: string
}

const BOUNDARY = '----tails-test-boundary'

/** A multipart/form-data body as aiohttp's FormData writes it for ACA-Py. */
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = []
  for (const p of parts) {
    const file = p.filename ? `; filename="${p.filename}"` : ''
    const type = p.contentType ?? (p.filename ? 'application/octet-stream' : 'text/plain; charset=utf-8')
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data),
      Buffer.from('\r\n'),
    )
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}

const genesisPart = (text = GENESIS): Part => ({ name: 'genesis', data: text })
const tailsPart = (bytes: Buffer): Part => ({ name: 'tails', data: bytes, filename: 'tails' })

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  text: string
  reason?: string
}

function request(
  url: string,
  opts: { method: string; body?: Buffer; headers?: Record<string, string | number> },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method, headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        const text = body.toString('utf8')
        let reason: string | undefined
        if (res.headers['content-type'] === 'application/json') reason = (JSON.parse(text) as { reason: string }).reason
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, ...(reason ? { reason } : {}) })
      })
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

const put = (url: string, parts: Part[], headers: Record<string, string> = {}) =>
  request(url, {
    method: 'PUT',
    body: multipart(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  })
const get = (url: string) => request(url, { method: 'GET' })

/** Every test is bounded: a hang fails that test, saying which. */
const BOUNDED = { timeout: 15_000 }

describe('the tails server', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tails-server-test-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  /** The registry definitions "on the ledger": id → tailsHash. */
  let definitions: Map<string, string>
  let lookups: string[]
  let server: TailsServer
  let dir: string

  const start = async (options: Partial<TailsServerOptions> = {}) => {
    dir = mkdtempSync(path.join(root, 'run-'))
    server = await startTailsServer({
      dir,
      registryDefinition: async (id) => {
        lookups.push(id)
        const tailsHash = definitions.get(id)
        return tailsHash ? { tailsHash } : undefined
      },
      ...options,
    })
    return server
  }
  /** A registry on the "ledger" with a tails file of its own. */
  const registry = (tag: string, points = 4) => {
    const id = revRegId(tag)
    const bytes = tailsFile(points)
    definitions.set(id, tailsHashOf(bytes))
    return { id, bytes, hash: tailsHashOf(bytes) }
  }
  const incoming = () => readdirSync(path.join(dir, '.incoming'))

  beforeEach(async () => {
    definitions = new Map()
    lookups = []
    await start()
  })
  afterEach(() => server.stop())

  describe('the indy path: PUT /{rev_reg_id} with genesis then tails', () => {
    it('stores the file whose hash the registry definition names, and serves it back', BOUNDED, async () => {
      const { id, bytes, hash } = registry('0', 8)
      const reply = await put(`${server.url}/${quoted(id)}`, [genesisPart(), tailsPart(bytes)])
      assert.equal(reply.status, 200, reply.text)
      assert.equal(reply.text, hash, 'the answer is the tails hash, as bcgov/indy-tails-server answers')
      assert.deepEqual(lookups, [id], 'the definition was looked up by the decoded id')

      const back = await get(`${server.url}/${quoted(id)}`)
      assert.equal(back.status, 200)
      assert.equal(back.headers['content-type'], 'application/octet-stream')
      assert.equal(Number(back.headers['content-length']), bytes.length)
      assert.ok(back.body.equals(bytes), 'the download is the upload, byte for byte')

      const [file, ...more] = server.files()
      assert.ok(file && more.length === 0)
      assert.deepEqual(
        { ...file, path: undefined },
        { route: 'indy', id, tailsHash: hash, size: bytes.length, path: undefined },
      )
      assert.ok(file.path.startsWith(dir), 'kept in the directory given')
      assert.ok(readFileSync(file.path).equals(bytes))
      assert.deepEqual(incoming(), [], 'nothing is left half-received')
    })

    it(
      'takes the id percent-encoded (ACA-Py 1.x) and as it is (ACA-Py 0.12), and serves it under either',
      BOUNDED,
      async () => {
        const encoded = registry('rev reg/1')
        const plain = registry('1')
        const colons = registry('2')
        assert.notEqual(quoted(encoded.id), encoded.id, 'the tag has characters ACA-Py 1.x encodes')
        assert.equal(
          (await put(`${server.url}/${quoted(encoded.id)}`, [genesisPart(), tailsPart(encoded.bytes)])).status,
          200,
        )
        assert.equal((await put(`${server.url}/${plain.id}`, [genesisPart(), tailsPart(plain.bytes)])).status, 200)
        const allEncoded = `${server.url}/${encodeURIComponent(colons.id)}`
        assert.equal((await put(allEncoded, [genesisPart(), tailsPart(colons.bytes)])).status, 200)
        assert.deepEqual(lookups, [encoded.id, plain.id, colons.id])

        assert.ok((await get(`${server.url}/${encodeURIComponent(encoded.id)}`)).body.equals(encoded.bytes))
        assert.ok((await get(`${server.url}/${encoded.id.replace(' ', '%20')}`)).body.equals(encoded.bytes))
        assert.ok((await get(`${server.url}/${encodeURIComponent(plain.id)}`)).body.equals(plain.bytes))
        assert.ok((await get(`${server.url}/${colons.id}`)).body.equals(colons.bytes))
      },
    )

    it(
      'refuses a file whose hash is not the registry definition’s, with both hashes, and stores nothing',
      BOUNDED,
      async () => {
        const { id, hash } = registry('0')
        const other = tailsFile(4)
        const reply = await put(`${server.url}/${id}`, [genesisPart(), tailsPart(other)])
        assert.equal(reply.status, 400)
        assert.match(reply.reason ?? '', /tailsHash does not match/)
        assert.ok(reply.reason?.includes(tailsHashOf(other)) && reply.reason.includes(hash), reply.reason)
        assert.equal((await get(`${server.url}/${id}`)).status, 404)
        assert.deepEqual(server.files(), [])
        assert.deepEqual(incoming(), [])
      },
    )

    it(
      'refuses an upload for a registry the ledger does not have (404), and says why a lookup failed (502)',
      BOUNDED,
      async () => {
        const bytes = tailsFile(4)
        const unknown = await put(`${server.url}/${revRegId('9')}`, [genesisPart(), tailsPart(bytes)])
        assert.equal(unknown.status, 404)
        assert.match(unknown.reason ?? '', /no revocation registry definition .*CL_ACCUM:9 on the ledger/)

        await server.stop()
        await start({
          registryDefinition: () => Promise.reject(new Error('pool unreachable')),
        })
        const failed = await put(`${server.url}/${revRegId('9')}`, [genesisPart(), tailsPart(bytes)])
        assert.equal(failed.status, 502)
        assert.match(failed.reason ?? '', /could not be read: Error: pool unreachable/)
      },
    )

    it('answers 409 to a second upload of the same registry and keeps the first file', BOUNDED, async () => {
      const { id, bytes } = registry('0')
      assert.equal((await put(`${server.url}/${id}`, [genesisPart(), tailsPart(bytes)])).status, 200)
      const again = await put(`${server.url}/${quoted(id)}`, [genesisPart(), tailsPart(tailsFile(4))])
      assert.equal(again.status, 409)
      assert.match(again.reason ?? '', /already stored/)
      assert.ok((await get(`${server.url}/${id}`)).body.equals(bytes))
      assert.equal(server.files().length, 1)
    })

    it('answers 409 to the loser of two concurrent uploads of one registry', BOUNDED, async () => {
      const { id, bytes } = registry('0', 64)
      const replies = await Promise.all([1, 2].map(() => put(`${server.url}/${id}`, [genesisPart(), tailsPart(bytes)])))
      assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409])
      assert.equal(server.files().length, 1)
    })

    it('refuses the parts in the wrong order, a missing part and an extra one, naming the part', BOUNDED, async () => {
      const { id, bytes } = registry('0')
      const reversed = await put(`${server.url}/${id}`, [tailsPart(bytes), genesisPart()])
      assert.equal(reversed.status, 400)
      assert.match(
        reversed.reason ?? '',
        /part "tails" came where "genesis" was due: this path takes "genesis" then "tails"/,
      )

      const noTails = await put(`${server.url}/${id}`, [genesisPart()])
      assert.equal(noTails.status, 400)
      assert.equal(noTails.reason, 'missing part "tails"')

      const extra = await put(`${server.url}/${id}`, [genesisPart(), tailsPart(bytes), { name: 'note', data: 'x' }])
      assert.equal(extra.status, 400)
      assert.match(extra.reason ?? '', /unexpected part "note"/)

      const renamed = await put(`${server.url}/${id}`, [{ name: 'genesis_txns', data: GENESIS }, tailsPart(bytes)])
      assert.equal(renamed.status, 400)
      assert.match(renamed.reason ?? '', /unexpected part "genesis_txns" where "genesis" was due/)

      assert.deepEqual(server.files(), [])
      assert.equal((await put(`${server.url}/${id}`, [genesisPart(), tailsPart(bytes)])).status, 200, 'still usable')
    })

    it(
      'refuses a genesis part that is not genesis transactions, or not the run’s pool when it is known',
      BOUNDED,
      async () => {
        const { id, bytes } = registry('0')
        const notJson = await put(`${server.url}/${id}`, [genesisPart('{"txn":{}}\nnot json'), tailsPart(bytes)])
        assert.equal(notJson.status, 400)
        assert.match(notJson.reason ?? '', /line 2 is not a JSON object/)
        const empty = await put(`${server.url}/${id}`, [genesisPart(' \n'), tailsPart(bytes)])
        assert.equal(empty.reason, 'the genesis part is empty')

        await server.stop()
        await start({ genesis: `${GENESIS}\n` })
        definitions.set(id, tailsHashOf(bytes))
        const otherPool = await put(`${server.url}/${id}`, [
          genesisPart(GENESIS.replace('Node4', 'Node5')),
          tailsPart(bytes),
        ])
        assert.equal(otherPool.status, 400)
        assert.equal(otherPool.reason, "the genesis part is not this run's pool genesis")
        const crlf = GENESIS.replace(/\n/g, '\r\n')
        assert.equal((await put(`${server.url}/${id}`, [genesisPart(crlf), tailsPart(bytes)])).status, 200)
      },
    )
  })

  describe('the anoncreds path: PUT /hash/{tailsHash} with tails alone', () => {
    it('stores a tails file under its hash and serves it back', BOUNDED, async () => {
      const bytes = tailsFile(16)
      const hash = tailsHashOf(bytes)
      const reply = await put(`${server.url}/hash/${hash}`, [tailsPart(bytes)])
      assert.equal(reply.status, 200, reply.text)
      assert.equal(reply.text, hash)
      assert.deepEqual(lookups, [], 'the hash path asks no ledger')
      const back = await get(`${server.url}/hash/${hash}`)
      assert.equal(back.status, 200)
      assert.ok(back.body.equals(bytes))
      assert.equal(server.files()[0]?.route, 'anoncreds')
    })

    it('refuses a file whose hash is not the one in the URL', BOUNDED, async () => {
      const bytes = tailsFile(4)
      const claimed = tailsHashOf(tailsFile(4))
      const reply = await put(`${server.url}/hash/${claimed}`, [tailsPart(bytes)])
      assert.equal(reply.status, 400)
      assert.equal(
        reply.reason,
        `tailsHash does not match: the file's is ${tailsHashOf(bytes)}, the URL's is ${claimed}`,
      )
      assert.equal((await get(`${server.url}/hash/${claimed}`)).status, 404)
    })

    it('refuses what is not a tails file: other version bytes, or a part point', BOUNDED, async () => {
      const badVersion = Buffer.concat([Buffer.from([0, 1]), randomBytes(256)])
      const v = await put(`${server.url}/hash/${tailsHashOf(badVersion)}`, [tailsPart(badVersion)])
      assert.equal(v.status, 400)
      assert.match(v.reason ?? '', /does not start with the version bytes 00 02/)

      const ragged = Buffer.concat([tailsFile(2), randomBytes(5)])
      const r = await put(`${server.url}/hash/${tailsHashOf(ragged)}`, [tailsPart(ragged)])
      assert.equal(r.status, 400)
      assert.match(r.reason ?? '', /261 bytes after the version are not a whole number of 128-byte points/)

      const single = Buffer.from([0])
      assert.equal((await put(`${server.url}/hash/${tailsHashOf(single)}`, [tailsPart(single)])).status, 400)
      assert.deepEqual(server.files(), [])
    })

    it('answers 409 to a second upload of the same hash', BOUNDED, async () => {
      const bytes = tailsFile(4)
      const url = `${server.url}/hash/${tailsHashOf(bytes)}`
      assert.equal((await put(url, [tailsPart(bytes)])).status, 200)
      assert.equal((await put(url, [tailsPart(bytes)])).status, 409)
    })

    it('takes no genesis part', BOUNDED, async () => {
      const bytes = tailsFile(4)
      const reply = await put(`${server.url}/hash/${tailsHashOf(bytes)}`, [genesisPart(), tailsPart(bytes)])
      assert.equal(reply.status, 400)
      assert.match(reply.reason ?? '', /unexpected part "genesis" where "tails" was due/)
    })
  })

  describe('what is malformed', () => {
    it(
      'refuses a body that is not multipart, a multipart without a boundary, and a broken multipart',
      BOUNDED,
      async () => {
        const { id, bytes } = registry('0')
        const raw = await request(`${server.url}/${id}`, {
          method: 'PUT',
          body: bytes,
          headers: { 'content-type': 'application/octet-stream' },
        })
        assert.equal(raw.status, 415)
        assert.match(raw.reason ?? '', /not multipart\/form-data \(content-type: application\/octet-stream\)/)

        const noBoundary = await request(`${server.url}/${id}`, {
          method: 'PUT',
          body: multipart([genesisPart(), tailsPart(bytes)]),
          headers: { 'content-type': 'multipart/form-data; charset=utf-8' },
        })
        assert.equal(noBoundary.status, 400)
        assert.match(noBoundary.reason ?? '', /malformed multipart body: .*[Bb]oundary/)

        const whole = multipart([genesisPart(), tailsPart(bytes)])
        const truncated = await request(`${server.url}/${id}`, {
          method: 'PUT',
          body: whole.subarray(0, whole.length - 200),
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        })
        assert.equal(truncated.status, 400)
        assert.match(truncated.reason ?? '', /malformed multipart body/)

        const garbage = await request(`${server.url}/${id}`, {
          method: 'PUT',
          body: randomBytes(4096),
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        })
        assert.equal(garbage.status, 400)
        assert.deepEqual(server.files(), [])
        assert.deepEqual(incoming(), [])
      },
    )

    it('refuses a path that names no registry and no hash, and answers only GET, HEAD and PUT', BOUNDED, async () => {
      const bytes = tailsFile(4)
      const notAnId = await put(`${server.url}/schemas/abc`, [genesisPart(), tailsPart(bytes)])
      assert.equal(notAnId.status, 400)
      assert.match(notAnId.reason ?? '', /not a revocation registry id/)
      const notAHash = await put(`${server.url}/hash/0OIl`, [tailsPart(bytes)])
      assert.equal(notAHash.status, 400)
      assert.match(notAHash.reason ?? '', /not a tails hash/)
      assert.equal((await put(`${server.url}/%E0%A4%A`, [tailsPart(bytes)])).status, 400)
      assert.equal((await get(`${server.url}/hash/0OIl`)).status, 400)
      const post = await request(`${server.url}/hash/${tailsHashOf(bytes)}`, { method: 'POST', body: bytes })
      assert.equal(post.status, 405)
      assert.equal(post.headers.allow, 'GET, HEAD, PUT')
      assert.deepEqual(lookups, [])
    })

    it('answers 404 for a file it does not have', BOUNDED, async () => {
      assert.equal((await get(`${server.url}/${revRegId('0')}`)).status, 404)
      assert.equal((await get(`${server.url}/hash/${tailsHashOf(tailsFile(1))}`)).status, 404)
    })
  })

  describe('bounds', () => {
    const LIMIT = 256 * 1024

    it('answers 413 to a declared length beyond the bound before any of the body is sent', BOUNDED, async () => {
      await server.stop()
      await start({ maxUploadBytes: LIMIT })
      const { id } = registry('0')
      const reply = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${server.url}/${id}`, {
          method: 'PUT',
          agent: false,
          headers: {
            'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
            'content-length': 1024 * 1024 * 1024,
          },
        })
        req.on('response', (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.flushHeaders()
      })
      assert.equal(reply, 413)
      assert.deepEqual(lookups, [], 'nothing else was done for it')
      const [refused] = server.events.all()
      assert.equal(refused?.kind === 'upload-refused' && refused.status, 413)
    })

    it('stops reading a body that grows past the bound, answers 413 and closes the connection', BOUNDED, async () => {
      await server.stop()
      await start({ maxUploadBytes: LIMIT })
      const bytes = tailsFile(1)
      const hash = tailsHashOf(bytes)
      const CAP = 512 * 1024 * 1024
      const req = http.request(`${server.url}/hash/${hash}`, {
        method: 'PUT',
        agent: false,
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      })
      req.on('error', () => {}) // the server closes the connection on a client still sending
      const closed = new Promise<void>((resolve) => req.once('close', () => resolve()))
      const answered = new Promise<{ status: number; reason: string }>((resolve) =>
        req.on('response', (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              reason: (JSON.parse(Buffer.concat(chunks).toString()) as { reason: string }).reason,
            }),
          )
        }),
      )
      let done = false
      void answered.then(() => (done = true))
      void closed.then(() => (done = true))
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="tails"; filename="t"\r\n\r\n`)
      const chunk = Buffer.alloc(64 * 1024, 7)
      let written = 0
      while (!done && written < CAP) {
        written += chunk.length
        if (!req.write(chunk))
          await Promise.race([new Promise((resolve) => req.once('drain', resolve)), answered, closed])
      }
      const reply = await answered
      assert.equal(reply.status, 413)
      assert.equal(reply.reason, `the upload is larger than this server takes (${LIMIT} bytes)`)
      await closed
      assert.ok(written < 32 * 1024 * 1024, `the server kept reading: ${written} bytes were sent`)
      const refused = server.events.all().find((e) => e.kind === 'upload-refused')
      assert.equal(refused?.kind === 'upload-refused' && refused.status, 413)
      assert.deepEqual(incoming(), [], 'the part of the file received is removed')
      assert.deepEqual(server.files(), [])

      // The server still works for everyone else.
      assert.equal((await put(`${server.url}/hash/${hash}`, [tailsPart(bytes)])).status, 200)
    })

    it('takes a body of exactly the bound, with its length declared or not, and not a byte more', BOUNDED, async () => {
      const bytes = tailsFile(8)
      const body = multipart([tailsPart(bytes)])
      await server.stop()
      await start({ maxUploadBytes: body.length })
      const chunked = { 'transfer-encoding': 'chunked' }
      assert.equal((await put(`${server.url}/hash/${tailsHashOf(bytes)}`, [tailsPart(bytes)])).status, 200)
      const again = tailsFile(8)
      assert.equal((await put(`${server.url}/hash/${tailsHashOf(again)}`, [tailsPart(again)], chunked)).status, 200)
      const bigger = Buffer.concat([tailsFile(8), Buffer.from([0])])
      assert.equal((await put(`${server.url}/hash/${tailsHashOf(bigger)}`, [tailsPart(bigger)])).status, 413)
      const streamed = await put(`${server.url}/hash/${tailsHashOf(bigger)}`, [tailsPart(bigger)], chunked)
      assert.equal(streamed.status, 413, 'counted as it arrives, not only by the declared length')
      assert.equal(server.files().length, 2)
    })
  })

  describe('refusals a scenario asks for', () => {
    it('refuses the next upload only, with the status and reason asked for, then accepts again', BOUNDED, async () => {
      const { id, bytes } = registry('0')
      server.refuseUploads({ status: 503, reason: 'tails server down for maintenance', count: 1 })
      const refused = await put(`${server.url}/${id}`, [genesisPart(), tailsPart(bytes)])
      assert.equal(refused.status, 503)
      assert.equal(refused.reason, 'tails server down for maintenance')
      assert.deepEqual(lookups, [], 'an imposed refusal checks nothing')
      assert.equal((await put(`${server.url}/${id}`, [genesisPart(), tailsPart(bytes)])).status, 200)
      const kinds = server.events
        .all()
        .map((e) => (e.kind === 'upload-refused' ? `refused ${e.status} imposed=${e.imposed}` : e.kind))
      assert.deepEqual(kinds, ['refused 503 imposed=true', 'upload-accepted'])
    })

    it('refuses every upload until told to accept, downloads still served', BOUNDED, async () => {
      const first = tailsFile(4)
      assert.equal((await put(`${server.url}/hash/${tailsHashOf(first)}`, [tailsPart(first)])).status, 200)
      server.refuseUploads({ status: 500 })
      for (let i = 0; i < 3; i++) {
        const bytes = tailsFile(4)
        const reply = await put(`${server.url}/hash/${tailsHashOf(bytes)}`, [tailsPart(bytes)])
        assert.equal(reply.status, 500)
        assert.equal(reply.reason, 'uploads are refused (500)')
      }
      assert.ok((await get(`${server.url}/hash/${tailsHashOf(first)}`)).body.equals(first))
      server.acceptUploads()
      const last = tailsFile(4)
      assert.equal((await put(`${server.url}/hash/${tailsHashOf(last)}`, [tailsPart(last)])).status, 200)
      assert.equal(server.files().length, 2)
    })
  })

  describe('events', () => {
    it(
      'records uploads accepted and refused, with the reason, and downloads, for waits and reports',
      BOUNDED,
      async () => {
        const { id, bytes, hash } = registry('0')
        const waiting = server.events.waitFor({
          pick: (e) => (e.kind === 'upload-accepted' ? e : undefined),
          timeoutMs: 5_000,
          awaited: 'a tails upload',
        })
        await put(`${server.url}/${quoted(id)}`, [genesisPart(), tailsPart(tailsFile(4))])
        await put(`${server.url}/${quoted(id)}`, [genesisPart(), tailsPart(bytes)])
        const accepted = await waiting
        assert.equal(accepted.id, id)
        assert.equal(accepted.tailsHash, hash)
        await get(`${server.url}/${quoted(id)}`)
        await get(`${server.url}/hash/${hash}`)

        const events = server.events.all()
        assert.deepEqual(
          events.map(({ time: _time, ...e }) => e),
          [
            {
              kind: 'upload-refused',
              route: 'indy',
              id,
              status: 400,
              reason: (events[0] as { reason: string }).reason,
              imposed: false,
            },
            { kind: 'upload-accepted', route: 'indy', id, tailsHash: hash, size: bytes.length },
            { kind: 'download', route: 'indy', id, status: 200 },
            { kind: 'download', route: 'anoncreds', id: hash, status: 404 },
          ],
        )
        assert.match((events[0] as { reason: string }).reason, /tailsHash does not match/)
        for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.time)))
      },
    )
  })

  describe('its port', () => {
    it('is free again once stopped, and stop() may be called twice', BOUNDED, async () => {
      const port = Number(new URL(server.url).port)
      assert.equal((await get(`${server.url}/hash/${tailsHashOf(tailsFile(1))}`)).status, 404)
      await server.stop()
      await server.stop()
      const refused = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port })
        socket.on('connect', () => {
          socket.destroy()
          resolve('connected')
        })
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      })
      assert.equal(refused, 'ECONNREFUSED')
      assert.equal(existsIncoming(), false, 'the incoming directory is removed')
    })

    it('stops with an upload half-received, keeping nothing of it', BOUNDED, async () => {
      const req = http.request(`${server.url}/hash/${tailsHashOf(tailsFile(1))}`, {
        method: 'PUT',
        agent: false,
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      })
      req.on('error', () => {})
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="tails"; filename="t"\r\n\r\n`)
      req.write(tailsFile(64))
      await pollUntil({
        probe: async () => (incoming().length > 0 ? true : undefined),
        timeoutMs: 5_000,
        awaited: 'the tails part to be received',
      })
      await server.stop()
      assert.equal(existsIncoming(), false)
      assert.deepEqual(server.files(), [])
      const [refused] = server.events.all()
      assert.equal(
        refused?.kind === 'upload-refused' && refused.reason,
        'the connection closed before the upload was complete',
      )
    })

    it('says so when the port asked for is taken', BOUNDED, async () => {
      const taken = Number(new URL(server.url).port)
      await assert.rejects(
        startTailsServer({
          dir: mkdtempSync(path.join(root, 'run-')),
          registryDefinition: async () => undefined,
          port: taken,
        }),
        (e: Error) =>
          e instanceof PortUnavailableError &&
          /tails server port \d+ on 127.0.0.1 is not available \(EADDRINUSE\)/.test(e.message),
      )
    })
  })

  const existsIncoming = () => readdirSync(dir).includes('.incoming')
})

describe('what the tails server checks, as functions', () => {
  it('names the target of a path: a decoded registry id, or a hash', () => {
    const id = revRegId('a b/c')
    assert.deepEqual(targetOf(`/${quoted(id)}?x=1`), { route: 'indy', id })
    assert.deepEqual(targetOf(`/${id}`), { route: 'indy', id })
    const hash = tailsHashOf(Buffer.from('x'))
    assert.deepEqual(targetOf(`/hash/${hash}`), { route: 'anoncreds', id: hash })
    assert.ok('problem' in targetOf('/'))
    assert.ok('problem' in targetOf(`/${ISSUER}:3:CL:20:default`), 'a cred def id is not a registry id')
    assert.ok('problem' in targetOf(`/${revRegId('0')}%0A`), 'no control characters')
    assert.ok('problem' in targetOf('/hash/..'))
  })

  it('knows a tails file by its shape, and a tails hash as Indy computes it', () => {
    assert.equal(tailsShapeProblem(2 + 128 * 3, Buffer.from([0, 2])), undefined)
    assert.match(tailsShapeProblem(2, Buffer.from([0, 2])) ?? 'none', /none/, 'the version alone is zero points')
    assert.ok(tailsShapeProblem(2 + 128, Buffer.from([2, 0])))
    assert.ok(tailsShapeProblem(2 + 127, Buffer.from([0, 2])))
    // sha256("") in base58.
    assert.equal(tailsHashOf(Buffer.alloc(0)), 'GKot5hBsd81kMupNCXHaqbhv3huEbxAFMLnpcX2hniwn')
  })

  it('checks the genesis part line by line', () => {
    assert.equal(genesisProblem(GENESIS), undefined)
    assert.equal(genesisProblem(`${GENESIS}\n\n`, GENESIS), undefined)
    assert.match(genesisProblem('[1]') ?? '', /line 1 is not a JSON object/)
    assert.match(genesisProblem(GENESIS, GENESIS.split('\n').slice(1).join('\n')) ?? '', /not this run's pool/)
  })

  it('reads registry definitions from the ledger: the tailsHash, unknown once the read-back times out', async () => {
    const asked: [string, number | undefined][] = []
    const ledger = {
      revocationRegistryDefinition: async (id: string, timeoutMs?: number) => {
        asked.push([id, timeoutMs])
        if (id.endsWith(':known')) return { value: { tailsHash: 'H' } }
        if (id.endsWith(':absent')) throw new WaitTimeoutError('timed out')
        throw new Error('pool closed')
      },
    } as unknown as Ledger
    const lookup = ledgerRegistryDefinitions(ledger, 1_234)
    assert.deepEqual(await lookup(revRegId('known')), { tailsHash: 'H' })
    assert.equal(await lookup(revRegId('absent')), undefined)
    await assert.rejects(lookup(revRegId('other')), /pool closed/)
    assert.deepEqual(asked[0], [revRegId('known'), 1_234])
  })
})
