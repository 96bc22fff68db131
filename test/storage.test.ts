import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { AcapyHost } from '../backchannels/acapy/host.js'
import type { AgentHost } from '../backchannels/host.js'
import { ReferenceHost } from '../backchannels/reference/host.js'
import { REDACTED, redactValue } from '../backchannels/store/redactValue.js'
import { lostKeys, type StorageLayout, type StoreSnapshot } from '../contract/storeSnapshot.js'
import { loadStoreSnapshots } from '../reports/store.js'
import { layoutSchemaFor, validateStored } from '../schemas/storageValidate.js'
import { boundKeyTagged, didcommKeyTaggedWithDid, observedDid, x25519Derived } from '../steps/support/didKeyModel.js'
import { conn, msg, REFERENCE, SETTINGS } from './support/agents.js'
import { assertExit, cli, EXPECTATIONS, readSummary } from './support/cli.js'

const DID = 'did:peer:2.Vz6MkoTJeajEAD41wWVakT1duhExyFK2eCaTtpeuofwtc5i4j.SeyJ0IjoiZG0ifQ'
const VERKEY = 'A13bzUyisWXUPzk3mSg4r9QyRjknnhDY8dzsqfvbAVHM'
/** A did:peer:2 document with VERKEY as its key, and extra key agreement methods. */
const DOC = (extra: Record<string, unknown>[] = []) => ({
  id: DID,
  verificationMethod: [
    { id: '#key-1', type: 'Multikey', publicKeyMultibase: 'z6MkoTJeajEAD41wWVakT1duhExyFK2eCaTtpeuofwtc5i4j' },
    ...extra,
  ],
  authentication: ['#key-1'],
  keyAgreement: extra.map((e) => e.id),
})

function snapshot(keys: StoreSnapshot['keys']): StoreSnapshot {
  return { agent: 'x@1', host: 'x-1', takenAt: '', profile: 'p', profiles: ['p'], items: [], keys }
}

describe('DID and key storage checks', () => {
  it('find a DIDComm v1 key without its did tag, and with it', () => {
    const o = observedDid(DID, DOC(), [VERKEY])
    const key = { name: VERKEY, algorithm: 'ed25519', publicKey: VERKEY, metadata: null, tags: {} }
    assert.equal(didcommKeyTaggedWithDid(snapshot([key]), o).holds, false)
    assert.equal(didcommKeyTaggedWithDid(snapshot([{ ...key, tags: { did: DID } }]), o).holds, true)
  })

  it('want a bound key to list exactly the relationships the document gives its method', () => {
    const o = observedDid(DID, DOC(), [VERKEY])
    const bound = { name: `${DID}#key-1`, algorithm: 'ed25519', publicKey: VERKEY, metadata: null }
    const tagged = (rel: string[]) => boundKeyTagged(snapshot([{ ...bound, tags: { did: DID, rel } }]), o).holds
    assert.equal(tagged(['authentication']), true)
    assert.equal(tagged(['authentication', 'keyAgreement']), false)
    assert.equal(boundKeyTagged(snapshot([{ ...bound, tags: { rel: 'authentication' } }]), o).holds, false)
  })

  it('tell an X25519 key derived from the Ed25519 key from a random one', () => {
    const derived = observedDid(DID, DOC(), [VERKEY])
    const x = x25519Derived(snapshot([]), derived)
    assert.equal(x.holds, true)
    const convert = x.detail[0]?.split(': ')[1] as string
    const withKey = (publicKeyBase58: string) =>
      x25519Derived(
        snapshot([]),
        observedDid(DID, DOC([{ id: '#key-2', type: 'X25519KeyAgreementKey2019', publicKeyBase58 }]), [VERKEY]),
      ).holds
    assert.equal(withKey(convert), true)
    assert.equal(withKey('9ZtNBfhqJ8Fhr3PqHvhmu7FtdDjScvRf5RruNuKDuhrF'), false)
  })
})

describe('store snapshots', () => {
  it('redact secret fields and secret categories, and keep everything else', () => {
    const wallet = { settings: { 'wallet.key': 'k', 'wallet.name': 'n' }, privateKeyBase58: 'p', label: 'l' }
    assert.deepEqual(redactValue('wallet_record', wallet), {
      settings: { 'wallet.key': REDACTED, 'wallet.name': 'n' },
      privateKeyBase58: REDACTED,
      label: 'l',
    })
    assert.equal(redactValue('master_secret', { value: 'x' }), REDACTED)
    assert.deepEqual(redactValue('connection', { invitation_key: 'v' }), { invitation_key: 'v' })
  })
})

describe('the storage and migration suites against real agents (reference, ACA-Py 0.12.8 and 1.7.0, Credo 0.5.19 and 0.6.3)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'storage-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const reportDir = path.join(dir, 'run')
  const agents = ['acapy@0.12.8', 'acapy@1.7.0', 'credo@0.5.19', 'credo@0.6.3']

  it('gives every storage statement a verdict per agent id, the reference agent passing all', () => {
    const args = ['run', '--agents', `reference,${agents.join(',')}`, '--tags', '@storage or @migration']
    const result = cli([...args, '--expectations', EXPECTATIONS, '--report-dir', reportDir])
    assertExit(result, 0, reportDir)
    const summary = readSummary(reportDir)
    const reference = `reference@${summary.harness.version}`
    const rows = summary.statements.filter((s) => /^(DKS|MIG)-/.test(s.id))
    assert.equal(rows.length, 17)
    for (const row of rows) {
      for (const agent of [reference, ...agents]) {
        const verdict = row.verdicts.find((v) => v.agent === agent)
        // Credo keeps DidRecords, which the reference migration (of ACA-Py's layout) does not touch,
        // and has no ledger DID of its own through the harness (DKS-10).
        if ((row.id.startsWith('MIG-') || row.id === 'DKS-10') && agent.startsWith('credo@')) {
          assert.equal(verdict?.status, 'untested', `${agent} ${row.id}`)
          continue
        }
        assert.ok(verdict && verdict.status !== 'untested', `${agent} has a verdict for ${row.id}`)
        if (agent === reference) assert.equal(verdict.status, 'passed', `the reference agent passes ${row.id}`)
      }
    }
    const untested = summary.scenarios.filter((s) => s.status === 'untested')
    const reasons =
      /Credo keeps DidRecord items|Credo makes no unqualified DIDs|Credo has no transactions\/1\.0|makes no unqualified DIDs there|resolves no unqualified DIDs/
    assert.ok(
      untested.every((s) => reasons.test(s.reason ?? '')),
      untested.map((s) => s.reason).join('\n'),
    )
    // An unqualified DID on a working DID Exchange 1.0 connection: ACA-Py against itself, my_did renamed.
    for (const agent of agents.filter((a) => a.startsWith('acapy@'))) {
      const renamed = summary.scenarios.find(
        (s) =>
          s.tags.includes('@MIG-01') &&
          s.feature.includes('DID Exchange 1.0') &&
          s.roles.peer === agent &&
          s.roles.agent === agent,
      )
      assert.equal(renamed?.status, 'passed', `${agent}: MIG-01 on a DID Exchange 1.0 connection`)
    }
    // The findings stay findings: each real agent fails some statements of the design.
    for (const agent of agents) {
      assert.ok(
        rows.some((r) => r.verdicts.some((v) => v.agent === agent && v.status === 'failed')),
        `${agent} fails a statement`,
      )
    }
  })

  it('reads stores whose records validate against the schemas of the layout each agent version writes', () => {
    const layouts: Record<string, StorageLayout> = {
      'acapy@0.12.8': 'acapy-0.12.8',
      'acapy@1.7.0': 'acapy-1.7.0',
      'credo@0.5.19': 'credo-0.5',
      'credo@0.6.3': 'credo-0.6',
    }
    const checked = new Map<string, number>()
    // What each agent itself wrote: every snapshot taken before the harness migrated its store,
    // and for the reference agent before it wrote an unqualified DID in ACA-Py's layout on purpose (@migration).
    const legacy = (s: StoreSnapshot) =>
      s.agent.startsWith('reference@') && s.items.some((i) => i.category === 'did' && !i.name.startsWith('did:'))
    const unmigrated = loadStoreSnapshots(reportDir).filter((f) => !f.snapshot.migrated && !legacy(f.snapshot))
    for (const { snapshot: s } of unmigrated) {
      const layout = s.agent.startsWith('reference@') ? 'seed' : layouts[s.agent]
      if (!layout) continue
      for (const record of [...s.items, ...s.keys]) {
        const schema = layoutSchemaFor(layout, record)
        if (!schema) continue
        const verdict = validateStored(schema, record)
        assert.ok(verdict.valid, `${s.agent} ${schema} ${record.name}: ${verdict.errors.join('; ')}`)
        checked.set(s.agent, (checked.get(s.agent) ?? 0) + 1)
      }
    }
    for (const agent of Object.keys(layouts))
      assert.ok((checked.get(agent) ?? 0) > 10, `${agent}: ${checked.get(agent)}`)
  })

  it('prints the stores with store inspect, and refuses a run without stores or an unknown agent with exit 2', () => {
    const text = cli(['store', 'inspect', reportDir, '--agent', 'acapy@1.7.0'])
    assertExit(text, 0)
    assert.match(text.stdout, /^acapy@1\.7\.0 \(acapy-1\.7\.0-1\)/)
    assert.match(text.stdout, /did records:\n {4}did:peer:/)
    assert.match(text.stdout, /keys \(\d+\):\n {4}\S+ {2}(ed25519|x25519)/)
    const json = cli(['store', 'inspect', reportDir, '--json'])
    assertExit(json, 0)
    const snapshots = JSON.parse(json.stdout) as StoreSnapshot[]
    assert.deepEqual(
      [...new Set(snapshots.map((s) => s.agent.replace(/^reference@.*/, 'reference')))].sort(),
      ['reference', ...agents].sort(),
      'the last snapshot of each instance, for every agent',
    )
    const unknown = cli(['store', 'inspect', reportDir, '--agent', 'nonesuch@1'])
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /no store snapshot of nonesuch@1 .*agents with one: acapy@0\.12\.8/)
    const none = cli(['store', 'inspect', dir])
    assert.equal(none.status, 2)
    assert.match(none.stderr, /has no stores\/ folder/)
  })
})

describe("a real upgrade: ACA-Py 0.12.8's wallet opened by ACA-Py 1.7.0", { timeout: 5 * 60_000 }, () => {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'upgrade-test-'))
  const agent = new AcapyHost({ family: 'acapy', version: '0.12.8' }, 'acapy-upgraded', SETTINGS)
  const reference = new ReferenceHost(REFERENCE, 'reference-u', SETTINGS)
  after(async () => {
    await Promise.allSettled([agent.stop(), reference.stop()])
    rmSync(runDir, { recursive: true, force: true })
  })

  it('keeps every connection answering trust pings both ways, every key, and records in 1.7.0 layout', async () => {
    await Promise.all([agent.start({ runDir }), reference.start({ runDir })])
    // One connection each way, with each did:peer numalgo.
    const pairs = [await connectPair(reference, agent, 4), await connectPair(agent, reference, 2)]
    const before = await agent.driver().get('store').snapshot()
    await agent.upgrade('1.7.0')
    assert.equal(agent.describe().version, '1.7.0')
    for (const pair of pairs) {
      for (const { host, connection } of pair) {
        const messaging = msg(host)
        await messaging.waitForTrustPingResponse(connection, await messaging.sendTrustPing(connection), SETTINGS)
      }
    }
    const upgraded = await agent.driver().get('store').snapshot()
    assert.deepEqual(lostKeys(before.keys, upgraded.keys), [])
    assert.deepEqual(upgraded.items.find((i) => i.category === 'acapy_version')?.value, 'v1.7.0')
    for (const record of [...upgraded.items, ...upgraded.keys]) {
      const schema = layoutSchemaFor('acapy-1.7.0', record)
      if (!schema) continue
      const verdict = validateStored(schema, record)
      assert.ok(verdict.valid, `${schema} ${record.name}: ${verdict.errors.join('; ')}`)
    }
  })
})

/** Connects the two hosts (the first invites); returns each side's host and connection id. */
async function connectPair(
  inviter: AgentHost,
  invitee: AgentHost,
  numalgo: 2 | 4,
): Promise<Array<{ host: AgentHost; connection: string }>> {
  const invitation = await conn(inviter).createInvitation()
  const inviteeConnection = await conn(invitee).receiveInvitation(invitation.invitation, { peerDidNumalgo: numalgo })
  const inviterConnection = await conn(inviter).waitForConnectionFromInvitation(invitation.invitationId, SETTINGS)
  await conn(inviter).waitForConnectionState(inviterConnection, 'completed', SETTINGS)
  await conn(invitee).waitForConnectionState(inviteeConnection, 'completed', SETTINGS)
  return [
    { host: inviter, connection: inviterConnection },
    { host: invitee, connection: inviteeConnection },
  ]
}
