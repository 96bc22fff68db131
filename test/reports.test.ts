import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { TraceEntry } from '../contract/trace.js'
import { reportPage } from '../reports/html/page.js'
import { compareRuns } from '../reports/compare.js'
import { implementationReport, implementationReportHtml } from '../reports/implementation.js'
import { writeReports } from '../reports/index.js'
import type { RunData } from '../reports/load.js'
import { interopMatrix, roleTotals } from '../reports/matrix.js'
import { messageFlow } from '../reports/sequence.js'
import { versionComparisons } from '../reports/versions.js'
import { formatRoleTable } from '../runner/progress.js'
import { statementVerdicts } from '../runner/statements.js'
import {
  totalsOf,
  type ScenarioResult,
  type Statement,
  type StatementVerdicts,
  type Summary,
  type VerdictStatus,
} from '../contract/summary.js'
import type { Evidence } from '../contract/evidence.js'

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'didcomm-conformance.js')
const dir = mkdtempSync(path.join(os.tmpdir(), 'reports-test-'))
const CONNECTION = 'Connection establishment'
const ROTATE = 'DID Rotate 1.0'
const HOSTILE = '<script>alert(1)</script>'

function scenario(
  name: string,
  roles: Record<string, string>,
  status: ScenarioResult['status'],
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return { feature: CONNECTION, name, tags: ['@connection'], roles, status, durationMs: 10, ...extra }
}

function summaryOf(scenarios: ScenarioResult[], statements: Statement[] = []): Summary {
  return {
    harness: { name: 'didcomm-conformance', version: '0.1.0' },
    startedAt: '2026-01-02T03:04:05.000Z',
    durationMs: 1000,
    tags: null,
    totals: totalsOf(scenarios),
    warnings: [],
    statements: statementVerdicts(statements, scenarios, ['reference@0.1.0', 'acapy@0.12.8']),
    agents: [
      { id: 'reference@0.1.0', family: 'reference', version: '0.1.0' },
      { id: 'acapy@0.12.8', family: 'acapy', version: '0.12.8' },
    ],
    scenarios,
  }
}

function entry(seq: number, agent: string, direction: TraceEntry['direction'], extra: Partial<TraceEntry>): TraceEntry {
  return {
    seq,
    time: '2026-01-02T03:04:05.000Z',
    agent,
    direction,
    type: 'https://didcomm.org/trust_ping/1.0/ping',
    id: `m${seq}`,
    message: {},
    envelope: { alg: 'Authcrypt', recipientKeys: [] },
    ...extra,
  }
}

const inviter = { inviter: 'reference@0.1.0', invitee: 'acapy@0.12.8' }
const rotate: Statement = {
  id: '0794-07',
  level: 'MUST',
  role: 'rotating_party',
  section: '',
  text: '',
  check: 'a | b',
}
const hostileEvidence: Evidence = {
  roles: { inviter: 'reference-1', invitee: 'acapy-1' },
  trace: [
    entry(1, 'reference-1', 'inbound', {
      id: 'req-1',
      type: 'https://didcomm.org/didexchange/1.1/request',
      thid: 'req-1',
      message: { label: `${HOSTILE}\`\`\`` },
      envelope: {
        alg: 'Authcrypt',
        senderKey: 'K-acapy',
        recipientKeys: ['K-ref'],
        recipientKey: 'K-ref',
        endpoint: 'http://127.0.0.1:1',
      },
      schema: { schema: 'didexchange-request', valid: false, errors: [`/label ${HOSTILE}`] },
    }),
  ],
  logs: { 'reference-1': '<b>ok</b>', 'acapy-1': `Traceback: ${HOSTILE}` },
}

function hostileRun(): RunData {
  const scenarios = [
    scenario(HOSTILE, inviter, 'failed', {
      error: `Error: </pre><img src=x onerror=alert(1)>\n    at x (/y.ts:1:1)`,
      evidence: 'evidence/001-x.json',
      expected: { agent: 'acapy@0.12.8', reference: 'javascript:alert(1)', reason: HOSTILE },
    }),
  ]
  return { dir, summary: summaryOf(scenarios), evidence: new Map([['evidence/001-x.json', hostileEvidence]]) }
}

describe('report.html', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('escapes every value from the run: names, errors, messages, logs and links', () => {
    const html = reportPage(hostileRun())
    assert.equal(html.match(/<script/g)?.length, 1, 'only the page’s own script')
    assert.ok(!html.includes('<img'), 'an error cannot open an element')
    assert.ok(!html.includes('<b>ok'), 'a log cannot open an element')
    assert.ok(!/href="javascript:/i.test(html), 'a reference that is not a web page is not a link')
    assert.ok(html.includes('&#x3C;script>alert(1)&#x3C;/script>'), 'the hostile text is shown as text')
  })

  it('shows in each matrix cell the counts of its agent in its role, a failed SHOULD as a warning', () => {
    const scenarios = [
      scenario('a', inviter, 'passed'),
      scenario('b', inviter, 'failed', { expected: { agent: 'acapy@0.12.8', reference: 'https://example.org/1' } }),
      scenario('c', { inviter: 'acapy@0.12.8', invitee: 'acapy@0.12.8' }, 'passed'),
      scenario('d', { rotating_party: 'reference@0.1.0', observing_party: 'acapy@0.12.8' }, 'failed', {
        feature: ROTATE,
        tags: ['@0794-13', '@should'],
      }),
    ]
    const summary = summaryOf(scenarios)
    const html = reportPage({ dir, summary, evidence: new Map() })
    const cell = (feature: string, agent: string, role: string) => {
      const m = html.match(
        new RegExp(`data-feature="${feature}" data-agent="${agent}" data-role="${role}">(.*?)</td>`),
      )?.[1]
      assert.ok(m, `a cell for ${agent} as ${role} in ${feature}`)
      const n = (outcome: string) => Number(m.match(new RegExp(`count ${outcome}".*?<span class="n">(\\d+)<`))?.[1])
      return [n('passed'), n('failed'), n('warning')]
    }
    assert.deepEqual(cell(CONNECTION, 'acapy@0.12.8', 'invitee'), [2, 1, 0])
    assert.deepEqual(cell(CONNECTION, 'acapy@0.12.8', 'inviter'), [1, 0, 0])
    assert.deepEqual(cell(ROTATE, 'acapy@0.12.8', 'observing_party'), [0, 0, 1])
    assert.ok(
      !html.includes('data-agent="reference" data-role='),
      'the reference agent beside an agent under test is the instrument',
    )
    assert.match(html, /1 expected/)
    assert.equal(interopMatrix(summary).cells.length, 3)
  })

  it('draws a message between two reference agents once, and names the unobserved peer', () => {
    const evidence: Evidence = {
      roles: { inviter: 'reference-1', invitee: 'reference-2', mediator: 'acapy-1' },
      trace: [
        entry(1, 'reference-2', 'outbound', {
          id: 'p',
          envelope: {
            alg: 'Authcrypt',
            senderKey: 'K2',
            recipientKeys: ['K1'],
            recipientKey: 'K1',
            endpoint: 'http://e1',
          },
        }),
        entry(2, 'reference-1', 'inbound', {
          id: 'p',
          envelope: {
            alg: 'Authcrypt',
            senderKey: 'K2',
            recipientKeys: ['K1'],
            recipientKey: 'K1',
            endpoint: 'http://e1',
          },
          schema: { schema: 'ping', valid: true, errors: [] },
        }),
        entry(3, 'reference-1', 'inbound', {
          id: 'q',
          envelope: { alg: 'Anoncrypt', recipientKeys: ['K1'], recipientKey: 'K1' },
        }),
      ],
      logs: {},
    }
    const flow = messageFlow(evidence)
    assert.deepEqual(
      flow.messages.map((m) => [m.id, m.from, m.to, m.schema?.valid]),
      [
        ['p', 'reference-2', 'reference-1', true],
        ['q', 'acapy-1', 'reference-1', undefined],
      ],
    )
    assert.deepEqual(
      flow.participants.map((p) => [p.instance, p.roles, p.observed]),
      [
        ['reference-1', ['inviter'], true],
        ['reference-2', ['invitee'], true],
        ['acapy-1', ['mediator'], false],
      ],
    )
  })

  it('draws the ledger as lanes: the harness’s writes to it and its read-backs, in time with the wire', () => {
    const evidence: Evidence = {
      roles: { author: 'acapy-1', endorser: 'reference-1' },
      trace: [
        entry(1, 'reference-1', 'inbound', { id: 'r', time: '2026-01-02T03:04:06.000Z' }),
        entry(2, 'reference-1', 'outbound', { id: 'e', time: '2026-01-02T03:04:08.000Z' }),
      ],
      logs: {},
      ledger: [
        { time: '2026-01-02T03:04:05.000Z', direction: 'write', op: 'NYM', subject: 'D1', result: { role: null } },
        { time: '2026-01-02T03:04:07.000Z', direction: 'read', op: 'GET_SCHEMA', subject: 'D1:2:s:1.0', result: null },
      ],
    }
    const flow = messageFlow(evidence)
    assert.deepEqual(
      flow.messages.map((m) => [m.from, m.to, m.type]),
      [
        ['harness', 'Indy ledger', 'NYM D1'],
        ['acapy-1', 'reference-1', 'https://didcomm.org/trust_ping/1.0/ping'],
        ['Indy ledger', 'harness', 'GET_SCHEMA D1:2:s:1.0: not on the ledger'],
        ['reference-1', 'acapy-1', 'https://didcomm.org/trust_ping/1.0/ping'],
      ],
    )
    assert.deepEqual(
      flow.participants.map((p) => p.instance),
      ['acapy-1', 'reference-1', 'harness', 'Indy ledger'],
    )
  })

  it('is written with an implementation report per agent under test, replacing stale ones', () => {
    const run = path.join(dir, 'run')
    mkdirSync(path.join(run, 'evidence'), { recursive: true })
    writeFileSync(path.join(run, 'implementation-report-gone.md'), '')
    writeFileSync(path.join(run, 'summary.json'), JSON.stringify(hostileRun().summary))
    writeFileSync(path.join(run, 'evidence', '001-x.json'), JSON.stringify(hostileEvidence))
    const written = writeReports(run).map((f) => path.basename(f))
    assert.deepEqual(written, [
      'report.html',
      'implementation-report-acapy_0.12.8.md',
      'implementation-report-acapy_0.12.8.html',
    ])
    assert.throws(() => readFileSync(path.join(run, 'implementation-report-gone.md')))
  })
})

describe('implementation report', () => {
  const scenarios = [
    scenario(
      'the ack moves the rotating party to its new DID',
      { rotating_party: 'acapy@0.12.8', observing_party: 'reference@0.1.0' },
      'failed',
      {
        feature: ROTATE,
        tags: ['@RFC0794', '@0794-07'],
        error: 'Error: no ack\n    at wait (/harness/waitFor.ts:1:1)',
        evidence: 'evidence/001-x.json',
        expected: {
          agent: 'acapy@0.12.8',
          reference: 'https://example.org/acapy/1',
          reason: 'registers the wrong class',
        },
      },
    ),
    scenario('a', inviter, 'passed'),
  ]
  const evidence: Evidence = {
    roles: { rotating_party: 'acapy-1', observing_party: 'reference-1' },
    trace: [
      entry(1, 'reference-1', 'outbound', {
        id: 'ack-1',
        type: 'https://didcomm.org/did-rotate/1.0/ack',
        message: { '@type': 'https://didcomm.org/did-rotate/1.0/ack', note: '```\n<script>x</script>' },
        delivery: 'HTTP 500',
      }),
    ],
    logs: { 'acapy-1': 'ClassNotFoundError: RotateAck', 'reference-1': 'not the agent under test' },
  }
  const run: RunData = {
    dir,
    summary: summaryOf(scenarios, [rotate]),
    evidence: new Map([['evidence/001-x.json', evidence]]),
  }
  const markdown = implementationReport(run, 'acapy@0.12.8')

  it('names the agent, its version, the date and the harness', () => {
    assert.match(markdown, /^# Implementation report: acapy@0\.12\.8$/m)
    assert.match(markdown, /^- version: 0\.12\.8$/m)
    assert.match(markdown, /^- date: 2026-01-02 /m)
    assert.match(markdown, /^- harness: didcomm-conformance 0\.1\.0$/m)
  })

  it('gives each statement its level and verdict in its role', () => {
    assert.match(markdown, /\| 0794-07 +\| MUST +\| rotating_party +\| a \\\| b +\| failed \(expected\) +\|/)
  })

  it('gives each deviation its error, decrypted messages, the agent’s log and the expectation', () => {
    const deviation = markdown.slice(markdown.indexOf('## Deviations'))
    assert.match(
      deviation,
      /### 1\. the ack moves the rotating party to its new DID — acapy@0\.12\.8 as rotating_party/,
    )
    assert.match(deviation, /known deviation: https:\/\/example\.org\/acapy\/1 — registers the wrong class/)
    assert.match(deviation, /```text\nError: no ack\n```/, 'the error without the harness’s stack')
    assert.match(deviation, /\| 1 +\| reference-1 → acapy-1 \| `did-rotate\/1\.0\/ack` \|/)
    assert.match(deviation, /````json\n\{[^]*```\\n<script>x<\/script>[^]*\}\n````/, 'a fence the message cannot close')
    assert.match(deviation, /ClassNotFoundError: RotateAck/)
    assert.ok(!deviation.includes('not the agent under test'), 'only the log of the agent under test')
    assert.ok(!markdown.includes('## Deviations\n\nNone'))
  })

  it('renders the same report as a page in which message contents stay text', () => {
    const html = implementationReportHtml(markdown, 'acapy@0.12.8')
    assert.ok(html.startsWith('<!doctype html>'))
    assert.ok(!html.includes('<script>'))
    assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/)
    assert.match(html, /<a href="https:\/\/example\.org\/acapy\/1">/)
  })
})

describe('the closing table of a run', () => {
  it('counts passed, failed (expected) and warnings per agent and role', () => {
    const summary = summaryOf([
      scenario('a', inviter, 'passed'),
      scenario('b', inviter, 'failed', { expected: { agent: 'acapy@0.12.8', reference: 'r' } }),
    ])
    assert.deepEqual(
      roleTotals(summary).map((r) => [r.agent, r.role, r.counts.passed, r.counts.failed, r.counts.expected]),
      [['acapy@0.12.8', 'invitee', 1, 1, 1]],
    )
    assert.match(formatRoleTable(summary), /│ acapy@0\.12\.8 +│ invitee +│ +1 │ +1 \(1 expected\) │ +0 │ +0 │ +0 │/)
  })
})

describe('didcomm-conformance compare', () => {
  const before = [
    scenario('stays', inviter, 'passed'),
    scenario('breaks', inviter, 'passed'),
    scenario('breaks', { inviter: 'acapy@0.12.8', invitee: 'reference@0.1.0' }, 'passed'),
    scenario('mends', inviter, 'failed'),
    scenario('goes', inviter, 'passed'),
  ]
  const later = [
    scenario('stays', { invitee: 'acapy@0.12.8', inviter: 'reference@0.1.0' }, 'passed'),
    scenario('breaks', inviter, 'failed', { error: 'Error: timed out\n    at x' }),
    scenario('breaks', { inviter: 'acapy@0.12.8', invitee: 'reference@0.1.0' }, 'passed'),
    scenario('mends', inviter, 'passed'),
    scenario('arrives', inviter, 'failed'),
  ]

  function write(name: string, scenarios: ScenarioResult[]): string {
    const runDir = path.join(dir, name)
    mkdirSync(runDir, { recursive: true })
    writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(summaryOf(scenarios)))
    return runDir
  }

  it('tells regressions, fixes, new and removed scenarios apart by feature, name and roles', () => {
    const c = compareRuns(summaryOf(before), summaryOf(later))
    assert.deepEqual(
      c.regressions.map((s) => [s.name, s.roles.inviter, s.error]),
      [['breaks', 'reference@0.1.0', 'Error: timed out']],
    )
    assert.deepEqual(
      c.fixes.map((s) => s.name),
      ['mends'],
    )
    assert.deepEqual(
      c.added.map((s) => s.name),
      ['arrives'],
    )
    assert.deepEqual(
      c.removed.map((s) => s.name),
      ['goes'],
    )
    assert.equal(c.unchanged, 2)
  })

  it('exits 1 and names the scenario that regressed', () => {
    const result = spawnSync(process.execPath, [CLI, 'compare', write('a', before), write('b', later)], {
      encoding: 'utf8',
    })
    assert.equal(result.status, 1, result.stderr)
    assert.match(
      result.stdout,
      /regressions \(passed → failed\): 1\n {2}✘ Connection establishment › breaks {2}\[inviter=reference@0\.1\.0 invitee=acapy@0\.12\.8\]/,
    )
    assert.match(result.stdout, /fixes \(failed → passed\): 1\n {2}✔ .* › mends/)
  })

  it('exits 0 without a regression, and 2 for a directory that holds no run', () => {
    const same = spawnSync(process.execPath, [CLI, 'compare', write('c', later), path.join(dir, 'b', 'summary.json')], {
      encoding: 'utf8',
    })
    assert.equal(same.status, 0, same.stderr)
    const missing = spawnSync(process.execPath, [CLI, 'compare', write('d', later), path.join(dir, 'nothing')], {
      encoding: 'utf8',
    })
    assert.equal(missing.status, 2)
    assert.match(missing.stderr, /holds no summary\.json/)
  })
})

describe('versions compared', () => {
  it('lists the statements whose verdict changed from the older version to the newer', () => {
    const st = (id: string, verdicts: Array<[string, VerdictStatus]>): StatementVerdicts => ({
      id,
      level: 'MUST',
      role: 'rotating_party',
      check: `check ${id}`,
      verdicts: verdicts.map(([agent, status]) => ({ agent, role: 'rotating_party', status, scenarios: [] })),
    })
    const summary: Summary = {
      ...summaryOf([]),
      agents: [
        { id: 'acapy@1.7.0', family: 'acapy', version: '1.7.0' },
        { id: 'acapy@0.12.8', family: 'acapy', version: '0.12.8' },
        { id: 'reference@0.1.0', family: 'reference', version: '0.1.0' },
      ],
      statements: [
        st('0794-07', [
          ['acapy@0.12.8', 'failed'],
          ['acapy@1.7.0', 'passed'],
        ]),
        st('0794-04', [
          ['acapy@0.12.8', 'failed'],
          ['acapy@1.7.0', 'failed'],
        ]),
        st('0794-13', [
          ['acapy@0.12.8', 'untested'],
          ['acapy@1.7.0', 'warning'],
        ]),
      ],
    }
    const [c, ...others] = versionComparisons(summary)
    assert.equal(others.length, 0, 'one family ran in two versions')
    assert.equal(c?.from, 'acapy@0.12.8')
    assert.equal(c?.to, 'acapy@1.7.0')
    assert.equal(c?.compared, 2, 'an untested verdict is not compared')
    assert.deepEqual(
      c?.changes.map((x) => [x.statement, x.before, x.after]),
      [['0794-07', 'failed', 'passed']],
    )
    assert.match(reportPage({ summary, dir, evidence: new Map() }), /<h3>acapy@0\.12\.8 → acapy@1\.7\.0<\/h3>/)
  })
})
