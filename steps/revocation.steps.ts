import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { After, Given, Then, When } from '@cucumber/cucumber'
import type { LedgerTransaction } from '../agents/indy-pool/ledgerClient.js'
import { tailsHashOf } from '../agents/tails-server/tailsFile.js'
import { pollUntil, unlessTimedOut } from '../common/waitFor.js'
import { MEASUREMENT_MEDIA_TYPE, type Measurement } from '../contract/evidence.js'
import { ledgerOfRun, tailsServerOfRun } from '../runner/context.js'
import { endorsedWrite, endorsement, schemaOf } from './support/endorsed.js'
import { tracedBy, typePattern } from './support/trace.js'
import type { IssuedCredential } from '../backchannels/capabilities.js'
import type { ConformanceWorld, RegistryOnLedger } from './support/world.js'

const AUTHOR = 'author'
const ENDORSER = 'endorser'
const REVOC_REG_DEF = '113'
const REVOC_REG_ENTRY = '114'

function revocation(world: ConformanceWorld): NonNullable<ConformanceWorld['revocation']> {
  if (!world.revocation) throw new Error('the author made no revocable credential definition in this scenario')
  return world.revocation
}

/** A write the agent makes by itself is awaited for one step bound per write before it, in sequence. */
const boundFor = (world: ConformanceWorld, writes: number) => writes * world.wait.timeoutMs

Given(
  'the author has a schema of its own on the ledger, endorsed by the endorser',
  async function (this: ConformanceWorld) {
    const draft = {
      name: `conformance-${randomBytes(4).toString('hex')}`,
      version: '1.0',
      attributes: ['name', 'score'],
    }
    const asked = await this.the(AUTHOR, 'endorsement').requestSchemaEndorsement(this.connection(AUTHOR), draft)
    endorsement(this).schema = { ...draft, id: asked.schemaId }
    const written = await ledgerOfRun().schema(asked.schemaId, boundFor(this, 1))
    await endorsedWrite(this, written.seqNo, {
      type: '101',
      what: `schema ${asked.schemaId}`,
      author: endorsement(this).authorDid,
      as: 'the author',
    })
  },
)

When(
  'the author makes a credential definition with revocation support, its registries of {int} credentials each',
  function (this: ConformanceWorld, registrySize: number) {
    return makeDefinition(this, registrySize)
  },
)

Then(
  'the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser',
  function (this: ConformanceWorld) {
    return definitionOnLedger(this)
  },
)

Given(
  'the author has a credential definition with revocation support on the ledger, its registries of {int} credentials each, and issues from a registry of it on the ledger',
  async function (this: ConformanceWorld, registrySize: number) {
    await makeDefinition(this, registrySize)
    await definitionOnLedger(this)
    const onLedger = await registriesOnLedger(this, 1)
    const state = revocation(this)
    const author = this.the(AUTHOR, 'revocation')
    const active = await pollUntil({
      probe: () => author.activeRegistry(state.credentialDefinitionId),
      timeoutMs: this.wait.timeoutMs,
      awaited: `the author to report an active registry of ${state.credentialDefinitionId}`,
    })
    // The agent's word is checked against the ledger: its active registry must be one written there.
    if (!onLedger.some((r) => r.id === active)) await registriesOnLedger(this, onLedger.length + 1)
    const known = revocation(this).registries.map((r) => r.id)
    assert.ok(known.includes(active), `the author's active registry ${active} is not one on the ledger`)
  },
)

Then(
  /^(\d+) revocation registr(?:y|ies) of the credential definition (?:is|are) on the ledger, each with its first entry, every write by the author and endorsed by the endorser$/,
  async function (this: ConformanceWorld, count: string) {
    const registries = await registriesOnLedger(this, Number(count))
    const { authorDid } = endorsement(this)
    for (const r of registries) {
      const as = { author: authorDid, as: 'the author' }
      await endorsedWrite(this, r.definitionSeqNo, { type: REVOC_REG_DEF, what: `registry ${r.id}`, ...as })
      await endorsedWrite(this, r.entrySeqNo, { type: REVOC_REG_ENTRY, what: `the first entry of ${r.id}`, ...as })
      assert.equal(r.maxCredNum, revocation(this).registrySize, `registry ${r.id} is not of the size asked for`)
    }
  },
)

Then(
  'the tails file of each of those registries is on the tails server, with the hash the ledger holds, served where the ledger says',
  async function (this: ConformanceWorld) {
    const { registries } = revocation(this)
    assert.ok(registries.length > 0, 'no registry of the credential definition was found on the ledger')
    const server = tailsServerOfRun()
    for (const r of registries) {
      const stored = await pollUntil({
        probe: async () => server.files().find((f) => f.id === r.id || f.id === r.tailsHash),
        timeoutMs: this.wait.timeoutMs,
        awaited: `the tails file of ${r.id} on the tails server`,
        seen: () => JSON.stringify(server.events.all().slice(-5)),
      })
      assert.equal(
        stored.tailsHash,
        r.tailsHash,
        `the tails file uploaded for ${r.id} is not the one its definition names`,
      )
      const answer = await fetch(r.tailsLocation)
      assert.equal(answer.status, 200, `the tails location of ${r.id} (${r.tailsLocation}) answers ${answer.status}`)
      const served = tailsHashOf(new Uint8Array(await answer.arrayBuffer()))
      this.observations.push(`tails of ${r.id}: ${r.tailsLocation} serves a file of hash ${served}`)
      assert.equal(served, r.tailsHash, `the tails location of ${r.id} serves another file than its definition names`)
    }
  },
)

async function makeDefinition(world: ConformanceWorld, registrySize: number): Promise<void> {
  const tag = `rev${randomBytes(4).toString('hex')}`
  const calledAt = Date.now()
  const made = await world
    .the(AUTHOR, 'revocation')
    .createRevocableCredentialDefinition(world.connection(AUTHOR), schemaOf(world).id, tag, registrySize)
  world.revocation = {
    credentialDefinitionId: made.credentialDefinitionId,
    registrySize,
    calledAt,
    registries: [],
    issued: [],
  }
  world.observations.push(`the author made ${made.credentialDefinitionId} (registries of ${registrySize})`)
}

/** The credential definition, read back: on the schema asked for, with revocation keys, endorsed. */
async function definitionOnLedger(world: ConformanceWorld): Promise<void> {
  const state = revocation(world)
  const ledger = ledgerOfRun()
  const written = await ledger.credentialDefinition(state.credentialDefinitionId, boundFor(world, 1))
  await endorsedWrite(world, written.seqNo, {
    type: '102',
    what: `credential definition ${state.credentialDefinitionId}`,
    author: endorsement(world).authorDid,
    as: 'the author',
  })
  const schema = await ledger.schema(schemaOf(world).id)
  assert.equal(written.schemaSeqNo, schema.seqNo, 'the credential definition is not on the schema asked for')
  assert.ok(written.value.revocation, 'the credential definition on the ledger has no revocation keys')
  state.credentialDefinitionSeqNo = written.seqNo
}

/**
 * Reads the domain ledger on from the credential definition (the author writes its registries and
 * entries after it), giving each transaction to `take` once, until `done` (bounded by `timeoutMs`).
 */
async function readLedgerOn(
  world: ConformanceWorld,
  params: {
    take: (txn: LedgerTransaction) => void
    done: () => boolean
    timeoutMs: number
    awaited: string
    seen: () => string
  },
): Promise<void> {
  const start = revocation(world).credentialDefinitionSeqNo
  if (start === undefined) throw new Error('the credential definition was not read back from the ledger first')
  let next = start + 1
  await pollUntil({
    probe: async () => {
      const found = await ledgerOfRun().transactionsFrom(next)
      next += found.length
      found.forEach(params.take)
      return params.done() ? true : undefined
    },
    timeoutMs: params.timeoutMs,
    awaited: params.awaited,
    seen: () => `read up to seqNo ${next - 1}; ${params.seen()}`,
  })
}

/**
 * The credential definition's registries on the ledger, each with its first entry, once `count` of them
 * are there: the author writes them after the credential definition, so the ledger is read on from it.
 */
async function registriesOnLedger(world: ConformanceWorld, count: number): Promise<RegistryOnLedger[]> {
  const state = revocation(world)
  const definitions: LedgerTransaction[] = []
  const entries = new Map<string, LedgerTransaction>()
  const complete = () => definitions.filter((d) => entries.has(String(d.data.id)))
  await readLedgerOn(world, {
    take: (txn) => {
      if (txn.type === REVOC_REG_DEF && txn.data.credDefId === state.credentialDefinitionId) definitions.push(txn)
      // A registry id names its credential definition: <did>:4:<cred def id>:CL_ACCUM:<tag>.
      const of = String(txn.data.revocRegDefId)
      const ours = of.includes(`:4:${state.credentialDefinitionId}:`)
      if (txn.type === REVOC_REG_ENTRY && ours && !entries.has(of)) entries.set(of, txn)
    },
    done: () => complete().length >= count,
    // Per registry: its definition and its entry, each endorsed and written in turn.
    timeoutMs: boundFor(world, 2 * count),
    awaited: `${count} registries of ${state.credentialDefinitionId} on the ledger, each with an entry`,
    seen: () =>
      `registries ${JSON.stringify(definitions.map((d) => [d.seqNo, d.data.id]))}; ` +
      `entries ${JSON.stringify([...entries].map(([id, e]) => [e.seqNo, id]))}`,
  })
  measureSetup(world, count)
  state.registries = complete().map((d) => {
    const value = d.data.value as { maxCredNum: number; tailsHash: string; tailsLocation: string }
    const id = String(d.data.id)
    return {
      id,
      definitionSeqNo: d.seqNo,
      entrySeqNo: (entries.get(id) as LedgerTransaction).seqNo,
      maxCredNum: value.maxCredNum,
      tailsHash: value.tailsHash,
      tailsLocation: value.tailsLocation,
    }
  })
  return state.registries
}

Given(
  /^the author has issued (\d+) credentials? of the credential definition to a holder$/,
  async function (this: ConformanceWorld, count: string) {
    await issue(this, Number(count))
  },
)

When(
  'the author issues {int} credentials of the credential definition, one more than a registry holds',
  async function (this: ConformanceWorld, count: number) {
    assert.equal(count, revocation(this).registrySize + 1, 'the scenario issues one more than a registry holds')
    await issue(this, count)
  },
)

When(
  /^the author revokes credential (\d+)(, publishing at once| without publishing)$/,
  async function (this: ConformanceWorld, n: string, how: string) {
    const credential = issuedCredential(this, Number(n))
    await this.the(AUTHOR, 'revocation').revoke(credential, how.includes('at once'))
    this.observations.push(`the author revoked ${credential.registryId} #${credential.index}${how}`)
  },
)

When('the author publishes its pending revocations', async function (this: ConformanceWorld) {
  await this.the(AUTHOR, 'revocation').publishRevocations()
})

Then(
  /^an entry of the registry on the ledger revokes exactly credentials? ([\d ,and]+), written by the author and endorsed by the endorser, its accumulator following the registry's last one$/,
  async function (this: ConformanceWorld, list: string) {
    const revoked = (list.match(/\d+/g) ?? []).map((n) => issuedCredential(this, Number(n)))
    const registryId = revoked[0]?.registryId as string
    assert.ok(
      revoked.every((c) => c.registryId === registryId),
      'the credentials are not all of one registry',
    )
    const entries = await registryEntries(this, registryId, (found) => found.some((e) => revokedBy(e).length > 0))
    const revoking = entries.filter((e) => revokedBy(e).length > 0)
    assert.equal(revoking.length, 1, `more than one entry revokes credentials: seqNo ${revoking.map((e) => e.seqNo)}`)
    const entry = revoking[0] as LedgerTransaction
    await endorsedWrite(this, entry.seqNo, {
      type: REVOC_REG_ENTRY,
      what: `the revoking entry of ${registryId}`,
      author: endorsement(this).authorDid,
      as: 'the author',
    })
    assert.deepEqual(
      [...revokedBy(entry)].sort((a, b) => a - b),
      revoked.map((c) => c.index).sort((a, b) => a - b),
      'the entry revokes other credentials than were revoked',
    )
    const before = entries[entries.indexOf(entry) - 1]
    const value = entry.data.value as { accum?: unknown; prevAccum?: unknown }
    assert.ok(before, 'the registry has no entry before the revoking one')
    assert.equal(
      value.prevAccum,
      (before.data.value as { accum?: unknown }).accum,
      'prevAccum is not the last accumulator',
    )
    assert.notEqual(value.accum, value.prevAccum, 'the accumulator did not change')
  },
)

Then(
  'the credentials are of more than one registry, each on the ledger, none past its size',
  async function (this: ConformanceWorld) {
    const state = revocation(this)
    const used = [...new Set(state.issued.map((c) => c.registryId))]
    assert.ok(used.length > 1, `all ${state.issued.length} credentials are of one registry, ${used[0]}`)
    const known = () => state.registries.map((r) => r.id)
    const missing = () => used.filter((id) => !known().includes(id))
    if (missing().length > 0) await registriesOnLedger(this, state.registries.length + missing().length)
    assert.deepEqual(missing(), [], 'credentials were issued from registries that are not on the ledger')
    for (const c of state.issued) {
      assert.ok(c.index >= 1 && c.index <= state.registrySize, `${c.registryId} #${c.index} is past its size`)
    }
    const indices = state.issued.map((c) => `${c.registryId}#${c.index}`)
    assert.equal(new Set(indices).size, indices.length, 'two credentials share a registry index')
  },
)

async function issue(world: ConformanceWorld, count: number): Promise<void> {
  const state = revocation(world)
  const issuer = world.the(AUTHOR, 'revocation')
  for (let i = 0; i < count; i++) {
    const n = state.issued.length + 1
    // Issuing includes the holder reading the definitions from the ledger, and its first connection.
    const credential = await issuer.issue(
      state.credentialDefinitionId,
      { name: `holder ${n}`, score: String(n) },
      {
        timeoutMs: boundFor(world, 3),
      },
    )
    state.issued.push({ ...credential, at: Date.now() })
    world.observations.push(`credential ${n}: ${credential.registryId} #${credential.index}`)
  }
}

function issuedCredential(world: ConformanceWorld, n: number): IssuedCredential {
  const credential = revocation(world).issued[n - 1]
  if (!credential) throw new Error(`the author issued no credential ${n} in this scenario`)
  return credential
}

const revokedBy = (entry: LedgerTransaction): number[] =>
  ((entry.data.value as { revoked?: number[] }).revoked ?? []).map(Number)

/** The registry's entries on the ledger, in order, once `enough` says they are (bounded by two writes). */
async function registryEntries(
  world: ConformanceWorld,
  registryId: string,
  enough: (entries: LedgerTransaction[]) => boolean,
): Promise<LedgerTransaction[]> {
  const entries: LedgerTransaction[] = []
  await readLedgerOn(world, {
    take: (txn) => {
      if (txn.type === REVOC_REG_ENTRY && txn.data.revocRegDefId === registryId) entries.push(txn)
    },
    done: () => enough(entries),
    timeoutMs: boundFor(world, 2),
    awaited: `an entry of ${registryId} on the ledger that revokes credentials`,
    seen: () => `entries ${JSON.stringify(entries.map((e) => [e.seqNo, e.data.value]))}`,
  })
  return entries
}

Given(
  'the endorser will refuse the next request to write a revocation registry definition',
  function (this: ConformanceWorld) {
    this.instrument(ENDORSER).arm({ name: 'refuse-ledger-write', txnType: REVOC_REG_DEF }, 'transactions/request')
  },
)

Then(
  "the author reports the endorser's refusal of its revocation registry definition",
  async function (this: ConformanceWorld) {
    const { credentialDefinitionId } = revocation(this)
    // The refuse the endorser sent names the author's transaction; the request it answers is the registry's.
    const refuse = await this.instrument(ENDORSER).waitForTrace(
      'outbound',
      (e) => typePattern('transactions', 'refuse').test(e.type) && e.connectionId === this.connection(ENDORSER),
      `the endorser's refusal of a request of the author's`,
      { timeoutMs: boundFor(this, 2) },
    )
    const transactionId = String(refuse.message.transaction_id)
    const request = tracedBy(this, ENDORSER, 'inbound').find(
      (e) => typePattern('transactions', 'request').test(e.type) && e.message.transaction_id === transactionId,
    )
    assert.ok(request, `no request of transaction ${transactionId} came to the endorser`)
    assert.equal(
      ledgerWriteOf(request.message)?.type,
      REVOC_REG_DEF,
      'the refused request is not a registry definition',
    )
    assert.ok(
      JSON.stringify(request.message).includes(credentialDefinitionId),
      `the refused request is not for a registry of ${credentialDefinitionId}`,
    )
    this.observations.push(`the endorser refused the author's transaction ${transactionId}`)
    await this.the(AUTHOR, 'endorsement').waitForState(transactionId, 'transaction_refused', this.wait)
  },
)

Then(
  'the author claims no registry of the credential definition that is not on the ledger',
  async function (this: ConformanceWorld) {
    for (const id of await claimedRegistries(this)) {
      // Only "not there within the bound" is an answer here; any other error is the harness's.
      const onLedger = await unlessTimedOut(ledgerOfRun().revocationRegistryDefinition(id, this.wait.timeoutMs))
      assert.ok(onLedger, `the author claims registry ${id}, which is not on the ledger`)
    }
  },
)

Given('the tails server refuses every upload', function (this: ConformanceWorld) {
  const server = tailsServerOfRun()
  this.tailsMark = server.events.mark()
  server.refuseUploads({ status: 503, reason: 'the scenario has the tails server refuse every upload' })
})

Then(
  'the tails server refused an upload of the author, and the author claims no registry whose tails file it does not serve, for as long as the step bound',
  async function (this: ConformanceWorld) {
    const server = tailsServerOfRun()
    await server.events.waitFor({
      pick: (e) => (e.kind === 'upload-refused' && e.imposed ? e : undefined),
      since: this.tailsMark ?? 0,
      timeoutMs: boundFor(this, 2),
      awaited: 'an upload the tails server refused',
    })
    // The client retries, then gives up: a registry it then activates anyway shows within the bound.
    const served = (hash: string) => server.files().some((f) => f.tailsHash === hash)
    const violation = await unlessTimedOut(
      pollUntil({
        probe: async () => {
          for (const id of await claimedRegistries(this)) {
            const definition = await ledgerOfRun().client.getRevocationRegistryDefinition(id)
            if (!definition || !served(definition.value.tailsHash)) return id
          }
          return undefined
        },
        timeoutMs: this.wait.timeoutMs,
        awaited: 'a registry the author claims whose tails file the tails server does not serve',
      }),
    )
    assert.equal(violation, undefined, `the author claims registry ${violation}, whose tails file is not served`)
  },
)

After({ tags: '@revocation' }, function () {
  tailsServerOfRun().acceptUploads()
})

/** The registries of the credential definition the author says are in use, with what it says of all of them noted. */
async function claimedRegistries(world: ConformanceWorld): Promise<string[]> {
  const { credentialDefinitionId } = revocation(world)
  const author = world.the(AUTHOR, 'revocation')
  const [registries, active] = await Promise.all([
    author.registries(credentialDefinitionId),
    author.activeRegistry(credentialDefinitionId),
  ])
  world.observations.push(`the author's registries: ${JSON.stringify(registries)}; active: ${active ?? 'none'}`)
  // What says a registry is in use: askar's active or full, anoncreds' finished (registered), the active one.
  return [
    ...new Set([
      ...registries.filter((r) => ['active', 'full', 'finished'].includes(r.state)).map((r) => r.id),
      ...(active ? [active] : []),
    ]),
  ]
}

/** The ledger write a transactions request asks for (its `operation`), as text or as an object. */
function ledgerWriteOf(message: Record<string, unknown>): { type?: string } | undefined {
  const json = (message.messages_attach as { data?: { json?: unknown } } | undefined)?.data?.json
  try {
    const request = (typeof json === 'string' ? JSON.parse(json) : json) as { operation?: { type?: unknown } }
    return request?.operation ? { type: String(request.operation.type) } : undefined
  } catch {
    return undefined
  }
}

/**
 * How long the agent took, for `npm run bench`: from the call that makes the credential definition to
 * `count` registries with their entries on the ledger (its five writes, for two); once a registry has
 * filled, from the last credential it took to the registries on the ledger.
 */
function measureSetup(world: ConformanceWorld, count: number): void {
  const { calledAt, issued } = revocation(world)
  const now = Date.now()
  const measure = (m: Measurement) => world.attach(JSON.stringify(m), MEASUREMENT_MEDIA_TYPE)
  if (issued.length === 0) {
    measure({
      name: `credential definition call to ${count} registries with entries on the ledger`,
      ms: now - calledAt,
    })
    return
  }
  const switched = issued.findIndex((c) => c.registryId !== issued[0]?.registryId)
  const filled = issued[switched - 1]
  if (switched > 0 && filled) {
    measure({
      name: `last credential of a full registry to ${count} registries with entries on the ledger`,
      ms: now - filled.at,
    })
  }
}
