import assert from 'node:assert/strict'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import bs58 from 'bs58'
import {
  type Agency,
  type Credential,
  type DeliveredEvent,
  type Tenant,
  type TokenForgery,
} from '../backchannels/capabilities.js'
import { sameDid } from '../didcomm/dids.js'
import { newMessage } from '../didcomm/message.js'
import { MessageTypes } from '../didcomm/messageType.js'
import { connectPair, exchangePings } from './support/connect.js'
import { offeredSteps } from './support/offered.js'
import { typePattern } from './support/trace.js'
import type { ConformanceWorld } from './support/world.js'

const AGENCY = 'agency'
const { Given, When, Then } = offeredSteps(AGENCY)
const PEER = 'peer'

function agency(world: ConformanceWorld): Agency {
  if (!world.tenancy) throw new Error('no agency in this scenario yet')
  return world.tenancy.agency
}

function tenant(world: ConformanceWorld, name: string): Tenant {
  const t = world.tenancy?.tenants[name]
  if (!t) throw new Error(`no tenant "${name}" in this scenario`)
  return t
}

/** The connection ids of a tenant and of the peer on their connection. */
function link(world: ConformanceWorld, name: string): { tenant: string; peer: string } {
  const l = world.tenancy?.links[name]
  if (!l) throw new Error(`tenant "${name}" has no connection with the peer in this scenario`)
  return l
}

/** Records what a check saw, for the evidence of a failure. */
function note(world: ConformanceWorld, line: string): void {
  world.tenancy?.observations.push(line)
}

async function callAs(
  world: ConformanceWorld,
  who: string,
  credential: Credential,
  call: Parameters<Agency['call']>[1],
) {
  const outcome = await agency(world).call(credential, call)
  note(
    world,
    `${who} ${call.call}${'id' in call ? ` ${call.id}` : ''}: HTTP ${outcome.status}${outcome.ids.length ? ` [${outcome.ids.join(', ')}]` : ''}`,
  )
  return outcome
}

/** What a tenant owns, as its own token lists it: the check that another cannot see it could fail. */
async function ownedBy(world: ConformanceWorld, name: string): Promise<{ connections: string[]; dids: string[] }> {
  const self: Credential = { as: 'tenant', tenant: tenant(world, name) }
  const connections = await callAs(world, name, self, { call: 'list-connections' })
  const dids = await callAs(world, name, self, { call: 'list-dids' })
  assert.ok(
    connections.allowed && dids.allowed,
    `tenant ${name}'s own token lists its records (HTTP ${connections.status}, ${dids.status})`,
  )
  return { connections: connections.ids, dids: dids.ids }
}

async function assertSeesNoneOf(world: ConformanceWorld, who: string, credential: Credential, owner: string) {
  const owned = await ownedBy(world, owner)
  assert.ok(owned.connections.length > 0, `tenant ${owner} has a connection to be hidden`)
  for (const [call, theirs] of [
    ['list-connections', owned.connections],
    ['list-dids', owned.dids],
  ] as const) {
    const outcome = await callAs(world, who, credential, { call })
    const seen = outcome.ids.filter((id) => theirs.includes(id))
    assert.deepEqual(seen, [], `${who} (${call}, HTTP ${outcome.status}) sees records of tenant ${owner}`)
  }
}

Given(
  'the agency in {word} tenancy has tenants {string} and {string}',
  async function (this: ConformanceWorld, mode: string, a: string, b: string) {
    const chosen = await this.the(AGENCY, 'tenancy').agency(mode)
    // Tenants are made afresh for each scenario; the agency lives on for the run.
    const suffix = randomUUID().slice(0, 8)
    const tenants: Record<string, Tenant> = {}
    for (const name of [a, b]) tenants[name] = await chosen.createTenant(`tenant-${name}-${suffix}`)
    this.tenancy = { agency: chosen, tenants, links: {}, observations: [] }
  },
)

Given('tenant {string} is connected with the peer', async function (this: ConformanceWorld, name: string) {
  const ids = await connectPair(tenant(this, name).driver.get('connections'), this.the(PEER, 'connections'), this.wait)
  ;(this.tenancy as NonNullable<ConformanceWorld['tenancy']>).links[name] = { tenant: ids.inviter, peer: ids.invitee }
})

Then(
  'tenant {string} lists none of the connections and DIDs of tenant {string}',
  async function (this: ConformanceWorld, a: string, b: string) {
    await assertSeesNoneOf(this, `tenant ${a}`, { as: 'tenant', tenant: tenant(this, a) }, b)
  },
)

Then(
  'the base wallet lists none of the connections and DIDs of tenant {string}',
  async function (this: ConformanceWorld, name: string) {
    await assertSeesNoneOf(this, 'the base wallet', { as: 'base-wallet' }, name)
  },
)

Then(
  'tenant {string} can neither read nor delete the connection of tenant {string}',
  async function (this: ConformanceWorld, a: string, b: string) {
    const theirs = link(this, b).tenant
    const asA: Credential = { as: 'tenant', tenant: tenant(this, a) }
    const read = await callAs(this, `tenant ${a}`, asA, { call: 'read-connection', id: theirs })
    assert.ok(!read.allowed, `tenant ${a} read the connection of tenant ${b} (HTTP ${read.status})`)
    const removed = await callAs(this, `tenant ${a}`, asA, { call: 'delete-connection', id: theirs })
    assert.ok(!removed.allowed, `tenant ${a} deleted the connection of tenant ${b} (HTTP ${removed.status})`)
    const still = await callAs(
      this,
      `tenant ${b}`,
      { as: 'tenant', tenant: tenant(this, b) },
      { call: 'read-connection', id: theirs },
    )
    assert.ok(
      still.allowed,
      `tenant ${b}'s connection is gone after tenant ${a} tried to delete it (HTTP ${still.status})`,
    )
  },
)

Then(
  'the peer and tenant {string} exchange trust pings both ways',
  async function (this: ConformanceWorld, name: string) {
    const l = link(this, name)
    await exchangePings(
      { messaging: tenant(this, name).driver.get('messaging'), connection: l.tenant },
      { messaging: this.the(PEER, 'messaging'), connection: l.peer },
      this.wait,
    )
  },
)

Then(
  'tenant {string} can neither list tenants, nor read a tenant record, nor issue a token for tenant {string}',
  async function (this: ConformanceWorld, a: string, b: string) {
    const asA: Credential = { as: 'tenant', tenant: tenant(this, a) }
    const calls = [
      { call: 'list-tenants' },
      { call: 'read-tenant', tenant: tenant(this, a) },
      { call: 'read-tenant', tenant: tenant(this, b) },
      { call: 'issue-token', tenant: tenant(this, b) },
    ] as const
    const allowed: string[] = []
    for (const call of calls) {
      const outcome = await callAs(this, `tenant ${a}`, asA, call)
      if (outcome.allowed)
        allowed.push(`${call.call}${'tenant' in call ? ` of ${call.tenant.label}` : ''} (HTTP ${outcome.status})`)
    }
    assert.deepEqual(allowed, [], `tenant ${a} was allowed multitenancy admin calls`)
  },
)

When('tenant {string} is issued a new token', async function (this: ConformanceWorld, name: string) {
  await agency(this).reissueToken(tenant(this, name))
})

Then(
  'the previous token of tenant {string} is refused and its new token accepted',
  async function (this: ConformanceWorld, name: string) {
    const t = tenant(this, name)
    const old = await callAs(
      this,
      `tenant ${name} (previous token)`,
      { as: 'previous-token', tenant: t },
      { call: 'list-dids' },
    )
    assert.ok(!old.allowed, `the previous token of tenant ${name} is still accepted (HTTP ${old.status})`)
    const current = await callAs(this, `tenant ${name}`, { as: 'tenant', tenant: t }, { call: 'list-dids' })
    assert.ok(current.allowed, `the new token of tenant ${name} is refused (HTTP ${current.status})`)
  },
)

When('tenant {string} is removed', async function (this: ConformanceWorld, name: string) {
  await agency(this).removeTenant(tenant(this, name))
})

Then('the token of tenant {string} is refused', async function (this: ConformanceWorld, name: string) {
  const outcome = await callAs(
    this,
    `tenant ${name}`,
    { as: 'tenant', tenant: tenant(this, name) },
    { call: 'list-dids' },
  )
  assert.ok(!outcome.allowed, `the token of removed tenant ${name} is accepted (HTTP ${outcome.status})`)
})

Then('the token of tenant {string} is accepted', async function (this: ConformanceWorld, name: string) {
  const outcome = await callAs(
    this,
    `tenant ${name}`,
    { as: 'tenant', tenant: tenant(this, name) },
    { call: 'list-dids' },
  )
  assert.ok(outcome.allowed, `the token of tenant ${name} is refused (HTTP ${outcome.status})`)
})

Then(
  'tokens forged from the token of tenant {string} are refused, also with the wallet id of tenant {string} in it',
  async function (this: ConformanceWorld, a: string, b: string) {
    const accepted: string[] = []
    for (const forgery of ['wrong-secret', 'alg-none', 'wallet-id-swapped'] as TokenForgery[]) {
      const credential: Credential = { as: 'forged-token', tenant: tenant(this, a), forgery, other: tenant(this, b) }
      const outcome = await callAs(this, `a ${forgery} token`, credential, { call: 'list-dids' })
      if (outcome.allowed) accepted.push(`${forgery} (HTTP ${outcome.status})`)
    }
    assert.deepEqual(accepted, [], 'forged tokens accepted')
  },
)

When('the peer sends tenant {string} a basic message', async function (this: ConformanceWorld, name: string) {
  const content = `for tenant ${name} ${randomUUID()}`
  const instrument = this.instrument(PEER)
  const mark = instrument.mark()
  await this.the(PEER, 'messaging').sendBasicMessage(link(this, name).peer, content)
  const sent = instrument.traceSince(mark).find((e) => e.direction === 'outbound' && e.message.content === content)
  this.tenancy = {
    ...(this.tenancy as NonNullable<ConformanceWorld['tenancy']>),
    sent: { content, delivery: sent?.delivery },
  }
})

When('the peer sends a basic message encrypted to a key no tenant owns', async function (this: ConformanceWorld) {
  const content = `for no one ${randomUUID()}`
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  const message = newMessage(MessageTypes.basicMessage, { content, sent_time: new Date().toISOString() })
  const status = await this.instrument(PEER).sendToKey(agency(this).endpoint, bs58.encode(raw), message)
  this.tenancy = {
    ...(this.tenancy as NonNullable<ConformanceWorld['tenancy']>),
    sent: { content, delivery: `HTTP ${status}` },
  }
})

/** The first delivered event that carries the content, or undefined once the calibrated quiet bound has passed. */
function carrying(content: string) {
  return (e: DeliveredEvent) => JSON.stringify(e.payload).includes(content)
}

Then(
  'tenant {string} receives it and no other subscriber gets it',
  async function (this: ConformanceWorld, name: string) {
    const t = tenant(this, name)
    const content = this.tenancy?.sent?.content as string
    await t.driver.get('messaging').waitForBasicMessage(link(this, name).tenant, content, this.wait)
    // Another subscriber's event, or one that names another wallet, already here or within the bound.
    const stray = await agency(this).eventWithin(
      (e) => carrying(content)(e) && (e.subscriber !== t.label || e.walletId !== t.id),
      this.wait.timeoutMs,
    )
    assert.equal(
      stray,
      undefined,
      `the message for tenant ${name} reached ${stray?.subscriber} naming wallet ${stray?.walletId ?? 'none'}`,
    )
  },
)

Then('no subscriber gets it', async function (this: ConformanceWorld) {
  const content = this.tenancy?.sent?.content as string
  const stray = await agency(this).eventWithin(carrying(content), this.wait.timeoutMs)
  assert.equal(stray, undefined, `the message reached ${stray?.subscriber} (x-wallet-id ${stray?.walletId})`)
})

Then('the agency answers it with a client error', function (this: ConformanceWorld) {
  const delivery = this.tenancy?.sent?.delivery
  const status = Number(/^HTTP (\d+)$/.exec(delivery ?? '')?.[1])
  assert.ok(
    status >= 400 && status < 500,
    `the agency answered the message with ${delivery ?? 'nothing'}, not a 4xx refusal`,
  )
})

When('tenant {string} connects to tenant {string}', async function (this: ConformanceWorld, a: string, b: string) {
  const ids = await connectPair(
    tenant(this, a).driver.get('connections'),
    tenant(this, b).driver.get('connections'),
    this.wait,
  )
  ;(this.tenancy as NonNullable<ConformanceWorld['tenancy']>).pair = { inviter: ids.inviter, invitee: ids.invitee }
})

Then(
  'tenants {string} and {string} exchange trust pings both ways',
  async function (this: ConformanceWorld, a: string, b: string) {
    const pair = this.tenancy?.pair
    if (!pair) throw new Error('the tenants have no connection with each other in this scenario')
    await exchangePings(
      { messaging: tenant(this, a).driver.get('messaging'), connection: pair.inviter },
      { messaging: tenant(this, b).driver.get('messaging'), connection: pair.invitee },
      this.wait,
    )
  },
)

When('tenant {string} rotates its DID with the peer', async function (this: ConformanceWorld, name: string) {
  const rotate = tenant(this, name).driver.get('didRotate')
  const { newDid } = await rotate.rotate(link(this, name).tenant)
  await rotate.waitForMyDid(link(this, name).tenant, newDid, this.wait)
  this.tenancy = { ...(this.tenancy as NonNullable<ConformanceWorld['tenancy']>), rotatedTo: newDid }
})

Then(
  "the peer's trust ping to the new DID of tenant {string} is answered",
  async function (this: ConformanceWorld, name: string) {
    const newDid = this.tenancy?.rotatedTo as string
    const peer = link(this, name).peer
    await this.the(PEER, 'connections').waitForConnectionState(peer, 'completed', this.wait)
    const info = await this.the(PEER, 'connections').getConnection(peer)
    assert.ok(sameDid(info.theirDid, newDid), `the peer knows tenant ${name} as ${info.theirDid}, not ${newDid}`)
    const instrument = this.instrument(PEER)
    const mark = instrument.mark()
    const pingId = await this.the(PEER, 'messaging').sendTrustPing(peer)
    await this.the(PEER, 'messaging').waitForTrustPingResponse(peer, pingId, this.wait)
    const ping = instrument.traceSince(mark).find((e) => e.direction === 'outbound' && e.id === pingId)
    const keys = (await instrument.route(newDid)).recipientKeys
    const packedFor = ping?.envelope.recipientKeys ?? []
    assert.ok(
      packedFor.length > 0 && packedFor.every((k) => keys.includes(k)),
      `the ping was encrypted to ${packedFor.join(', ') || 'nothing'}, not to the keys of ${newDid}`,
    )
  },
)

When('the peer rotates its DID with tenant {string}', async function (this: ConformanceWorld, name: string) {
  const rotate = this.the(PEER, 'didRotate')
  const { newDid } = await rotate.rotate(link(this, name).peer)
  await rotate.waitForMyDid(link(this, name).peer, newDid, this.wait)
  this.tenancy = { ...(this.tenancy as NonNullable<ConformanceWorld['tenancy']>), rotatedTo: newDid }
})

Then(
  "the next trust ping of tenant {string} is encrypted to the key of the peer's new DID",
  async function (this: ConformanceWorld, name: string) {
    const newDid = this.tenancy?.rotatedTo as string
    const l = link(this, name)
    const instrument = this.instrument(PEER)
    const messaging = tenant(this, name).driver.get('messaging')
    const pingId = await messaging.sendTrustPing(l.tenant)
    const ping = await instrument.waitForTrace(
      'inbound',
      (e) => typePattern('trust_ping', 'ping').test(e.type) && e.id === pingId,
      `tenant ${name}'s trust ping ${pingId} at the peer`,
      this.wait,
    )
    const keys = (await instrument.route(newDid)).recipientKeys
    assert.ok(
      ping.envelope.recipientKey && keys.includes(ping.envelope.recipientKey),
      `tenant ${name}'s ping was encrypted to ${ping.envelope.recipientKey}, not to a key of ${newDid}`,
    )
    await messaging.waitForTrustPingResponse(l.tenant, pingId, this.wait)
  },
)

When('the agency restarts', async function (this: ConformanceWorld) {
  await agency(this).restart()
})

Then(
  'every event about tenant {string} went to its own subscriber only',
  function (this: ConformanceWorld, name: string) {
    const t = tenant(this, name)
    const events = agency(this).events()
    const own = events.filter((e) => e.subscriber === t.label)
    assert.ok(own.length > 0, `tenant ${name}'s subscriber got no event at all`)
    const misdirected = events.filter((e) => (e.walletId === t.id) !== (e.subscriber === t.label))
    assert.deepEqual(
      misdirected.map((e) => `${e.topic} at ${e.subscriber} naming ${e.walletId ?? 'no wallet'}`),
      [],
      `events of tenant ${name} (wallet ${t.id}) at another subscriber, or at its own without its wallet id`,
    )
  },
)

Then('no tenant record, tenant list or configuration answer carries a secret', async function (this: ConformanceWorld) {
  const admin: Credential = { as: 'base-wallet' }
  const leaks: string[] = []
  const calls = [
    { call: 'list-tenants' },
    ...Object.values(this.tenancy?.tenants ?? {}).map((t) => ({ call: 'read-tenant', tenant: t }) as const),
    { call: 'read-config' },
  ] as const
  for (const call of calls) {
    const outcome = await callAs(this, 'the administrator', admin, call)
    assert.ok(outcome.allowed, `the administrator's ${call.call} was refused (HTTP ${outcome.status})`)
    leaks.push(...outcome.leaked.map((l) => `${call.call}: ${l}`))
  }
  assert.deepEqual(leaks, [], 'secrets in admin answers')
})

Then("the agency's log carries no secret", async function (this: ConformanceWorld) {
  const a = agency(this)
  assert.deepEqual(a.leaks(await a.rawLog()), [], "secrets in the agency's log")
})
