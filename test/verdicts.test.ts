import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { applyExpectations, ExpectationsError, loadExpectations } from '../runner/expectations.js'
import { indexFeatures } from '../runner/features.js'
import { loadStatements, statementTable, statementVerdicts } from '../runner/statements.js'
import {
  flakyScenarios,
  runPassed,
  totalsOf,
  warningsOf,
  type ScenarioResult,
  type Statement,
  type Summary,
} from '../contract/summary.js'

const must: Statement = { id: '0794-02', level: 'MUST', role: 'rotating_party', section: '', text: '', check: 'c' }
const should: Statement = { ...must, id: '0794-13', level: 'SHOULD', role: 'observing_party' }

function scenario(
  name: string,
  tags: string[],
  roles: Record<string, string>,
  status: ScenarioResult['status'],
): ScenarioResult {
  return { feature: 'f', name, tags, roles, status, durationMs: 1 }
}

describe('statement verdicts', () => {
  const scenarios = [
    scenario('a', ['@0794-02'], { rotating_party: 'acapy', observing_party: 'reference' }, 'failed'),
    scenario('b', ['@0794-02'], { rotating_party: 'reference', observing_party: 'reference' }, 'passed'),
    scenario('c', ['@0794-13', '@should'], { rotating_party: 'reference', observing_party: 'acapy' }, 'failed'),
  ]

  it('gives each agent in the statement role passed, failed, warning or untested', () => {
    const [v02, v13] = statementVerdicts([must, should], scenarios, ['reference', 'acapy'])
    assert.deepEqual(
      v02?.verdicts.map((v) => [v.agent, v.status]),
      [
        ['reference', 'passed'],
        ['acapy', 'failed'],
      ],
    )
    assert.deepEqual(
      v13?.verdicts.map((v) => [v.agent, v.status]),
      [
        ['reference', 'untested'],
        ['acapy', 'warning'],
      ],
    )
  })

  it('counts a failed SHOULD scenario as a warning, not a failure', () => {
    assert.deepEqual(totalsOf(scenarios), { passed: 1, failed: 1, skipped: 0, untested: 0, warnings: 1 })
    assert.deepEqual(warningsOf(scenarios)[0]?.statements, ['0794-13'])
  })

  it('writes a readable table of the statements exercised', () => {
    const table = statementTable(statementVerdicts([must, should], scenarios, ['reference', 'acapy']), [
      'reference',
      'acapy',
    ])
    assert.match(table, /\| 0794-02 \| MUST \| rotating_party \| c \| passed \| failed \|/)
  })

  it('catalogues every RFC 0794 and multitenancy statement the suites check, each tagged on a scenario', () => {
    const ids = loadStatements().map((s) => s.id)
    const numbered = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`)
    assert.deepEqual(
      ids.filter((id) => id.startsWith('MT-')),
      numbered('MT-', 17),
    )
    assert.deepEqual(
      ids.filter((id) => id.startsWith('0794-')),
      numbered('0794-', 19),
    )
    const tags = indexFeatures().tags
    assert.deepEqual(
      ids.filter((id) => !tags.has(`@${id}`)),
      [],
    )
  })
})

describe('expectations', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'expectations-'))
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name)
    writeFileSync(file, JSON.stringify(value))
    return file
  }

  it('marks matching failures expected and reports an expectation that now passes', () => {
    const file = loadExpectations(
      write('ok.json', {
        acapy: [
          {
            versions: '0.12.x',
            statement: '0794-02',
            role: 'rotating_party',
            reference: 'https://example.org/issue/1',
          },
          { versions: '*', scenario: 'x', reference: 'https://example.org/issue/2' },
        ],
      }),
    )
    const failing = scenario(
      'a',
      ['@0794-02'],
      { rotating_party: 'acapy@0.12.8', observing_party: 'reference@0.1.0' },
      'failed',
    )
    const fixed = scenario('x', [], { inviter: 'acapy@0.12.8', invitee: 'reference@0.1.0' }, 'passed')
    const verdict = applyExpectations([failing, fixed], file)
    assert.equal(failing.expected?.reference, 'https://example.org/issue/1')
    assert.equal(verdict.expectedFailures, 1)
    assert.deepEqual(verdict.unexpectedPasses, [{ agent: 'acapy@0.12.8', expectation: 'x', scenario: 'x' }])
  })

  it('excuses a failure against another agent only when the entry names that peer', () => {
    const file = loadExpectations(
      write('peer.json', {
        acapy: [
          { versions: '0.12.8', scenario: 's', role: 'invitee', peer: 'credo', reference: 'https://example.org/3' },
        ],
      }),
    )
    const withCredo = scenario('s', [], { inviter: 'credo@0.5.19', invitee: 'acapy@0.12.8' }, 'failed')
    const withItself = scenario('s', [], { inviter: 'acapy@0.12.8', invitee: 'acapy@0.12.8' }, 'passed')
    const verdict = applyExpectations([withCredo, withItself], file)
    assert.ok(withCredo.expected)
    assert.deepEqual(verdict.unexpectedPasses, [])
  })

  it('does not excuse a failure between two agents under test, nor in another role', () => {
    const file = loadExpectations(
      write('role.json', {
        acapy: [
          { versions: '0.12.8', statement: '0794-02', role: 'rotating_party', reference: 'https://example.org/1' },
        ],
      }),
    )
    const pair = scenario(
      'a',
      ['@0794-02'],
      { rotating_party: 'acapy@0.12.8', observing_party: 'credo@0.5.19' },
      'failed',
    )
    const otherRole = scenario(
      'b',
      ['@0794-02'],
      { rotating_party: 'reference@0.1.0', observing_party: 'acapy@0.12.8' },
      'failed',
    )
    applyExpectations([pair, otherRole], file)
    assert.equal(pair.expected, undefined)
    assert.equal(otherRole.expected, undefined)
  })

  it('applies an entry only to the versions it names', () => {
    const file = loadExpectations(
      write('versions.json', {
        acapy: [
          { versions: '<1.0.0', statement: '0794-02', role: 'rotating_party', reference: 'https://example.org/4' },
        ],
      }),
    )
    const old = scenario(
      'a',
      ['@0794-02'],
      { rotating_party: 'acapy@0.12.8', observing_party: 'reference@0.1.0' },
      'failed',
    )
    const current = scenario(
      'a',
      ['@0794-02'],
      { rotating_party: 'acapy@1.7.0', observing_party: 'reference@0.1.0' },
      'failed',
    )
    applyExpectations([old, current], file)
    assert.equal(old.expected?.agent, 'acapy@0.12.8')
    assert.equal(current.expected, undefined)
  })

  it('refuses an entry without a public reference or without a version range', () => {
    assert.throws(
      () => loadExpectations(write('bad.json', { acapy: [{ versions: '*', statement: '0794-02' }] })),
      (e: Error) => e instanceof ExpectationsError && /no public reference/.test(e.message),
    )
    assert.throws(
      () =>
        loadExpectations(write('bad2.json', { acapy: [{ statement: '0794-02', reference: 'https://example.org/5' }] })),
      (e: Error) => e instanceof ExpectationsError && /no valid semver range/.test(e.message),
    )
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('flaky scenarios (run --repeat)', () => {
  const at = (status: ScenarioResult['status']) =>
    scenario('ping', ['@trust-ping'], { inviter: 'acapy@1.7.0', invitee: 'reference@0.1.0' }, status)
  const run = (...scenarios: ScenarioResult[]) => ({ scenarios }) as unknown as Summary

  it('lists a scenario whose status differs between repetitions, with each status, and fails the run', () => {
    const steady = scenario('steady', [], { inviter: 'reference@0.1.0', invitee: 'reference@0.1.0' }, 'passed')
    const flaky = flakyScenarios([run(at('passed'), steady), run(at('failed'), steady), run(at('passed'), steady)])
    assert.deepEqual(
      flaky.map((f) => [f.name, f.statuses]),
      [['ping', ['passed', 'failed', 'passed']]],
    )
    const summary = { totals: { passed: 1, failed: 0 }, scenarios: [steady], flaky } as unknown as Summary
    assert.equal(runPassed(summary), false)
  })

  it('counts a scenario missing from a repetition as not run there', () => {
    assert.deepEqual(
      flakyScenarios([run(at('passed')), run()]).map((f) => f.statuses),
      [['passed', 'skipped']],
    )
  })
})
