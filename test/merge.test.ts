import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { Evidence } from '../contract/evidence.js'
import { parseAgentId } from '../contract/agentId.js'
import { totalsOf, warningsOf, type ScenarioResult, type Summary } from '../contract/summary.js'
import { MergeInputError, mergedExitCode, mergeSummaries, writeMergedRun, type Shard } from '../runner/merge.js'
import { loadExpectations } from '../runner/expectations.js'
import { loadStatements, statementVerdicts } from '../runner/statements.js'
import { validateSummary } from '../schemas/validate.js'
import { assertExit } from './support/cli.js'

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'didcomm-conformance.js')
const dir = mkdtempSync(path.join(os.tmpdir(), 'merge-test-'))
const STATEMENTS = loadStatements()
const REF = 'reference@0.1.0'
const ACAPY = 'acapy@0.12.8'
const CREDO = 'credo@0.6.3'

const ping = (invitee: string): ScenarioResult => ({
  feature: 'Connection establishment',
  name: 'ping',
  tags: ['@connection'],
  roles: { inviter: REF, invitee },
  status: 'passed',
  durationMs: 10,
})
const rotate = (rotating: string, observing: string, tags: string[]): ScenarioResult => ({
  feature: 'DID Rotate 1.0',
  name: `rotate ${tags.join(' ')}`,
  tags: ['@RFC0794', ...tags],
  roles: { rotating_party: rotating, observing_party: observing },
  status: 'failed',
  durationMs: 20,
  error: 'Error: no ack',
  evidence: 'evidence/001-x.json',
})
const first = [ping(ACAPY), rotate(ACAPY, REF, ['@0794-07'])]
const second = [rotate(REF, CREDO, ['@0794-13', '@should']), ping(CREDO)]

/** A shard's summary as `run` writes it, its agents those its scenarios name. */
function shardSummary(scenarios: ScenarioResult[], startedAt: string, durationMs: number): Summary {
  const ids = [...new Set(scenarios.flatMap((s) => Object.values(s.roles)))]
  return {
    harness: { name: 'didcomm-conformance', version: '0.1.0' },
    startedAt,
    durationMs,
    tags: null,
    totals: totalsOf(scenarios),
    warnings: warningsOf(scenarios),
    statements: statementVerdicts(STATEMENTS, scenarios, ids),
    agents: ids.map((id) => ({ id, family: parseAgentId(id).family, version: parseAgentId(id).version ?? '' })),
    scenarios,
  }
}

const evidenceOf = (shard: string): Evidence => ({ roles: {}, trace: [], logs: { 'acapy-1': `log of ${shard}` } })

/** A shard's report directory: its summary.json and the files given (path → contents). */
function writeShard(name: string, summary: Summary, files: Record<string, string> = {}): string {
  const shardDir = path.join(dir, name)
  for (const [file, text] of Object.entries({ 'summary.json': JSON.stringify(summary), ...files })) {
    mkdirSync(path.dirname(path.join(shardDir, file)), { recursive: true })
    writeFileSync(path.join(shardDir, file), text)
  }
  return shardDir
}

const shard1 = writeShard('shard-1', shardSummary(first, '2026-01-02T03:04:05.000Z', 5000), {
  'evidence/001-x.json': JSON.stringify(evidenceOf('shard-1')),
  'cucumber/same.json': 'one',
  'cucumber/acapy_connection.junit.xml': '<testsuite/>',
  'logs/reference-1.log': 'log one',
  'allure-results/u1-result.json': '{}',
})
const shard2 = writeShard('shard-2', shardSummary(second, '2026-01-02T03:04:06.000Z', 9000), {
  'evidence/001-x.json': JSON.stringify(evidenceOf('shard-2')),
  'cucumber/same.json': 'two',
  'logs/reference-1.log': 'log two',
})

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'merge', ...args], { encoding: 'utf8' })
}

describe('merge of shard summaries', () => {
  const shards = [shard1, shard2].map((d) => ({
    dir: d,
    summary: JSON.parse(readFileSync(path.join(d, 'summary.json'), 'utf8')) as Summary,
  })) as [Shard, Shard]
  const union = [...first, ...second]
  const { summary, evidence } = mergeSummaries(shards, STATEMENTS)

  it('is the summary of the union of the shards, valid under the run contract', () => {
    const verdict = validateSummary(summary)
    assert.ok(verdict.valid, verdict.errors.join('; '))
    assert.deepEqual(
      summary.agents.map((a) => a.id),
      [REF, ACAPY, CREDO],
    )
    assert.deepEqual(summary.totals, totalsOf(union))
    assert.deepEqual(summary.warnings, warningsOf(union))
    assert.deepEqual(summary.statements, statementVerdicts(STATEMENTS, union, [REF, ACAPY, CREDO]))
    assert.equal(summary.startedAt, '2026-01-02T03:04:05.000Z', 'the earliest start')
    assert.equal(summary.durationMs, 10_000, 'from the earliest start to the latest end')
    assert.equal(summary.expectations, undefined)
  })

  it('renumbers the evidence by position in the merged run, leaving the shards’ summaries as they were', () => {
    assert.deepEqual(
      summary.scenarios.map((s) => s.evidence),
      [undefined, 'evidence/002-x.json', 'evidence/003-x.json', undefined],
    )
    assert.deepEqual(evidence, [
      { shard: shard1, from: 'evidence/001-x.json', to: 'evidence/002-x.json' },
      { shard: shard2, from: 'evidence/001-x.json', to: 'evidence/003-x.json' },
    ])
    assert.equal(shards[1].summary.scenarios[0]?.evidence, 'evidence/001-x.json')
  })

  it('refuses shards of different harnesses or selections, and shards that overlap', () => {
    const other = (change: Partial<Summary>) => ({ dir: 'other', summary: { ...summary, ...change, scenarios: [] } })
    assert.throws(
      () => mergeSummaries([shards[0], other({ tags: '@connection' })], STATEMENTS),
      (e) => e instanceof MergeInputError && /other ran with tags "@connection"/.test(e.message),
    )
    const harness = { name: 'didcomm-conformance', version: '0.2.0' }
    assert.throws(() => mergeSummaries([...shards, other({ harness })], STATEMENTS), MergeInputError)
    assert.throws(
      () => mergeSummaries([...shards, shards[0]], STATEMENTS),
      /shards overlap: Connection establishment › ping \[inviter=reference@0\.1\.0 invitee=acapy@0\.12\.8\]/,
    )
  })

  it('joins the shards’ expectation verdicts, or applies a given file anew', () => {
    const expected = { agent: ACAPY, reference: 'https://example.org/1' }
    const pass = (scenario: string) => ({ agent: CREDO, expectation: scenario, scenario })
    const withExpectations = (shard: Shard, scenarios: ScenarioResult[], passes: string[]): Shard => ({
      dir: shard.dir,
      summary: {
        ...shard.summary,
        scenarios,
        expectations: { file: 'k.json', expectedFailures: 0, unexpectedPasses: passes.map(pass) },
      },
    })
    const carried = mergeSummaries(
      [
        withExpectations(shards[0], [first[0] as ScenarioResult, { ...(first[1] as ScenarioResult), expected }], ['a']),
        withExpectations(shards[1], second, ['b']),
      ],
      STATEMENTS,
    ).summary
    assert.deepEqual(carried.expectations, {
      file: 'k.json',
      expectedFailures: 1,
      unexpectedPasses: [pass('a'), pass('b')],
    })
    assert.equal(mergedExitCode(carried), 1, 'an unexpected pass fails the merged run')

    const file = path.join(dir, 'known.json')
    writeFileSync(
      file,
      JSON.stringify({ acapy: [{ versions: '0.12.8', statement: '0794-07', role: 'rotating_party', reference: 'r' }] }),
    )
    const stale = [{ ...(second[0] as ScenarioResult), expected }, second[1] as ScenarioResult]
    const reapplied = mergeSummaries(
      [withExpectations(shards[0], first, ['a']), withExpectations(shards[1], stale, ['b'])],
      STATEMENTS,
      { file, entries: loadExpectations(file) },
    ).summary
    assert.deepEqual(reapplied.expectations, { file, expectedFailures: 1, unexpectedPasses: [] })
    assert.deepEqual(
      reapplied.scenarios.map((s) => s.expected),
      [undefined, { agent: ACAPY, reference: 'r' }, undefined, undefined],
      'what the shards were run with no longer counts',
    )
    assert.equal(mergedExitCode(reapplied), 0, 'the one failure is expected, the other a warning')
  })

  it('exits as `run` does: 1 on an unexpected failure or when nothing ran, else 0', () => {
    assert.equal(mergedExitCode(summary), 1)
    const only = (scenarios: ScenarioResult[]) => mergedExitCode({ ...summary, totals: totalsOf(scenarios), scenarios })
    assert.equal(only([ping(ACAPY)]), 0)
    assert.equal(only(second), 0, 'a failed SHOULD is a warning')
    assert.equal(only([{ ...ping(ACAPY), status: 'skipped' }]), 1, 'no scenario ran')
  })
})

describe('didcomm-conformance merge', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the merged run: evidence apart, clashing files kept with the shard’s prefix, the reports', () => {
    const out = path.join(dir, 'merged')
    const summary = writeMergedRun([shard1, shard2], out)
    const onDisk = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary
    assert.deepEqual(onDisk, summary)
    for (const [i, shard] of [
      [1, 'shard-1'],
      [2, 'shard-2'],
    ] as const) {
      const file = path.join(out, summary.scenarios[i]?.evidence ?? '')
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), evidenceOf(shard))
    }
    assert.deepEqual(readdirSync(path.join(out, 'cucumber')).sort(), [
      'acapy_connection.junit.xml',
      'same.json',
      'shard-2-same.json',
    ])
    assert.equal(readFileSync(path.join(out, 'cucumber', 'shard-2-same.json'), 'utf8'), 'two')
    assert.equal(readFileSync(path.join(out, 'logs', 'reference-1.log'), 'utf8'), 'log one')
    assert.equal(readFileSync(path.join(out, 'logs', 'shard-2-reference-1.log'), 'utf8'), 'log two')
    assert.ok(existsSync(path.join(out, 'allure-results', 'u1-result.json')))
    assert.match(readFileSync(path.join(out, 'statements.md'), 'utf8'), /\| 0794-07 \| MUST \|/)
    assert.match(readFileSync(path.join(out, 'report.html'), 'utf8'), /log of shard-2/)
    assert.ok(existsSync(path.join(out, 'implementation-report-credo_0.6.3.md')))
  })

  it('exits 1 when a scenario of the merged run failed', () => {
    const out = path.join(dir, 'merged-cli')
    const result = cli(shard1, shard2, '--report-dir', out)
    assert.equal(result.status, 1, result.stderr)
    assert.match(result.stderr, /2 passed, 1 failed, 1 warnings/)
    assert.ok(validateSummary(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'))).valid)
  })

  it('exits 2 and writes nothing for overlapping shards, other tags, or a directory without a run', () => {
    const tagged = writeShard('tagged', { ...shardSummary(second, '2026-01-02T03:04:06.000Z', 1), tags: '@RFC0794' })
    const cases: Array<[string[], RegExp]> = [
      [[shard1, shard2, shard1], /shards overlap: .* ran in .*shard-1 and .*shard-1/],
      [[shard1, tagged], /tagged ran with tags "@RFC0794", .*shard-1 with null/],
      [[shard1, path.join(dir, 'nothing')], /holds no summary\.json/],
    ]
    for (const [runs, reason] of cases) {
      const out = path.join(dir, 'refused')
      const result = cli(...runs, '--report-dir', out)
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, reason)
      assert.equal(result.stderr.trim().split('\n').length, 1, 'one line')
      assert.ok(!existsSync(out), 'nothing written')
    }
  })
})

describe('shards of a real run, merged', { timeout: 10 * 60_000 }, () => {
  it('give the verdicts of the unsharded run', () => {
    const run = (name: string, ...extra: string[]) => {
      const reportDir = path.join(dir, name)
      const args = [
        'run',
        '--agents',
        'reference,credo@0.5.19',
        '--tags',
        '@trust-ping or @RFC0794',
        '--pairing',
        'all',
      ]
      const result = spawnSync(process.execPath, [CLI, ...args, ...extra, '--report-dir', reportDir], {
        encoding: 'utf8',
        timeout: 5 * 60_000,
      })
      return { reportDir, result }
    }
    const whole = run(
      'whole',
      '--expectations',
      path.resolve(import.meta.dirname, '..', 'expectations', 'known-deviations.json'),
    )
    const shards = [1, 2].map((i) =>
      run(
        `shard-${i}`,
        '--shard',
        `${i}/2`,
        '--expectations',
        path.resolve(import.meta.dirname, '..', 'expectations', 'known-deviations.json'),
      ),
    )
    assertExit(whole.result, 0, whole.reportDir)
    for (const s of shards) assertExit(s.result, 0, s.reportDir)
    const merged = spawnSync(
      process.execPath,
      [CLI, 'merge', ...shards.map((s) => s.reportDir), '--report-dir', path.join(dir, 'merged')],
      {
        encoding: 'utf8',
      },
    )
    assert.equal(merged.status, 0, merged.stderr)
    const read = (d: string) => JSON.parse(readFileSync(path.join(d, 'summary.json'), 'utf8')) as Summary
    const verdicts = (s: Summary) =>
      s.scenarios.map((x) => `${x.feature} › ${x.name} ${JSON.stringify(x.roles)} ${x.status}`).sort()
    const [a, b] = [read(whole.reportDir), read(path.join(dir, 'merged'))]
    assert.ok(validateSummary(b).valid)
    assert.ok(
      shards.every((s) => read(s.reportDir).scenarios.length > 0),
      'each shard ran a share',
    )
    assert.deepEqual(verdicts(b), verdicts(a))
    assert.deepEqual(b.statements, a.statements)
    assert.deepEqual(b.totals, a.totals)
  })
})
