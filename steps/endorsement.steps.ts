import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Given, Then, When } from '@cucumber/cucumber'
import { ENDORSER_ALIAS, type TransactionJob } from '../backchannels/capabilities.js'
import { pollUntil, unlessTimedOut } from '../common/waitFor.js'
import { DEFAULT_WAIT_MS } from '../contract/connections.js'
import { DIDEXCHANGE_1_1 } from '../didcomm/messageType.js'
import type { RequestFacts } from '../agents/indy-pool/resource.js'
import { ledgerOfRun } from '../runner/context.js'
import { accept, bothCompleted, connect } from './support/connect.js'
import { endorsedWrite, endorsement, schemaOf } from './support/endorsed.js'
import { offeredSteps } from './support/offered.js'
import { receivedBy, typePattern } from './support/trace.js'
import type { ConformanceWorld } from './support/world.js'

const AUTHOR = 'author'
const ENDORSER = 'endorser'
const asAuthor = offeredSteps(AUTHOR)

function transaction(world: ConformanceWorld, role: string): string {
  const id = endorsement(world).transactions[role]
  if (!id) throw new Error(`the ${role} has no transaction in this scenario yet`)
  return id
}

function aboutOf(world: ConformanceWorld): string {
  const about = endorsement(world).about
  if (!about) throw new Error('the author has asked for nothing in this scenario')
  return about
}

/** The author's latest request, as the reference author traced it or the reference endorser received it. */
function requestMessage(world: ConformanceWorld): Record<string, unknown> {
  const about = aboutOf(world)
  for (const [role, direction] of [
    [AUTHOR, 'outbound'],
    [ENDORSER, 'inbound'],
  ] as const) {
    const driver = world.as(role)
    if (!driver.has('instrument')) continue
    const sent = driver
      .get('instrument')
      .trace(direction)
      .filter((e) => typePattern('transactions', 'request').test(e.type) && JSON.stringify(e.message).includes(about))
      .at(-1)
    if (sent) return sent.message
  }
  throw new Error('no transactions request in the reference agent’s trace')
}

function requestText(message: Record<string, unknown>): string {
  const json = (message.messages_attach as { data?: { json?: unknown } } | undefined)?.data?.json
  if (typeof json !== 'string')
    throw new Error(`the request's messages_attach.data.json is not a string: ${JSON.stringify(json)}`)
  return json
}

Given(
  /^the author and the endorser are connected(, the author naming the connection by its endorser alias)?, the endorser with (its|a role-less) DID on the ledger$/,
  async function (this: ConformanceWorld, named: string | undefined, which: string) {
    await connect(this, ENDORSER, AUTHOR, undefined, named ? ENDORSER_ALIAS : undefined)
    const withoutRole = which === 'a role-less'
    const endorser = this.the(ENDORSER, 'endorsement')
    const endorserDid = await endorser.ledgerDid('endorser', this.connection(ENDORSER), { withoutRole })
    this.endorsement = { authorDid: '', endorserDid, transactions: {} }
    this.observations.push(`endorser DID ${endorserDid} (${withoutRole ? 'no role' : 'ENDORSER'})`)
  },
)

Given('the author and the endorser are connected a second time', async function (this: ConformanceWorld) {
  // The scenario's connection stays the one its steps use; the second is kept apart, by name.
  const first = { ...this.connections }
  await connect(this, ENDORSER, AUTHOR)
  this.connections[`${ENDORSER} second`] = this.connection(ENDORSER)
  this.connections[`${AUTHOR} second`] = this.connection(AUTHOR)
  Object.assign(this.connections, { [ENDORSER]: first[ENDORSER], [AUTHOR]: first[AUTHOR] })
})

Given(
  /^each has taken its job on the connection, the author knowing the endorser's DID, with (its own on the ledger|no public DID of its own)$/,
  async function (this: ConformanceWorld, authorDid: string) {
    // One side at a time: ACA-Py keeps the jobs in one metadata record, and a job of its own taken while
    // the peer's arrives can make two of them (StorageDuplicateError on every later read).
    const jobs: Array<[string, TransactionJob, string]> = [
      [ENDORSER, 'TRANSACTION_ENDORSER', AUTHOR],
      [AUTHOR, 'TRANSACTION_AUTHOR', ENDORSER],
    ]
    for (const [role, job, peer] of jobs) {
      await this.the(role, 'endorsement').setJob(this.connection(role), job)
      await this.the(peer, 'endorsement').waitForPeerJob(this.connection(peer), job, this.wait)
    }
    await this.the(AUTHOR, 'endorsement').setEndorserInfo(
      this.connection(AUTHOR),
      endorsement(this).endorserDid,
      'endorser',
    )
    if (authorDid.startsWith('no public DID')) return
    // After the endorser info: an automatic author's DID goes public through its endorser.
    const did = await this.the(AUTHOR, 'endorsement').ledgerDid('author', this.connection(AUTHOR))
    endorsement(this).authorDid = did
    this.observations.push(`author DID ${did} (no ledger role)`)
  },
)

Then('the {word} was told the job {word}', async function (this: ConformanceWorld, role: string, job: string) {
  const told = await receivedBy(
    this,
    role,
    (e) => typePattern('transactions', 'transaction_my_job').test(e.type) && e.connectionId === this.connection(role),
    'transaction_my_job',
  )
  assert.equal(told.message.job, job, `the ${role} was told the job ${String(told.message.job)}`)
})

When(
  'the {word} is asked through its admin interface to take the job {word} on the connection',
  async function (this: ConformanceWorld, role: string, job: TransactionJob) {
    const refused = await this.the(role, 'endorsement')
      .setJob(this.connection(role), job)
      .then(
        () => undefined,
        (e: unknown) => (e as Error).message,
      )
    endorsement(this).jobChange = { ...endorsement(this).jobChange, [role]: refused === undefined ? {} : { refused } }
    this.observations.push(`the ${role}, asked to take the job ${job}: ${refused ? `refused (${refused})` : 'took it'}`)
  },
)

Then('the {word} is told no job {word}', async function (this: ConformanceWorld, role: string, job: string) {
  // A bounded wait for what must not come: the run's calibrated quiet bound.
  const told = await unlessTimedOut(
    receivedBy(
      this,
      role,
      (e) =>
        typePattern('transactions', 'transaction_my_job').test(e.type) &&
        e.connectionId === this.connection(role) &&
        e.message.job === job,
      `transaction_my_job ${job}`,
    ),
  )
  assert.equal(told, undefined, `the ${role} was told the job ${job} (transaction_my_job ${told?.id})`)
})

Then('the {word} refused to take the job', function (this: ConformanceWorld, role: string) {
  const answer = endorsement(this).jobChange?.[role]
  if (!answer) throw new Error(`the ${role} was not asked to take another job in this scenario`)
  assert.ok(answer.refused, `the ${role}'s admin interface took the job its configuration does not give it`)
})

Given(
  /^the (author|endorser) is set up for the automatic flow(, new)?$/,
  async function (this: ConformanceWorld, role: string, fresh?: string) {
    const options = fresh ? { fresh: true } : {}
    this.substitute(role, await this.the(role, 'endorsement').automatic(role as 'author' | 'endorser', options))
  },
)

Given('the endorser has an invitation out, with its DID on the ledger', async function (this: ConformanceWorld) {
  this.invitation = await this.the(ENDORSER, 'connections').createInvitation({ handshakeProtocols: [DIDEXCHANGE_1_1] })
  // No connection yet: the reference endorser's DID is written by the trustee, as on any connection.
  const endorserDid = await this.the(ENDORSER, 'endorsement').ledgerDid('endorser', '')
  this.endorsement = { authorDid: '', endorserDid, transactions: {} }
  this.observations.push(`endorser DID ${endorserDid} (ENDORSER); invitation ${this.invitation.invitationId}`)
})

Given(
  'the endorser has an invitation out under its public DID, on the ledger with its endpoint',
  async function (this: ConformanceWorld) {
    const endorser = this.the(ENDORSER, 'endorsement')
    // The author resolves did:sov:<DID> from the pool: its NYM gives the key, its ATTRIB the endpoint.
    const endorserDid = await endorser.ledgerDid('endorser', '', { withEndpoint: true })
    this.invitation = await this.the(ENDORSER, 'connections').createInvitation({
      handshakeProtocols: [DIDEXCHANGE_1_1],
      publicDid: endorserDid,
    })
    this.endorsement = { authorDid: '', endorserDid, transactions: {} }
    this.observations.push(
      `endorser DID ${endorserDid} (ENDORSER); invitation ${this.invitation.invitationId} under it`,
    )
  },
)

asAuthor.Given(
  'the author is set up for the automatic flow, new, knowing its endorser by public DID alone',
  async function (this: ConformanceWorld) {
    const endorserPublicDid = endorsement(this).endorserDid
    this.substitute(AUTHOR, await this.the(AUTHOR, 'endorsement').automatic(AUTHOR, { fresh: true, endorserPublicDid }))
  },
)

When(
  "the author accepts the endorser's invitation, naming the connection nothing",
  async function (this: ConformanceWorld) {
    await accept(this, AUTHOR, this.invitation?.invitation as Record<string, unknown>)
    await bothCompleted(this, ENDORSER, AUTHOR)
    const info = await this.the(AUTHOR, 'connections').getConnection(this.connection(AUTHOR))
    this.observations.push(`the author's connection ${info.id} (no alias) to ${info.theirDid ?? 'no DID'}, complete`)
  },
)

asAuthor.Given(
  "the author is set up for the automatic flow, new, given the endorser's invitation and DID",
  async function (this: ConformanceWorld) {
    if (!this.invitation) throw new Error('the endorser has no invitation out in this scenario')
    const endorserInvitation = { url: this.invitation.url, endorserDid: endorsement(this).endorserDid }
    this.substitute(
      AUTHOR,
      await this.the(AUTHOR, 'endorsement').automatic(AUTHOR, { fresh: true, endorserInvitation }),
    )
  },
)

Then(
  'the author connects to the endorser by itself, naming the connection by its endorser alias',
  async function (this: ConformanceWorld) {
    const invitationId = this.invitation?.invitationId
    if (!invitationId) throw new Error('the endorser has no invitation out in this scenario')
    const endorser = this.the(ENDORSER, 'connections')
    const connection = await endorser.waitForConnectionFromInvitation(invitationId, this.wait)
    await endorser.waitForConnectionState(connection, 'completed', this.wait)
    this.connections[ENDORSER] = connection
    const author = this.the(AUTHOR, 'endorsement')
    this.connections[AUTHOR] = await pollUntil({
      probe: () => author.endorserConnection(),
      timeoutMs: this.wait.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited: `the author's connection named "${ENDORSER_ALIAS}" to be complete`,
    })
  },
)

When('the author has its own DID on the ledger, made public', async function (this: ConformanceWorld) {
  const did = await this.the(AUTHOR, 'endorsement').ledgerDid('author', this.connection(AUTHOR))
  endorsement(this).authorDid = did
  this.observations.push(`author DID ${did} (no ledger role)`)
})

asAuthor.Given(
  /^the author is set up for the automatic flow, new and with no public DID(, promoting the DID its endorser writes for it)?$/,
  async function (this: ConformanceWorld, promoting?: string) {
    const options = { fresh: true, ...(promoting ? { promoteWrittenDid: true } : {}) }
    this.substitute(AUTHOR, await this.the(AUTHOR, 'endorsement').automatic(AUTHOR, options))
  },
)

Then('the author writes it and acks with no controller step', async function (this: ConformanceWorld) {
  await this.the(AUTHOR, 'endorsement').waitForState(transaction(this, AUTHOR), 'transaction_acked', this.wait)
})

Then('the endorser endorses the request with no controller step', async function (this: ConformanceWorld) {
  const endorser = this.the(ENDORSER, 'endorsement')
  const request = await endorser.waitForRequest(this.connection(ENDORSER), aboutOf(this), this.wait)
  endorsement(this).transactions[ENDORSER] = request.id
  await endorser.waitForState(request.id, 'transaction_endorsed', this.wait)
})

When(
  /^the author asks the endorser to endorse a new schema(, its expiry already past|, naming no connection)?$/,
  async function (this: ConformanceWorld, variant?: string) {
    const past = variant?.includes('expiry')
    const draft = {
      name: `conformance-${randomBytes(4).toString('hex')}`,
      version: '1.0',
      attributes: ['name', 'score'],
    }
    // A minute ago, to the second, as ACA-Py writes the field.
    const expiresTime = past ? new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z') : undefined
    const asked = await this.the(AUTHOR, 'endorsement').requestSchemaEndorsement(this.connection(AUTHOR), draft, {
      ...(expiresTime ? { expiresTime } : {}),
      ...(variant?.includes('no connection') ? { namingNoConnection: true } : {}),
    })
    endorsement(this).schema = { ...draft, id: asked.schemaId }
    endorsement(this).about = draft.name
    endorsement(this).transactions[AUTHOR] = asked.id
    this.observations.push(`the author asked for ${asked.schemaId} (its transaction ${asked.id}, ${asked.state})`)
  },
)

When('the endorser has received the request', async function (this: ConformanceWorld) {
  const request = await this.the(ENDORSER, 'endorsement').waitForRequest(
    this.connection(ENDORSER),
    aboutOf(this),
    this.wait,
  )
  endorsement(this).transactions[ENDORSER] = request.id
})

When(/^the author (cancels|resends) its request$/, async function (this: ConformanceWorld, what: string) {
  const author = this.the(AUTHOR, 'endorsement')
  await (what === 'cancels' ? author.cancel(transaction(this, AUTHOR)) : author.resend(transaction(this, AUTHOR)))
})

Then(
  /^the endorser's record of the request is (cancelled|resent)$/,
  async function (this: ConformanceWorld, what: string) {
    const state = what === 'cancelled' ? 'transaction_cancelled' : 'transaction_resent_received'
    await this.the(ENDORSER, 'endorsement').waitForState(transaction(this, ENDORSER), state, this.wait)
  },
)

When('the endorser is asked to endorse the request', async function (this: ConformanceWorld) {
  // The agent may refuse the call, or make it and send nothing: what the author receives is the verdict.
  await this.the(ENDORSER, 'endorsement')
    .endorse(transaction(this, ENDORSER))
    .then(
      () => this.observations.push('the endorser took the call to endorse'),
      (e: unknown) => this.observations.push(`the endorser refused the call to endorse: ${(e as Error).message}`),
    )
})

When('the endorser {word} the request', async function (this: ConformanceWorld, decision: string) {
  const endorser = this.the(ENDORSER, 'endorsement')
  const request = await endorser.waitForRequest(this.connection(ENDORSER), aboutOf(this), this.wait)
  endorsement(this).transactions[ENDORSER] = request.id
  if (decision === 'endorses') await endorser.endorse(request.id)
  else if (decision === 'refuses') await endorser.refuse(request.id)
  else throw new Error(`the endorser cannot "${decision}" a request`)
})

When(/^the author (writes|tries to write) the endorsed transaction$/, async function (this: ConformanceWorld, how) {
  const author = this.the(AUTHOR, 'endorsement')
  await author.waitForState(transaction(this, AUTHOR), 'transaction_endorsed', this.wait)
  if (how === 'writes') return author.write(transaction(this, AUTHOR))
  this.lastError = await author.write(transaction(this, AUTHOR)).then(
    () => undefined,
    (e: unknown) => e as Error,
  )
})

Then("the author reports the ledger's refusal of the write", function (this: ConformanceWorld) {
  this.observations.push(`the write: ${this.lastError?.message ?? 'no error'}`)
  assert.ok(this.lastError, 'the author said nothing of the refused write: its write call succeeded')
})

Then('the endorser receives no ack', async function (this: ConformanceWorld) {
  const acked = await unlessTimedOut(
    receivedBy(
      this,
      ENDORSER,
      (e) => typePattern('transactions', 'ack').test(e.type) && e.connectionId === this.connection(ENDORSER),
      'an ack',
    ),
  )
  assert.equal(acked, undefined, `the author acked a write the ledger refused (ack ${acked?.id})`)
})

/**
 * The author's request about `about` as the endorser received it: on this scenario's connection, for
 * the author's transaction, from the author's DID, naming the endorser and signed by the author.
 */
async function authorsRequest(world: ConformanceWorld, about: string): Promise<RequestFacts> {
  const { authorDid, endorserDid } = endorsement(world)
  const entry = await receivedBy(
    world,
    ENDORSER,
    (e) => typePattern('transactions', 'request').test(e.type) && JSON.stringify(e.message).includes(about),
    `a request about ${about}`,
  )
  assert.equal(entry.connectionId, world.connection(ENDORSER), 'the request came on another connection than this one')
  assert.equal(entry.message.transaction_id, transaction(world, AUTHOR), 'transaction_id is not the author’s record id')
  // The request as the reference endorser read it off the wire, exact where it came as an object
  // (its reqId exceeds 2^53; the trace's parse of the message has rounded it).
  const held = await world.the(ENDORSER, 'endorsement').waitForRequest(world.connection(ENDORSER), about, world.wait)
  const facts = await ledgerOfRun().requestFacts(held.request ?? requestText(entry.message))
  world.observations.push(`the request: ${JSON.stringify(facts)}`)
  assert.equal(facts.identifier, authorDid, 'the request is not from the author’s DID')
  assert.equal(facts.endorser, endorserDid, 'the request does not name the endorser')
  assert.equal(facts.signatures[authorDid], true, 'the request does not carry a valid signature of the author')
  return facts
}

Then(
  'the endorser receives the request for that schema, naming the endorser and signed by the author',
  async function (this: ConformanceWorld) {
    const schema = schemaOf(this)
    const facts = await authorsRequest(this, schema.name)
    const data = facts.operation.data as { name?: unknown; version?: unknown; attr_names?: unknown } | undefined
    assert.equal(facts.operation.type, '101', 'the request is not a SCHEMA')
    assert.deepEqual(
      { name: data?.name, version: data?.version, attrs: [...((data?.attr_names as string[]) ?? [])].sort() },
      { name: schema.name, version: schema.version, attrs: [...schema.attributes].sort() },
    )
  },
)

When('the author asks the endorser to endorse a new endpoint of its DID', async function (this: ConformanceWorld) {
  const endpoint = `http://endorsed-${randomBytes(4).toString('hex')}.test:8020/didcomm`
  const asked = await this.the(AUTHOR, 'endorsement').requestEndpointEndorsement(this.connection(AUTHOR), endpoint)
  assert.equal(asked.did, endorsement(this).authorDid, 'the endpoint is not asked for the author’s ledger DID')
  endorsement(this).endpoint = endpoint
  endorsement(this).about = endpoint
  endorsement(this).transactions[AUTHOR] = asked.id
})

Then(
  'the endorser receives the request for that endpoint, naming the endorser and signed by the author',
  async function (this: ConformanceWorld) {
    const endpoint = aboutOf(this)
    const facts = await authorsRequest(this, endpoint)
    assert.equal(facts.operation.type, '100', 'the request is not an ATTRIB')
    assert.equal(facts.operation.dest, endorsement(this).authorDid, 'the ATTRIB is not of the author’s DID')
    const raw = JSON.parse(String(facts.operation.raw)) as { endpoint?: { endpoint?: unknown } }
    assert.equal(raw.endpoint?.endpoint, endpoint, 'the ATTRIB sets another endpoint than asked for')
  },
)

Then(
  'the endpoint is on the ledger, written by the author and endorsed by the endorser',
  async function (this: ConformanceWorld) {
    const { authorDid, endpoint } = endorsement(this)
    if (!endpoint) throw new Error('the author asked for no endpoint in this scenario')
    const ledger = ledgerOfRun()
    const attrib = await ledger.attrib(
      authorDid,
      'endpoint',
      this.wait.timeoutMs,
      (value) => (value as { endpoint?: unknown } | null)?.endpoint === endpoint,
    )
    await endorsedWrite(this, attrib.seqNo, {
      type: '100',
      what: `the endpoint ATTRIB of ${authorDid}`,
      author: authorDid,
      as: 'the author',
    })
  },
)

Then(
  'the author receives the endorsement: its own request, signed by the author and the endorser',
  async function (this: ConformanceWorld) {
    const { authorDid, endorserDid } = endorsement(this)
    const entry = await receivedBy(
      this,
      AUTHOR,
      (e) => typePattern('transactions', 'endorse').test(e.type) && e.connectionId === this.connection(AUTHOR),
      'an endorse',
    )
    const m = entry.message as Record<string, unknown> & {
      signature_response?: { message_id?: unknown; signature?: Record<string, unknown> }
    }
    const request = requestMessage(this)
    assert.equal(m.transaction_id, request.transaction_id, 'transaction_id is not the author’s')
    assert.equal(
      m.signature_response?.message_id,
      (request.messages_attach as { '@id'?: unknown } | undefined)?.['@id'],
      'signature_response.message_id is not the id of the request’s attachment',
    )
    assert.equal(m.endorser_did, endorserDid, 'endorser_did is not the endorser’s DID')
    const endorsed = m.signature_response?.signature?.[endorserDid]
    assert.equal(typeof endorsed, 'string', `signature_response.signature has no request for ${endorserDid}`)
    const ledger = ledgerOfRun()
    const [asked, given] = await Promise.all([
      ledger.requestFacts(requestText(request)),
      ledger.requestFacts(endorsed as string),
    ])
    this.observations.push(`asked: ${JSON.stringify(asked)}`, `endorsed: ${JSON.stringify(given)}`)
    assert.equal(given.identifier, authorDid, 'the endorsed request is not the author’s')
    assert.equal(given.endorser, endorserDid, 'the endorsed request does not name the endorser')
    assert.equal(given.reqId, asked.reqId, 'the endorsed request has another reqId than the one asked for')
    assert.deepEqual(given.operation, asked.operation, 'the endorsed request asks for another write')
    assert.deepEqual(given.signatures, { [authorDid]: true, [endorserDid]: true }, 'not signed by exactly both')
  },
)

Then(
  'the schema is on the ledger, written by the author and endorsed by the endorser',
  async function (this: ConformanceWorld) {
    const { authorDid } = endorsement(this)
    const schema = schemaOf(this)
    const ledger = ledgerOfRun()
    const written = await ledger.schema(schema.id, this.wait.timeoutMs)
    await endorsedWrite(this, written.seqNo, {
      type: '101',
      what: `schema ${schema.id}`,
      author: authorDid,
      as: 'the author',
    })
    assert.deepEqual([...written.attrNames].sort(), [...schema.attributes].sort(), 'other attributes than asked for')
  },
)

Then("the endorser receives the author's ack", async function (this: ConformanceWorld) {
  // On this scenario's connection: an ack another scenario's author sent late is not this author's.
  const ack = await receivedBy(
    this,
    ENDORSER,
    (e) => typePattern('transactions', 'ack').test(e.type) && e.connectionId === this.connection(ENDORSER),
    'an ack',
  )
  assert.equal(
    ack.message.thread_id,
    requestMessage(this).transaction_id,
    'the ack’s thread_id is not the author’s transaction_id',
  )
})

Then("the {word}'s transaction is {word}", async function (this: ConformanceWorld, role: string, state: string) {
  const states: Record<string, 'transaction_acked' | 'transaction_refused'> = {
    acked: 'transaction_acked',
    refused: 'transaction_refused',
  }
  const wanted = states[state]
  if (!wanted) throw new Error(`no transaction state "${state}"`)
  await this.the(role, 'endorsement').waitForState(transaction(this, role), wanted, this.wait)
})

Then('the author receives a refusal of its request', async function (this: ConformanceWorld) {
  const entry = await receivedBy(
    this,
    AUTHOR,
    (e) => typePattern('transactions', 'refuse').test(e.type) && e.connectionId === this.connection(AUTHOR),
    'a refuse',
  )
  const m = entry.message as Record<string, unknown> & { signature_response?: { signature?: unknown } }
  assert.equal(m.transaction_id, requestMessage(this).transaction_id, 'transaction_id is not the author’s')
  assert.equal(m.state, 'transaction_refused')
  assert.equal(m.signature_response?.signature, undefined, 'a refusal carries a signature')
})

Then('the schema is not on the ledger', async function (this: ConformanceWorld) {
  const schema = schemaOf(this)
  const found = await ledgerOfRun().schemaNow(schema.id)
  this.observations.push(`read back: schema ${schema.id}: ${JSON.stringify(found)}`)
  assert.equal(found, null, `the refused schema ${schema.id} is on the ledger`)
})

Then(
  'every request the endorser received from the author carries its ledger request as text',
  async function (this: ConformanceWorld) {
    // The request that made the author's DID public, if the author asked for one (ACA-Py does, for its
    // endpoint ATTRIB): it is sent before the schema's, but nothing says it is delivered first.
    const { authorDid } = endorsement(this)
    const about = aboutOf(this)
    await unlessTimedOut(
      receivedBy(
        this,
        ENDORSER,
        (e) =>
          typePattern('transactions', 'request').test(e.type) &&
          JSON.stringify(e.message).includes(authorDid) &&
          !JSON.stringify(e.message).includes(about),
        'a request for the author’s own DID',
      ),
    )
    const requests = this.instrument(ENDORSER)
      .trace('inbound')
      .filter((e) => typePattern('transactions', 'request').test(e.type))
    const objects = requests.filter(
      (e) => typeof (e.message.messages_attach as { data?: { json?: unknown } } | undefined)?.data?.json !== 'string',
    )
    this.observations.push(...requests.map((e) => `request ${e.id}: ${JSON.stringify(e.message.messages_attach)}`))
    assert.deepEqual(
      objects.map((e) => e.id),
      [],
      `${objects.length} of ${requests.length} requests carry their ledger request as an object, its reqId a JSON number`,
    )
  },
)

Then('the author receives no endorsement of its request', async function (this: ConformanceWorld) {
  const transactionId = transaction(this, AUTHOR)
  // A bounded wait for what must not come: the run's calibrated quiet bound.
  const endorsed = await unlessTimedOut(
    receivedBy(
      this,
      AUTHOR,
      (e) => typePattern('transactions', 'endorse').test(e.type) && e.message.transaction_id === transactionId,
      'an endorse',
    ),
  )
  assert.equal(endorsed, undefined, `the endorser endorsed a request it must not endorse (endorse ${endorsed?.id})`)
})

When(
  'the author asks the endorser to endorse a credential definition for that schema',
  async function (this: ConformanceWorld) {
    const tag = `cd${randomBytes(4).toString('hex')}`
    const asked = await this.the(AUTHOR, 'endorsement').requestCredentialDefinitionEndorsement(
      this.connection(AUTHOR),
      schemaOf(this).id,
      tag,
    )
    endorsement(this).credentialDefinition = { id: asked.credentialDefinitionId, tag }
    endorsement(this).about = tag
    endorsement(this).transactions[AUTHOR] = asked.id
    this.observations.push(`the author asked for ${asked.credentialDefinitionId} (its transaction ${asked.id})`)
  },
)

Then(
  'the credential definition is on the ledger, written by the author and endorsed by the endorser',
  async function (this: ConformanceWorld) {
    const { authorDid, credentialDefinition } = endorsement(this)
    if (!credentialDefinition) throw new Error('no credential definition was asked for in this scenario')
    const ledger = ledgerOfRun()
    const written = await ledger.credentialDefinition(credentialDefinition.id, this.wait.timeoutMs)
    const schema = await ledger.schema(schemaOf(this).id)
    await endorsedWrite(this, written.seqNo, {
      type: '102',
      what: `credential definition ${credentialDefinition.id}`,
      author: authorDid,
      as: 'the author',
    })
    assert.equal(written.schemaSeqNo, schema.seqNo, 'the credential definition is not on the schema asked for')
    assert.equal(written.tag, credentialDefinition.tag)
  },
)

asAuthor.When(
  'the author asks the endorser to write the NYM of a new DID of its own',
  async function (this: ConformanceWorld) {
    const asked = await this.the(AUTHOR, 'endorsement').requestDidRegistration(this.connection(AUTHOR))
    endorsement(this).registered = { did: asked.did, verkey: asked.verkey }
    endorsement(this).about = asked.did
    endorsement(this).transactions[AUTHOR] = asked.id
    this.observations.push(`the author asked for the NYM of ${asked.did} (its transaction ${asked.id})`)
  },
)

Then(
  'the author receives the endorsement of its DID, which the endorser wrote to the ledger',
  async function (this: ConformanceWorld) {
    const { endorserDid, registered } = endorsement(this)
    if (!registered) throw new Error('no DID was asked to be written in this scenario')
    const entry = await receivedBy(
      this,
      AUTHOR,
      (e) =>
        typePattern('transactions', 'endorse').test(e.type) && e.message.transaction_id === transaction(this, AUTHOR),
      'an endorse',
    )
    const m = entry.message as Record<string, unknown> & {
      signature_response?: { signer_goal_code?: unknown; signature?: Record<string, unknown> }
    }
    assert.equal(m.signature_response?.signer_goal_code, 'aries.transaction.ledger.write_did')
    const answer = m.signature_response?.signature?.[endorserDid]
    assert.equal(typeof answer, 'string', `signature_response.signature has nothing for ${endorserDid}`)
    const said = JSON.parse(answer as string) as { result?: { txn?: { type?: unknown; data?: { dest?: unknown } } } }
    assert.deepEqual(
      { type: said.result?.txn?.type, dest: said.result?.txn?.data?.dest },
      { type: '1', dest: registered.did },
      'the endorse does not say a NYM of the DID was written',
    )
    await nymWrittenByEndorser(this)
  },
)

/** The DID the author asked its endorser to write, read back from the pool: its verkey, no role, the endorser's write. */
async function nymWrittenByEndorser(world: ConformanceWorld): Promise<void> {
  const { endorserDid, registered } = endorsement(world)
  if (!registered) throw new Error('no DID was asked to be written in this scenario')
  const ledger = ledgerOfRun()
  const nym = await ledger.nym(registered.did, world.wait.timeoutMs)
  assert.equal(nym.verkey, registered.verkey, 'the NYM on the ledger holds another verkey')
  assert.equal(nym.role, null, 'the author’s new DID got a role')
  const txn = await ledger.transaction(nym.seqNo)
  assert.equal(txn.from, endorserDid, 'the NYM was not written by the endorser')
}

function registeredDid(world: ConformanceWorld): { did: string; verkey: string } {
  const { registered } = endorsement(world)
  if (!registered) throw new Error('no DID was asked to be written in this scenario')
  return registered
}

Then(
  "the endorser receives the author's request to write the NYM of its new DID",
  async function (this: ConformanceWorld) {
    const registered = registeredDid(this)
    const entry = await receivedBy(
      this,
      ENDORSER,
      (e) => typePattern('transactions', 'request').test(e.type) && JSON.stringify(e.message).includes(registered.did),
      `a request about ${registered.did}`,
    )
    const m = entry.message as Record<string, unknown> & {
      signature_request?: { signer_goal_code?: unknown; author_goal_code?: unknown }
    }
    this.observations.push(`the request: ${JSON.stringify(m)}`)
    assert.equal(entry.connectionId, this.connection(ENDORSER), 'the request came on another connection than this one')
    assert.equal(m.transaction_id, transaction(this, AUTHOR), 'transaction_id is not the author’s record id')
    assert.equal(m.signature_request?.signer_goal_code, 'aries.transaction.ledger.write_did', 'not the write_did goal')
    const asked = JSON.parse(requestText(m)) as { did?: unknown; verkey?: unknown }
    assert.deepEqual({ did: asked.did, verkey: asked.verkey }, registered, 'the request names another DID or verkey')
  },
)

Then(
  "the NYM of the author's new DID is on the ledger, written by the endorser",
  async function (this: ConformanceWorld) {
    await nymWrittenByEndorser(this)
  },
)

Then(
  "the endorser receives the author's request to write the endpoint of its new DID, signed with that DID",
  async function (this: ConformanceWorld) {
    const registered = registeredDid(this)
    const { endorserDid } = endorsement(this)
    const about = (e: { type: string; message: Record<string, unknown> }) =>
      typePattern('transactions', 'request').test(e.type) &&
      JSON.stringify(e.message).includes('endpoint') &&
      JSON.stringify(e.message).includes(registered.did)
    const entry = await receivedBy(this, ENDORSER, about, `a request for the endpoint of ${registered.did}`)
    const facts = await ledgerOfRun().requestFacts(requestText(entry.message))
    this.observations.push(`the request: ${JSON.stringify(facts)}`)
    assert.equal(facts.operation.type, '100', 'the request is not an ATTRIB')
    assert.equal(facts.operation.dest, registered.did, 'the ATTRIB is not of the new DID')
    assert.equal(facts.identifier, registered.did, 'the request is not from the new DID')
    assert.equal(facts.endorser, endorserDid, 'the request does not name the endorser')
    assert.equal(facts.signatures[registered.did], true, 'the request does not carry a valid signature of the new DID')
    // What the scenario's next steps are about: this request, the author's newest transaction.
    endorsement(this).about = 'endpoint'
    endorsement(this).authorDid = registered.did
    endorsement(this).transactions[AUTHOR] = String(entry.message.transaction_id)
  },
)

Then(
  "the endpoint of the author's new DID is on the ledger, written by the author and endorsed by the endorser",
  async function (this: ConformanceWorld) {
    const { did } = registeredDid(this)
    const ledger = ledgerOfRun()
    const attrib = await ledger.attrib(did, 'endpoint', this.wait.timeoutMs)
    await endorsedWrite(this, attrib.seqNo, {
      type: '100',
      what: `the endpoint ATTRIB of ${did}`,
      author: did,
      as: 'the new DID',
    })
    assert.ok(attrib.value, 'the ATTRIB holds no endpoint')
  },
)

Then("the author's public DID is its new DID", async function (this: ConformanceWorld) {
  const { did } = registeredDid(this)
  const author = this.the(AUTHOR, 'endorsement')
  let seen: string | undefined
  await pollUntil({
    probe: async () => ((seen = await author.publicDid()) === did ? true : undefined),
    timeoutMs: this.wait.timeoutMs ?? DEFAULT_WAIT_MS,
    awaited: `the author's public DID to be ${did}`,
    seen: () => `public DID ${seen ?? 'none'}`,
  })
})

When('the endorser endorses the request again', async function (this: ConformanceWorld) {
  await this.the(ENDORSER, 'endorsement').endorse(transaction(this, ENDORSER))
})

Then("the author's transaction is still waiting for its endorsement", async function (this: ConformanceWorld) {
  // A trust ping answered after the endorse: the author has taken in what came before it.
  const messaging = this.the(ENDORSER, 'messaging')
  const ping = await messaging.sendTrustPing(this.connection(ENDORSER))
  await messaging.waitForTrustPingResponse(this.connection(ENDORSER), ping, this.wait)
  const now = await this.the(AUTHOR, 'endorsement').transaction(transaction(this, AUTHOR))
  this.observations.push(`the author's transaction after that endorse: ${JSON.stringify(now)}`)
  assert.equal(now.state, 'request_sent', 'an endorse the author must not take changed its transaction')
})

Then('the request the endorser gave back in its place is not on the ledger', async function (this: ConformanceWorld) {
  const { endorserDid } = endorsement(this)
  const sent = this.instrument(ENDORSER)
    .trace('outbound')
    .filter((e) => typePattern('transactions', 'endorse').test(e.type))
    .at(-1)
  const text = (sent?.message.signature_response as { signature?: Record<string, unknown> } | undefined)?.signature?.[
    endorserDid
  ]
  if (typeof text !== 'string') throw new Error('the endorser sent no endorse with a request in it')
  const { identifier, operation } = JSON.parse(text) as {
    identifier: string
    operation: { data: { name: string; version: string } }
  }
  const schemaId = `${identifier}:2:${operation.data.name}:${operation.data.version}`
  this.observations.push(`the author's write: ${this.lastError?.message ?? 'succeeded'}`)
  const ledger = ledgerOfRun()
  // A write the author says it made is on the pool within the bound; a refused one is checked at once.
  const found = this.lastError
    ? await ledger.schemaNow(schemaId)
    : ((await unlessTimedOut(ledger.schema(schemaId, this.wait.timeoutMs))) ?? null)
  assert.equal(found, null, `the author wrote ${schemaId}, another author's schema it never asked for`)
})
