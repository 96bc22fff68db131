import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { StoredItem, StoredKey } from '../contract/storeSnapshot.js'
import { layoutSchemaFor, storageSchemaNames, validateStored } from '../schemas/storageValidate.js'

const STORAGE_DIR = new URL('../schemas/storage/', import.meta.url)
const EXAMPLE_DIR = new URL('examples/', STORAGE_DIR)
const ID_BASE = 'https://didcomm-conformance.dev/schemas/storage/'

function readJson(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'))
}

const subdirectories = (dir: URL): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()

/** `<layout>/<kind>` for every `<layout>/<kind>.schema.json` on disk. */
function schemasOnDisk(): string[] {
  return subdirectories(STORAGE_DIR)
    .filter((layout) => layout !== 'examples')
    .flatMap((layout) =>
      readdirSync(new URL(`${layout}/`, STORAGE_DIR))
        .filter((f) => f.endsWith('.schema.json'))
        .map((f) => `${layout}/${f.replace(/\.schema\.json$/, '')}`),
    )
    .sort()
}

function examples(schema: string, kind: 'valid' | 'invalid'): [file: string, data: StoredItem | StoredKey][] {
  const dir = new URL(`${schema}/${kind}/`, EXAMPLE_DIR)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readJson(new URL(f, dir)) as StoredItem | StoredKey])
}

describe('storage schema files', () => {
  it('declare draft 2020-12 and an $id matching their path', () => {
    for (const name of schemasOnDisk()) {
      const schema = readJson(new URL(`${name}.schema.json`, STORAGE_DIR)) as Record<string, unknown>
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', name)
      assert.equal(schema.$id, `${ID_BASE}${name}.schema.json`, name)
      assert.equal(typeof schema.description, 'string', `${name} has no description`)
    }
  })

  it('compile in strict mode', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true })
    addFormatsModule.default(ajv)
    for (const name of schemasOnDisk()) {
      assert.doesNotThrow(() => ajv.compile(readJson(new URL(`${name}.schema.json`, STORAGE_DIR)) as object), name)
    }
  })

  it('are exactly the schemas the validator knows, sorted', () => {
    const names = storageSchemaNames()
    assert.deepEqual(names, [...names].sort())
    assert.deepEqual(names, schemasOnDisk())
  })

  it('refuse an unknown schema name', () => {
    assert.throws(
      () => validateStored('seed/connection', { category: 'connection', name: 'x', value: {}, tags: {} }),
      /unknown storage schema seed\/connection/,
    )
  })
})

describe('storage examples', () => {
  it('exist for every schema: at least one valid and two invalid, and no orphan folders', () => {
    for (const name of storageSchemaNames()) {
      assert.ok(examples(name, 'valid').length >= 1, `${name} has no valid example`)
      assert.ok(examples(name, 'invalid').length >= 2, `${name} has fewer than two invalid examples`)
    }
    const folders = subdirectories(EXAMPLE_DIR).flatMap((layout) =>
      subdirectories(new URL(`${layout}/`, EXAMPLE_DIR)).map((kind) => `${layout}/${kind}`),
    )
    assert.deepEqual(folders, storageSchemaNames())
  })

  for (const name of storageSchemaNames()) {
    describe(name, () => {
      for (const [file, data] of examples(name, 'valid')) {
        it(`accepts valid/${file}`, () => {
          assert.deepEqual(validateStored(name, data), { schema: name, valid: true, errors: [] })
        })
      }
      for (const [file, data] of examples(name, 'invalid')) {
        it(`rejects invalid/${file}`, () => {
          const result = validateStored(name, data)
          assert.equal(result.schema, name)
          assert.equal(result.valid, false)
          assert.ok(result.errors.length > 0)
        })
      }
    })
  }
})

describe('storage verdicts', () => {
  const record = (schema: string, kind: 'valid' | 'invalid', file: string): StoredItem | StoredKey =>
    readJson(new URL(`${schema}/${kind}/${file}`, EXAMPLE_DIR)) as StoredItem | StoredKey

  it('name the offending field as instance path and message', () => {
    const extraTag = validateStored('seed/did', record('seed/did', 'invalid', 'extra-verkey-tag.json'))
    assert.deepEqual(extraTag.errors, ["/tags must NOT have additional properties 'verkey'"])
    const legacy = validateStored('seed/did', record('seed/did', 'invalid', 'legacy-value-fields.json'))
    assert.deepEqual(legacy.errors, [
      "/value must NOT have additional properties 'did'",
      "/value must NOT have additional properties 'verkey'",
      "/value must NOT have additional properties 'verkey_type'",
    ])
    const unqualified = validateStored('seed/did', record('seed/did', 'invalid', 'unqualified-name.json'))
    assert.deepEqual(unqualified.errors, ['/name must match pattern "^did:[a-z0-9]+:[^\\s/?#]+$"'])
  })

  it('report the branch of a conditional rule, not the condition', () => {
    const result = validateStored(
      'acapy-0.12.8/did',
      record('acapy-0.12.8/did', 'invalid', 'invitation-reuse-tag-missing.json'),
    )
    assert.deepEqual(result.errors, ["/tags must have required property 'invitation_reuse'"])
    const kid = validateStored('acapy-1.7.0/key', record('acapy-1.7.0/key', 'invalid', 'kid-without-multikey.json'))
    assert.deepEqual(kid.errors, ['/tags must have property multikey when property kid is present'])
  })

  it('tell the layouts apart: a seed DID record is not an ACA-Py one, and the reverse', () => {
    const seedDid = record('seed/did', 'valid', 'peer4-short.json')
    assert.equal(validateStored('acapy-1.7.0/did', seedDid).valid, false)
    const acapyDid = record('acapy-1.7.0/did', 'valid', 'peer4-short.json')
    assert.equal(validateStored('seed/did', acapyDid).valid, false)
    const acapyKey = record('acapy-0.12.8/key', 'valid', 'public-did-key.json')
    assert.equal(validateStored('seed/key-didcomm-v1', acapyKey).valid, false)
  })

  it('tell Credo 0.5 from 0.6: keys named by public key or by UUID, created DID records without or with key links', () => {
    const created = record('credo-0.6/did-record', 'valid', 'created-peer4.json')
    assert.deepEqual(validateStored('credo-0.5/did-record', created).errors, [
      "/value must NOT have additional properties 'keys'",
    ])
    assert.equal(validateStored('credo-0.5/key', record('credo-0.6/key', 'valid', 'ed25519.json')).valid, false)
    assert.equal(validateStored('credo-0.6/key', record('credo-0.5/key', 'valid', 'ed25519.json')).valid, false)
  })
})

describe('layoutSchemaFor', () => {
  const key = (name: string, tags: StoredKey['tags'] = {}): StoredKey => ({
    name,
    algorithm: 'ed25519',
    publicKey: 'HZ1u5YoiddedbJAkyhBpZx3qK9kFqbNN3pcre3ua2V7C',
    metadata: null,
    tags,
  })
  const item = (category: string): StoredItem => ({ category, name: 'n', value: {}, tags: {} })

  it('classifies seed keys by name and did tag', () => {
    const did = 'did:peer:4zQmTFULaSKicZhAgo46uqKZGcCcZXbzjZ1DTYABddeByKE4'
    assert.equal(
      layoutSchemaFor('seed', key(`${did}#key-0`, { did, rel: ['authentication', 'keyAgreement'] })),
      'seed/key-bound',
    )
    assert.equal(layoutSchemaFor('seed', key('z6Mkw1Gwfo49yB96ho1TfG9fR3bq8j27FUcijqXnUKsawhta')), 'seed/key-unbound')
    assert.equal(
      layoutSchemaFor('seed', key('HZ1u5YoiddedbJAkyhBpZx3qK9kFqbNN3pcre3ua2V7C', { did })),
      'seed/key-didcomm-v1',
    )
    // A multikey-named key that carries a did tag is no unbound key; the DIDComm v1 schema then reports its name.
    assert.equal(
      layoutSchemaFor('seed', key('z6Mkw1Gwfo49yB96ho1TfG9fR3bq8j27FUcijqXnUKsawhta', { did })),
      'seed/key-didcomm-v1',
    )
  })

  it('maps every key of an agent layout to its key schema', () => {
    assert.equal(
      layoutSchemaFor('acapy-0.12.8', key('HZ1u5YoiddedbJAkyhBpZx3qK9kFqbNN3pcre3ua2V7C')),
      'acapy-0.12.8/key',
    )
    assert.equal(layoutSchemaFor('acapy-1.7.0', key('did:web:example.org#key-1')), 'acapy-1.7.0/key')
    assert.equal(layoutSchemaFor('credo-0.5', key('HZ1u5YoiddedbJAkyhBpZx3qK9kFqbNN3pcre3ua2V7C')), 'credo-0.5/key')
    assert.equal(layoutSchemaFor('credo-0.6', key('d9bbc920-da84-4617-b04a-88bb29310672')), 'credo-0.6/key')
  })

  it('maps item categories per layout', () => {
    assert.equal(layoutSchemaFor('seed', item('did')), 'seed/did')
    assert.equal(layoutSchemaFor('seed', item('nym')), 'seed/nym')
    assert.equal(layoutSchemaFor('acapy-0.12.8', item('did')), 'acapy-0.12.8/did')
    assert.equal(layoutSchemaFor('acapy-1.7.0', item('did')), 'acapy-1.7.0/did')
    assert.equal(layoutSchemaFor('credo-0.5', item('DidRecord')), 'credo-0.5/did-record')
    assert.equal(layoutSchemaFor('credo-0.6', item('DidRecord')), 'credo-0.6/did-record')
  })

  it('gives undefined for a category the layout has no schema for', () => {
    assert.equal(layoutSchemaFor('acapy-1.7.0', item('connection')), undefined)
    assert.equal(layoutSchemaFor('acapy-0.12.8', item('nym')), undefined)
    assert.equal(layoutSchemaFor('credo-0.5', item('did')), undefined)
    assert.equal(layoutSchemaFor('credo-0.6', item('did')), undefined)
    assert.equal(layoutSchemaFor('seed', item('DidRecord')), undefined)
    assert.equal(layoutSchemaFor('seed', item('constructor')), undefined)
  })

  it('picks the schema that accepts the valid examples of its own layout', () => {
    for (const name of storageSchemaNames()) {
      const layout = name.split('/')[0] as Parameters<typeof layoutSchemaFor>[0]
      for (const [file, data] of examples(name, 'valid')) assert.equal(layoutSchemaFor(layout, data), name, file)
    }
  })
})
