import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { assertExit, cli as runCli, EXPECTATIONS, readSummary } from './support/cli.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'conformance-run-test-'))
const cli = (...args: string[]) => runCli(args)

describe('didcomm-conformance run (the CI contract)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('runs the connection feature reference↔reference and writes the reports', () => {
    const reportDir = path.join(dir, 'connection')
    const result = cli('run', '--agents', 'reference', '--tags', '@connection', '--report-dir', reportDir)
    assertExit(result, 0, reportDir)
    const summary = readSummary(reportDir)
    assert.equal(summary.totals.failed, 0)
    assert.ok(summary.totals.passed >= 8, `passed ${summary.totals.passed}`)
    assert.equal(summary.totals.passed, summary.scenarios.length)
    const reference = `reference@${summary.harness.version}`
    assert.deepEqual(summary.agents, [{ id: reference, family: 'reference', version: summary.harness.version }])
    assert.ok(summary.durationMs > 0)
    for (const s of summary.scenarios) {
      assert.deepEqual(s.roles, { inviter: reference, invitee: reference })
      assert.ok(s.tags.includes('@connection') && s.feature && s.name && s.durationMs >= 0)
    }
    const files = readdirSync(path.join(reportDir, 'cucumber'))
    for (const ext of ['.json', '.html', '.junit.xml'])
      assert.ok(
        files.some((f) => f.endsWith(ext)),
        `a ${ext} report`,
      )
    assert.match(
      result.stderr,
      /✔ passed .*\[inviter=reference@\S+ invitee=reference@\S+\]/,
      'a progress line per scenario',
    )
  })

  it('runs the connection and DID Rotate features with both ACA-Py versions in every role, each its own agent id', () => {
    const reportDir = path.join(dir, 'acapy')
    const tags = '@connection or @RFC0794'
    const agents = 'reference,acapy@0.12.8,acapy@1.7.0'
    const args = ['run', '--agents', agents, '--tags', tags, '--expectations', EXPECTATIONS]
    const result = cli(...args, '--report-dir', reportDir)
    assertExit(result, 0, reportDir)
    const summary = readSummary(reportDir)
    const reference = `reference@${summary.harness.version}`
    assert.deepEqual(summary.agents.map((a) => [a.id, a.version]).sort(), [
      ['acapy@0.12.8', '0.12.8'],
      ['acapy@1.7.0', '1.7.0'],
      [reference, summary.harness.version],
    ])
    const connection = summary.scenarios.filter((s) => s.tags.includes('@connection'))
    const pairs = new Set(connection.map((s) => `${s.roles.inviter}→${s.roles.invitee}`))
    // The default pairing: each version with the reference agent both ways and with itself, not with each other.
    const expected = ['acapy@0.12.8', 'acapy@1.7.0'].flatMap((a) => [
      `${a}→${a}`,
      `${a}→${reference}`,
      `${reference}→${a}`,
    ])
    assert.deepEqual([...pairs].sort(), [...expected, `${reference}→${reference}`].sort())
    for (const s of summary.scenarios.filter((x) => x.status === 'failed')) {
      assert.ok(s.expected, `unexpected failure: ${s.name} ${JSON.stringify(s.roles)}: ${s.error}`)
    }
    assert.equal(summary.expectations?.unexpectedPasses.length, 0)
    for (const statement of summary.statements.filter((st) => st.id.startsWith('0794-'))) {
      for (const agent of ['acapy@0.12.8', 'acapy@1.7.0']) {
        const verdict = statement.verdicts.find((v) => v.agent === agent)
        assert.ok(verdict && verdict.status !== 'untested', `${agent} has a verdict for ${statement.id}`)
      }
    }
    for (const agent of ['acapy@0.12.8', 'acapy@1.7.0']) {
      const file = `implementation-report-${agent.replace('@', '_')}.md`
      assert.ok(existsSync(path.join(reportDir, file)), `an implementation report for ${agent}`)
    }
  })

  it('passes every RFC 0794 statement in both roles with the reference agent', () => {
    const reportDir = path.join(dir, 'rotate')
    const result = cli('run', '--tags', '@RFC0794', '--report-dir', reportDir)
    assertExit(result, 0, reportDir)
    const summary = readSummary(reportDir)
    assert.equal(summary.statements.filter((st) => st.id.startsWith('0794-')).length, 19)
    for (const statement of summary.statements.filter((st) => st.id.startsWith('0794-'))) {
      assert.deepEqual(
        statement.verdicts.map((v) => [v.agent, v.role, v.status]),
        [[`reference@${summary.harness.version}`, statement.role, 'passed']],
        statement.id,
      )
    }
    assert.match(readFileSync(path.join(reportDir, 'statements.md'), 'utf8'), /\| 0794-19 \| SHOULD \|/)
  })

  it('runs the connection and DID Rotate features with both Credo lines in every role, their known deviations expected', () => {
    const reportDir = path.join(dir, 'credo')
    const tags = '@connection or @RFC0794'
    const result = cli(
      'run',
      '--agents',
      'reference,credo@0.6.3,credo@0.5.19',
      '--tags',
      tags,
      '--expectations',
      EXPECTATIONS,
      '--report-dir',
      reportDir,
    )
    assertExit(result, 0, reportDir)
    const summary = readSummary(reportDir)
    assert.deepEqual(
      summary.agents
        .filter((a) => a.family === 'credo')
        .map((a) => [a.id, a.version])
        .sort(),
      [
        ['credo@0.5.19', '0.5.19'],
        ['credo@0.6.3', '0.6.3'],
      ],
    )
    const connection = summary.scenarios.filter((s) => s.tags.includes('@connection'))
    const pairs = new Set(
      connection.map((s) => `${s.roles.inviter}→${s.roles.invitee}`.replace(/reference@[^→\s]+/g, 'reference')),
    )
    assert.deepEqual([...pairs].sort(), [
      'credo@0.5.19→credo@0.5.19',
      'credo@0.5.19→reference',
      'credo@0.6.3→credo@0.6.3',
      'credo@0.6.3→reference',
      'reference→credo@0.5.19',
      'reference→credo@0.6.3',
      'reference→reference',
    ])
    for (const s of summary.scenarios.filter((x) => x.status === 'failed')) {
      assert.ok(s.expected, `unexpected failure: ${s.name} ${JSON.stringify(s.roles)}: ${s.error}`)
    }
    for (const statement of summary.statements.filter((st) => st.id.startsWith('0794-'))) {
      for (const agent of ['credo@0.6.3', 'credo@0.5.19']) {
        const verdict = statement.verdicts.find((v) => v.agent === agent)
        assert.ok(verdict && verdict.status !== 'untested', `${agent} has a verdict for ${statement.id}`)
      }
    }
  })

  it('fails with exit code 2 and names an unknown tag or agent, starting nothing', () => {
    const tag = cli('run', '--tags', '@no-such-tag', '--report-dir', path.join(dir, 'bad-tag'))
    assert.equal(tag.status, 2)
    assert.match(tag.stderr, /unknown tag @no-such-tag/)
    const agent = cli('run', '--agents', 'reference,nonesuch', '--report-dir', path.join(dir, 'bad-agent'))
    assert.equal(agent.status, 2)
    assert.match(agent.stderr, /unknown agent "nonesuch"/)
    assert.equal(existsSync(path.join(dir, 'bad-agent', 'summary.json')), false)
    const version = cli('run', '--agents', 'acapy@9.9.9', '--report-dir', path.join(dir, 'bad-version'))
    assert.equal(version.status, 2)
    assert.match(version.stderr, /unknown version "acapy@9\.9\.9" \(known: acapy@1\.7\.0, acapy@0\.12\.8\)/)
  })

  it('repeats a selection in one process with every step defined each time', () => {
    const reportDir = path.join(dir, 'repeat-in-process')
    const args = ['--agents', 'reference', '--tags', '@trust-ping', '--repeat', '2', '--workers', '1']
    const result = cli('run', ...args, '--report-dir', reportDir)
    assertExit(result, 0, reportDir)
    for (const n of ['1', '2']) {
      const summary = readSummary(path.join(reportDir, 'repeats', n))
      assert.ok(
        summary.scenarios.length > 0 && summary.scenarios.every((s) => s.status === 'passed'),
        `repetition ${n}`,
      )
    }
  })

  it('exits 1 when a scenario fails, and files its evidence', () => {
    const reportDir = path.join(dir, 'failing')
    // A wait bound of 1 ms cannot be met by a real exchange, so the scenario fails for a real reason.
    const result = cli('run', '--tags', '@trust-ping', '--timeout', '1', '--report-dir', reportDir)
    assert.equal(result.status, 1)
    const summary = readSummary(reportDir)
    const failed = summary.scenarios.filter((s) => s.status === 'failed')
    assert.ok(failed.length > 0)
    for (const s of failed) {
      // A bound of 1 ms stops a wait or a delivery, whichever comes first.
      assert.match(s.error ?? '', /timed out after 1 ms waiting for|could not deliver .* aborted due to timeout/)
      const evidence = JSON.parse(readFileSync(path.join(reportDir, s.evidence as string), 'utf8'))
      assert.ok(Array.isArray(evidence.trace) && evidence.logs[`reference-${summary.harness.version}-1`] !== undefined)
    }
  })
})
