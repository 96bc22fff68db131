import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { forgeToken, issuedAt } from '../backchannels/acapy/tokens.js'
import type { ScenarioResult, Summary } from '../contract/summary.js'
import { tenancyVerdicts } from '../reports/tenancy.js'
import { preflight, resolveAgent } from '../runner/agents.js'
import { applyExpectations } from '../runner/expectations.js'
import { assertExit, cli, EXPECTATIONS, readSummary } from './support/cli.js'

const STATEMENTS = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '..', 'features', 'statements', 'multitenancy.json'), 'utf8'),
) as { statements: Array<{ id: string; level: string }> }

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
const TOKEN = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ wallet_id: 'wallet-a', iat: 1764590000 })}.c2lnbmF0dXJl`

describe('tenant tokens as the checks forge them', () => {
  it('reads the iat of a token', () => {
    assert.equal(issuedAt(TOKEN), 1764590000)
  })
  it('signs with another secret: same header and body, another signature', () => {
    const [h, p, s] = forgeToken(TOKEN, 'wrong-secret').split('.')
    assert.deepEqual([h, p], TOKEN.split('.').slice(0, 2))
    assert.notEqual(s, 'c2lnbmF0dXJl')
    assert.ok((s ?? '').length > 20)
  })
  it('makes an unsigned alg:none token with the same body', () => {
    const [h, p, s] = forgeToken(TOKEN, 'alg-none').split('.')
    assert.equal(decode(h as string).alg, 'none')
    assert.deepEqual(decode(p as string), { wallet_id: 'wallet-a', iat: 1764590000 })
    assert.equal(s, '')
  })
  it('swaps another wallet id into the body and keeps the original signature', () => {
    const [h, p, s] = forgeToken(TOKEN, 'wallet-id-swapped', 'wallet-b').split('.')
    assert.equal(decode(h as string).alg, 'HS256')
    assert.equal(decode(p as string).wallet_id, 'wallet-b')
    assert.equal(s, 'c2lnbmF0dXJl')
    assert.throws(() => forgeToken(TOKEN, 'wallet-id-swapped'), /needs the other tenant/)
  })
  it('refuses what is not a JWT', () => {
    assert.throws(() => issuedAt('not-a-token'), /not a JWT/)
  })
})

describe('agent ids with a variant', () => {
  it('knows acapy@<version>~tenant, ~askar and credo@<version>~tenant and refuses variants a family does not have', () => {
    assert.deepEqual(resolveAgent('acapy@1.7.0~tenant'), { family: 'acapy', version: '1.7.0', variant: 'tenant' })
    assert.deepEqual(resolveAgent('acapy@1.7.0~askar'), { family: 'acapy', version: '1.7.0', variant: 'askar' })
    assert.deepEqual(resolveAgent('acapy~tenant'), { family: 'acapy', version: '1.7.0', variant: 'tenant' })
    assert.throws(
      () => resolveAgent('acapy@1.7.0~wallet'),
      /unknown variant "acapy@1.7.0~wallet" \(known: acapy@1.7.0~tenant, acapy@1.7.0~askar\)/,
    )
    assert.deepEqual(resolveAgent('credo@0.5.19~tenant'), { family: 'credo', version: '0.5.19', variant: 'tenant' })
    assert.throws(() => resolveAgent('reference~tenant'), /unknown variant "reference~tenant" \(known: none\)/)
  })
})

function scenario(name: string, tags: string[], agency: string, status: ScenarioResult['status']): ScenarioResult {
  return { feature: 'Multitenancy', name, tags, roles: { agency, peer: 'reference@0.1.0' }, status, durationMs: 1 }
}

describe('a Credo line without tenants', () => {
  it('cannot run as a tenant, in one line before anything starts', async () => {
    const problems = await preflight([resolveAgent('credo@0.6.3~tenant')], { timeoutMs: 1000, calibrate: false })
    assert.deepEqual(problems, [
      'credo@0.6.3~tenant: no @credo-ts/tenants is published for the 0.6 line (only 0.5.11, 0.7.0 and 0.7.1)',
    ])
  })
})

describe('expectations for one variant', () => {
  const file = {
    acapy: [
      { versions: '1.7.0', variant: 'tenant', statement: '0794-07', role: 'agency', reference: 'https://example.org' },
    ],
  }
  it('apply to that variant only', () => {
    const tenant = scenario('s', ['@0794-07'], 'acapy@1.7.0~tenant', 'failed')
    const plain = scenario('s', ['@0794-07'], 'acapy@1.7.0', 'failed')
    applyExpectations([tenant, plain], file)
    assert.ok(tenant.expected)
    assert.equal(plain.expected, undefined)
  })
})

describe('the tenancy section', () => {
  it('gives each multitenancy statement a verdict per agent and tenancy mode', () => {
    const summary = {
      statements: [
        { id: 'MT-01', level: 'MUST', role: 'agency', check: 'c', verdicts: [] },
        { id: 'MT-17', level: 'SHOULD', role: 'agency', check: 'c', verdicts: [] },
      ],
      scenarios: [
        scenario('a', ['@multitenancy', '@MT-01', '@mode:store-per-tenant'], 'acapy@1.7.0', 'passed'),
        scenario('a', ['@multitenancy', '@MT-01', '@mode:profile-per-tenant'], 'acapy@1.7.0', 'failed'),
        scenario('b', ['@multitenancy', '@MT-17', '@should', '@mode:store-per-tenant'], 'acapy@1.7.0', 'failed'),
        scenario('c', ['@multitenancy', '@MT-01', '@mode:store-per-tenant'], 'reference@0.1.0', 'untested'),
      ],
    } as unknown as Summary
    const { columns, rows } = tenancyVerdicts(summary)
    assert.deepEqual(columns, [
      { agent: 'acapy@1.7.0', mode: 'store-per-tenant' },
      { agent: 'acapy@1.7.0', mode: 'profile-per-tenant' },
    ])
    assert.deepEqual(
      rows.map((r) => [r.statement, r.verdicts.map((v) => v.status)]),
      [
        ['MT-01', ['passed', 'failed']],
        ['MT-17', ['warning', 'untested']],
      ],
    )
  })
})

describe('the multitenancy suite against ACA-Py 1.7.0 (both tenancy modes)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multitenancy-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  function run(reportDir: string, ...args: string[]): Summary {
    const result = cli(['run', ...args, '--expectations', EXPECTATIONS, '--report-dir', reportDir], 900_000)
    assertExit(result, 0, reportDir)
    return readSummary(reportDir)
  }

  it('gives every statement a verdict in each mode, the known deviations expected', () => {
    const reportDir = path.join(dir, 'tenancy')
    const summary = run(reportDir, '--agents', 'reference,acapy@1.7.0', '--tags', '@multitenancy')
    const { columns, rows } = tenancyVerdicts(summary)
    assert.deepEqual(columns.map((c) => `${c.agent} ${c.mode}`).sort(), [
      'acapy@1.7.0 profile-per-tenant',
      'acapy@1.7.0 store-per-tenant',
    ])
    assert.deepEqual(rows.map((r) => r.statement).sort(), STATEMENTS.statements.map((s) => s.id).sort())
    for (const row of rows) {
      for (const v of row.verdicts) assert.notEqual(v.status, 'untested', `${row.statement} untested`)
    }
    // A tenant rotating its DID is unreachable on it: the finding stays failing, as expected.
    const mt12 = rows.find((r) => r.statement === 'MT-12')
    assert.ok(mt12?.verdicts.every((v) => v.status === 'failed' && v.expected))
    // The reference agent cannot be an agency: untested with the reason, never a verdict.
    const asAgency = summary.scenarios.filter((s) => s.roles.agency?.startsWith('reference@'))
    assert.ok(
      asAgency.length > 0 &&
        asAgency.every((s) => s.status === 'untested' && /no tenancy capability/.test(s.reason ?? '')),
    )
    const page = readFileSync(path.join(reportDir, 'report.html'), 'utf8')
    assert.match(page, /Tenancy \(per agent and tenancy mode\)/)
  })

  it('runs the connection and DID Rotate suites with a tenant as the agent under test', () => {
    const summary = run(
      path.join(dir, 'tenant'),
      '--agents',
      'reference,acapy@1.7.0~tenant',
      '--tags',
      '@connection or @RFC0794',
    )
    assert.ok(summary.agents.some((a) => a.id === 'acapy@1.7.0~tenant'))
    const tenantRuns = summary.scenarios.filter((s) => Object.values(s.roles).includes('acapy@1.7.0~tenant'))
    const passed = tenantRuns.filter((s) => s.status === 'passed').length
    assert.ok(passed >= 30, `passed ${passed} of ${tenantRuns.length}`)
    assert.ok(tenantRuns.every((s) => s.status !== 'failed' || s.expected))
  })

  it('runs the suite against Credo 0.5.19 tenants; what Credo has no counterpart for is untested with the reason', () => {
    // Two workers, not the default four: @credo-ts/tenants 0.5 registers a tenant's new invitation key in an
    // event handler nothing awaits, so on a saturated machine a peer that answers at once can find no tenant
    // for it (README, "Multitenancy": a finding, seen in CI). Less contention keeps this test about the rest.
    const summary = run(
      path.join(dir, 'credo'),
      '--agents',
      'reference,credo@0.5.19,credo@0.6.3',
      '--tags',
      '@multitenancy',
      '--workers',
      '2',
    )
    const { columns, rows } = tenancyVerdicts(summary)
    assert.deepEqual(columns.map((c) => `${c.agent} ${c.mode}`).sort(), [
      'credo@0.5.19 profile-per-tenant',
      'credo@0.5.19 store-per-tenant',
    ])
    const verdictOf = (id: string) => rows.find((r) => r.statement === id)?.verdicts.map((v) => v.status)
    for (const id of ['MT-01', 'MT-02', 'MT-04', 'MT-06', 'MT-08', 'MT-09', 'MT-10', 'MT-11', 'MT-12', 'MT-13']) {
      assert.deepEqual(verdictOf(id), ['passed', 'passed'], id)
    }
    const untested = (agent: string, id: string) =>
      summary.scenarios.filter((s) => s.roles.agency === agent && s.tags.includes(`@${id}`))
    for (const id of ['MT-03', 'MT-05', 'MT-07', 'MT-14', 'MT-15', 'MT-16']) {
      const scenarios = untested('credo@0.5.19', id)
      assert.ok(
        scenarios.length === 2 &&
          scenarios.every(
            (s) => s.status === 'untested' && /^credo@0\.5\.19: (Credo|the Credo adapter) /.test(s.reason ?? ''),
          ),
        id,
      )
    }
    const old = summary.scenarios.filter((s) => s.roles.agency === 'credo@0.6.3')
    assert.ok(
      old.length > 0 &&
        old.every((s) => s.status === 'untested' && /no @credo-ts\/tenants is published/.test(s.reason ?? '')),
    )
  })

  it('runs the connection and DID Rotate suites with a Credo tenant as the agent under test', () => {
    const summary = run(
      path.join(dir, 'credo-tenant'),
      '--agents',
      'reference,credo@0.5.19~tenant',
      '--tags',
      '@connection or @RFC0794',
    )
    const tenantRuns = summary.scenarios.filter((s) => Object.values(s.roles).includes('credo@0.5.19~tenant'))
    const passed = tenantRuns.filter((s) => s.status === 'passed').length
    assert.ok(passed >= 30, `passed ${passed} of ${tenantRuns.length}`)
  })
})
