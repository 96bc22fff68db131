import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import {
  schemaForType,
  schemaNames,
  validateEnvelope,
  validateMessage,
  validateProtectedHeader,
  validateSummary,
  type SchemaVerdict,
} from '../schemas/validate.js'

const SCHEMA_DIR = new URL('../schemas/', import.meta.url)
const EXAMPLE_DIR = new URL('examples/', SCHEMA_DIR)
const ID_BASE = 'https://didcomm-conformance.dev/schemas/'

function readJson(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'))
}

function schemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()
}

function examples(schema: string, kind: 'valid' | 'invalid'): [file: string, data: unknown][] {
  const dir = new URL(`${schema}/${kind}/`, EXAMPLE_DIR)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readJson(new URL(f, dir))])
}

function verdict(schema: string, data: unknown): SchemaVerdict {
  if (schema === 'envelope') return validateEnvelope(data)
  if (schema === 'envelope-protected') return validateProtectedHeader(data)
  return validateMessage(data)
}

describe('schema files', () => {
  it('declare draft 2020-12 and an $id matching the file name', () => {
    for (const file of schemaFiles()) {
      const schema = readJson(new URL(file, SCHEMA_DIR)) as Record<string, unknown>
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', file)
      assert.equal(schema.$id, ID_BASE + file, file)
    }
  })

  it('compile in strict mode, every shared definition included', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true })
    addFormatsModule.default(ajv)
    const common = readJson(new URL('common.schema.json', SCHEMA_DIR)) as { $defs: Record<string, unknown> }
    ajv.addSchema(common)
    for (const name of Object.keys(common.$defs)) {
      assert.ok(ajv.getSchema(`${ID_BASE}common.schema.json#/$defs/${name}`), name)
    }
    for (const file of schemaFiles().filter((f) => f !== 'common.schema.json')) {
      assert.doesNotThrow(() => ajv.compile(readJson(new URL(file, SCHEMA_DIR)) as object), file)
    }
  })

  it('are exactly the schemas the validator knows', () => {
    const onDisk = schemaFiles()
      .filter((f) => f !== 'common.schema.json')
      .map((f) => f.replace(/\.schema\.json$/, ''))
      .sort()
    assert.deepEqual([...schemaNames()].sort(), onDisk)
  })
})

describe('examples', () => {
  it('exist for every schema: at least one valid and two invalid, and no orphan folders', () => {
    for (const name of schemaNames()) {
      assert.ok(examples(name, 'valid').length >= 1, `${name} has no valid example`)
      assert.ok(examples(name, 'invalid').length >= 2, `${name} has fewer than two invalid examples`)
    }
    assert.deepEqual(readdirSync(EXAMPLE_DIR).sort(), [...schemaNames()].sort())
  })

  for (const name of schemaNames()) {
    describe(name, () => {
      for (const [file, data] of examples(name, 'valid')) {
        it(`accepts valid/${file}`, () => {
          const result = verdict(name, data)
          assert.equal(result.schema, name)
          assert.deepEqual(result.errors, [])
          assert.equal(result.valid, true)
        })
      }
      for (const [file, data] of examples(name, 'invalid')) {
        it(`rejects invalid/${file}`, () => {
          const result = verdict(name, data)
          assert.ok(!(result.valid && result.schema === name), `accepted as ${name}`)
          if (result.schema === name) assert.ok(result.errors.length > 0)
        })
      }
    })
  }
})

describe('message type routing', () => {
  it('accepts both prefixes', () => {
    assert.equal(schemaForType('https://didcomm.org/notification/1.0/ack'), 'ack')
    assert.equal(schemaForType('did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/notification/1.0/ack'), 'ack')
    assert.equal(schemaForType('did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/trust_ping/1.0/ping'), 'trust-ping-ping')
  })

  it('maps any minor version of the supported major', () => {
    assert.equal(schemaForType('https://didcomm.org/did-rotate/1.0/rotate'), 'did-rotate-rotate')
    assert.equal(schemaForType('https://didcomm.org/did-rotate/1.1/rotate'), 'did-rotate-rotate')
    assert.equal(schemaForType('https://didcomm.org/out-of-band/1.0/invitation'), 'oob-invitation')
    assert.equal(schemaForType('https://didcomm.org/out-of-band/1.1/invitation'), 'oob-invitation')
    assert.equal(schemaForType('https://didcomm.org/didexchange/1.12/complete'), 'didexchange-complete')
  })

  it('maps both spellings of the generic problem report protocol', () => {
    assert.equal(schemaForType('https://didcomm.org/report-problem/1.0/problem-report'), 'problem-report')
    assert.equal(schemaForType('https://didcomm.org/notification/1.0/problem-report'), 'problem-report')
  })

  it('gives undefined for unknown types, other majors and other prefixes', () => {
    assert.equal(schemaForType('https://didcomm.org/did-rotate/2.0/rotate'), undefined)
    assert.equal(schemaForType('https://didcomm.org/did-rotate/1.0/rotate-back'), undefined)
    assert.equal(schemaForType('https://didcomm.org/issue-credential/2.0/offer-credential'), undefined)
    assert.equal(schemaForType('https://example.org/did-rotate/1.0/rotate'), undefined)
    assert.equal(schemaForType('did-rotate/1.0/rotate'), undefined)
  })

  it('validates a minor-version 1.1 message with the 1.0 schema', () => {
    const result = validateMessage({
      '@type': 'https://didcomm.org/did-rotate/1.1/rotate',
      '@id': '7a4a2c1e-5b55-4b9c-9c8e-0d5d2f1f4b61',
      to_did: 'did:example:newdid',
      added_in_1_1: 'ignored',
    })
    assert.deepEqual(result, { schema: 'did-rotate-rotate', valid: true, errors: [] })
  })

  it('reports an unknown type with schema undefined, checking only the generic rules', () => {
    const known = validateMessage({ '@type': 'https://didcomm.org/xhomebuy/1.0/home_insp', '@id': 'a1b2c3d4e5' })
    assert.deepEqual(known, { schema: undefined, valid: true, errors: [] })
    const badDecorator = validateMessage({
      '@type': 'https://didcomm.org/xhomebuy/1.0/home_insp',
      '@id': 'a1b2c3d4e5',
      '~thread': { sender_order: -1 },
    })
    assert.equal(badDecorator.schema, undefined)
    assert.equal(badDecorator.valid, false)
  })

  it("treats non-objects and messages without @type as invalid under 'message'", () => {
    for (const value of [null, 'text', 42, [], {}, { '@type': 7 }]) {
      const result = validateMessage(value)
      assert.equal(result.schema, 'message', JSON.stringify(value))
      assert.equal(result.valid, false)
      assert.ok(result.errors.length > 0)
    }
  })

  it('formats errors as instance path and message', () => {
    const result = validateMessage({ '@type': 'https://didcomm.org/notification/1.0/ack', '@id': 'a1b2c3d4e5' })
    assert.ok(result.errors.includes("/ must have required property 'status'"), result.errors.join('\n'))
    const envelope = validateEnvelope({
      protected: 'e30',
      iv: 'AAAAAAAAAAAAAAAA',
      ciphertext: 'AA',
      tag: 'A'.repeat(22),
      x: 1,
    })
    assert.deepEqual(envelope.errors, ["/ must NOT have additional properties 'x'"])
  })
})

describe('summary.json schema (the run contract)', () => {
  const summary = () => ({
    harness: { name: 'didcomm-conformance', version: '0.1.0' },
    startedAt: '2026-12-01T10:00:00.000Z',
    durationMs: 1200,
    tags: '@RFC0794',
    totals: { passed: 1, failed: 1, skipped: 0, untested: 0, warnings: 0 },
    warnings: [],
    statements: [
      {
        id: '0794-07',
        level: 'MUST',
        role: 'rotating_party',
        check: 'the ack moves the rotating party to its new DID',
        verdicts: [
          { agent: 'acapy@1.7.0', role: 'rotating_party', status: 'failed', scenarios: ['x'], expected: true },
        ],
      },
    ],
    agents: [{ id: 'acapy@1.7.0', family: 'acapy', version: '1.7.0' }],
    scenarios: [
      {
        feature: 'DID Rotate 1.0 (RFC 0794)',
        name: 'x',
        tags: ['@0794-07'],
        roles: { rotating_party: 'acapy@1.7.0', observing_party: 'reference@0.1.0' },
        status: 'failed',
        durationMs: 10,
        error: 'timed out',
        evidence: 'evidence/001-x.json',
        expected: { agent: 'acapy@1.7.0', reference: 'https://example.org/1' },
      },
    ],
  })

  it('accepts a summary whose agents are named by agent id', () => {
    const verdict = validateSummary(summary())
    assert.ok(verdict.valid, verdict.errors.join('; '))
  })

  it('refuses a bare family as an agent, an unknown status and a missing total', () => {
    const bare = summary()
    ;(bare.scenarios[0] as { roles: Record<string, string> }).roles.rotating_party = 'acapy'
    assert.match(validateSummary(bare).errors.join('\n'), /roles\/rotating_party must match pattern/)
    const status = summary()
    ;(status.scenarios[0] as { status: string }).status = 'flaky'
    assert.match(validateSummary(status).errors.join('\n'), /status must be equal to one of the allowed values/)
    const totals = summary() as { totals: Partial<ReturnType<typeof summary>['totals']> }
    delete totals.totals.untested
    assert.match(validateSummary(totals).errors.join('\n'), /must have required property 'untested'/)
  })
})
