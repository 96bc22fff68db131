import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { migrateStore } from '../agents/reference/storage/migration/apply.js'
import { peer4FromVerkey } from '../agents/reference/storage/migration/plan.js'
import { snapshotStore } from '../backchannels/store/askarSnapshot.js'
import { killMigrationOncePlanned } from '../backchannels/store/killedMigration.js'
import { storeDifferences, tagValues, type StoreSnapshot } from '../contract/storeSnapshot.js'
import { verkeyToDidKey } from '../didcomm/multikey.js'
import { layoutSchemaFor, validateStored } from '../schemas/storageValidate.js'
import { cli } from './support/cli.js'
import { writeOldLayoutStore } from './support/oldLayoutStore.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'migration-test-'))
const who = { agent: 'acapy@0.12.8', host: 'fixture' }
/** A snapshot without its time, for comparing states. */
const state = async (access: Parameters<typeof snapshotStore>[0]) => {
  const snapshot: Partial<StoreSnapshot> = await snapshotStore(access, who)
  delete snapshot.takenAt
  return snapshot as Omit<StoreSnapshot, 'takenAt'>
}
const keyNamed = (s: Omit<StoreSnapshot, 'takenAt'>, name: string) => s.keys.find((k) => k.name === name)

describe('the reference migration (store migrate)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('moves a posted did:sov to a nym record and a bound key, and keeps every key', async () => {
    const fixture = await writeOldLayoutStore(path.join(dir, 'posted.sqlite'))
    const before = await state(fixture.access)
    const result = await migrateStore(fixture.access)
    const s = await state(fixture.access)
    const { nym, verkey } = fixture.posted
    const did = `did:sov:${nym}`
    const nymRecord = s.items.find((i) => i.category === 'nym' && i.name === nym)
    assert.deepEqual(nymRecord?.value, { nym, verkey, metadata: { posted: true, endpoint: 'http://127.0.0.1:8020' } })
    assert.deepEqual(nymRecord?.tags, { verkey })
    const bound = keyNamed(s, `${did}#key-1`)
    assert.equal(bound?.publicKey, verkey)
    assert.equal(bound?.tags.did, did)
    assert.deepEqual(tagValues(bound?.tags ?? {}, 'rel').sort(), ['assertionMethod', 'authentication'])
    assert.equal(keyNamed(s, verkey)?.tags.did, did)
    assert.deepEqual(s.items.find((i) => i.category === 'did' && i.name === did)?.value, {
      method: 'sov',
      metadata: { posted: true, endpoint: 'http://127.0.0.1:8020', migrated_from: nym },
    })
    assert.ok(!s.items.some((i) => i.category === 'did' && i.name === nym), 'no unqualified did record is left')
    assert.deepEqual(s.items.find((i) => i.name === 'default_public_did')?.value, { did })
    // Nothing lost: every key with its public key, and it still signs.
    for (const k of before.keys) {
      assert.equal(keyNamed(s, k.name)?.publicKey, k.publicKey, k.name)
      assert.equal(keyNamed(s, k.name)?.signs, true, k.name)
    }
    assert.equal(s.keys.length, before.keys.length + result.plan.operations.filter((o) => o.kind === 'bind-key').length)
  })

  it('moves an unqualified peer DID to the did:peer:4 its verkey makes, and the connection on it follows', async () => {
    const fixture = await writeOldLayoutStore(path.join(dir, 'unqualified.sqlite'))
    const result = await migrateStore(fixture.access)
    const s = await state(fixture.access)
    const { did, fragment } = peer4FromVerkey(fixture.unposted.verkey)
    assert.equal(result.plan.renamed[fixture.unposted.nym], did)
    assert.match(did, /^did:peer:4zQm[1-9A-HJ-NP-Za-km-z]{44}$/)
    const bound = keyNamed(s, `${did}${fragment}`)
    assert.equal(bound?.tags.did, did)
    assert.deepEqual(tagValues(bound?.tags ?? {}, 'rel').sort(), ['authentication', 'keyAgreement'])
    assert.equal(keyNamed(s, fixture.unposted.verkey)?.tags.did, did)
    const connection = s.items.find((i) => i.category === 'connection') as { value: { my_did: string }; tags: object }
    assert.equal(connection.value.my_did, did)
    assert.equal((connection.tags as { my_did: string }).my_did, did)
    // Qualified DIDs keep their names; a did:peer:4 known in two forms is bound by its short form.
    assert.equal(keyNamed(s, fixture.peer4.verkey)?.tags.did, fixture.peer4.short)
    assert.ok(keyNamed(s, `${fixture.peer4.short}#key-0`))
    // Askar reads a tag with one value back as a string.
    assert.deepEqual(keyNamed(s, `${fixture.peer2.did}#key-1`)?.tags, { did: fixture.peer2.did, rel: 'authentication' })
    // An invitation key, of no DID, is tagged with its did:key.
    assert.equal(keyNamed(s, fixture.invitationKey)?.tags.did, verkeyToDidKey(fixture.invitationKey))
  })

  it('leaves a store that validates against the design schemas, and changes nothing when run again', async () => {
    const fixture = await writeOldLayoutStore(path.join(dir, 'twice.sqlite'))
    await migrateStore(fixture.access)
    const once = await state(fixture.access)
    for (const record of [...once.items, ...once.keys]) {
      const schema = layoutSchemaFor('seed', record)
      if (!schema) continue
      const verdict = validateStored(schema, record)
      assert.ok(verdict.valid, `${schema} ${record.name}: ${verdict.errors.join('; ')}`)
    }
    for (const key of once.keys.filter((k) => k.algorithm === 'ed25519')) {
      assert.ok(tagValues(key.tags, 'did').length > 0, `key ${key.name} has a did tag`)
    }
    const again = await migrateStore(fixture.access)
    assert.equal(again.plan.operations.length, 0)
    assert.deepEqual(await state(fixture.access), once)
  })

  it('writes nothing on a dry run', async () => {
    const fixture = await writeOldLayoutStore(path.join(dir, 'dry.sqlite'))
    const before = await state(fixture.access)
    const result = await migrateStore(fixture.access, { dryRun: true })
    assert.ok(result.plan.operations.length > 10)
    assert.deepEqual(await state(fixture.access), before)
  })

  it('ends in the same state when killed halfway and run again', async () => {
    const fixture = await writeOldLayoutStore(path.join(dir, 'killed.sqlite'), 300)
    const reference = path.join(dir, 'killed-reference.sqlite')
    copyFileSync(fixture.access.sqlitePath, reference)
    const before = await state(fixture.access)
    // Killed once it has planned, while it writes its transaction.
    const killed = await killMigrationOncePlanned(fixture.access)
    assert.ok(killed.planned > 0, killed.lines.join('\n'))
    const untouched = await state(fixture.access)
    assert.deepEqual(storeDifferences(before, untouched), [])
    await migrateStore(fixture.access)
    await migrateStore({ ...fixture.access, sqlitePath: reference })
    const [rerun, whole] = [await state(fixture.access), await state({ ...fixture.access, sqlitePath: reference })]
    assert.deepEqual(storeDifferences(rerun, whole), [])
    assert.ok(
      untouched.items.some((i) => i.category === 'did' && !i.name.startsWith('did:')),
      'the kill left the old model',
    )
  })

  it('refuses a wrong key, a file that is not a store and a missing key with exit 2, touching nothing', async () => {
    const fixture = await writeOldLayoutStore(path.join(dir, 'refused.sqlite'))
    const before = await state(fixture.access)
    const run = (file: string, key?: string) =>
      cli(['store', 'migrate', file], 60_000, key === undefined ? {} : { DIDCOMM_CONFORMANCE_STORE_KEY: key })
    const wrong = run(fixture.access.sqlitePath, 'CS6sA6RtZBvr1E5ThfJuWD4JDT1GXNDpfW71bS8KJRHM')
    assert.equal(wrong.status, 2)
    assert.match(wrong.stderr, /cannot open .*refused\.sqlite as an Askar store with that key/)
    assert.doesNotMatch(wrong.stderr, new RegExp(fixture.access.passKey))
    const notStore = path.join(dir, 'not-a-store.sqlite')
    writeFileSync(notStore, 'plain text')
    assert.equal(run(notStore, fixture.access.passKey).status, 2)
    const noKey = run(fixture.access.sqlitePath)
    assert.equal(noKey.status, 2)
    assert.match(noKey.stderr, /set DIDCOMM_CONFORMANCE_STORE_KEY/)
    assert.deepEqual(await state(fixture.access), before)
    const done = run(fixture.access.sqlitePath, fixture.access.passKey)
    assert.equal(done.status, 0, done.stderr)
    assert.match(done.stdout, /^migrated: \d+ operations/)
  })
})
