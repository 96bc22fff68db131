import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { Summary } from '../runner/summary.js'

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'didcomm-conformance.js')
const dir = mkdtempSync(path.join(os.tmpdir(), 'conformance-run-test-'))

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 })
}

describe('didcomm-conformance run (the CI contract)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('runs the connection feature reference↔reference and writes the reports', () => {
    const reportDir = path.join(dir, 'connection')
    const result = cli('run', '--agents', 'reference', '--tags', '@connection', '--report-dir', reportDir)
    assert.equal(result.status, 0, `exit status; stderr:\n${result.stderr}`)
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
    assert.equal(summary.totals.failed, 0)
    assert.ok(summary.totals.passed >= 8, `passed ${summary.totals.passed}`)
    assert.equal(summary.totals.passed, summary.scenarios.length)
    assert.deepEqual(summary.agents, [{ name: 'reference', version: summary.harness.version }])
    assert.ok(summary.durationMs > 0)
    for (const s of summary.scenarios) {
      assert.deepEqual(s.roles, { inviter: 'reference', invitee: 'reference' })
      assert.ok(s.tags.includes('@connection') && s.feature && s.name && s.durationMs >= 0)
    }
    const files = readdirSync(path.join(reportDir, 'cucumber'))
    for (const ext of ['.json', '.html', '.junit.xml'])
      assert.ok(
        files.some((f) => f.endsWith(ext)),
        `a ${ext} report`,
      )
    assert.match(result.stderr, /✔ passed .*\[inviter=reference invitee=reference\]/, 'a progress line per scenario')
  })

  it('runs the connection and DID Rotate features with ACA-Py in every role, its known deviations expected', () => {
    const reportDir = path.join(dir, 'acapy')
    const expectations = path.resolve(import.meta.dirname, '..', 'expectations', 'known-deviations.json')
    const tags = '@connection or @RFC0794'
    const args = ['run', '--agents', 'reference,acapy', '--tags', tags, '--expectations', expectations]
    const result = cli(...args, '--report-dir', reportDir)
    assert.equal(result.status, 0, `exit status; stderr:\n${result.stderr}`)
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
    assert.deepEqual(summary.agents.map((a) => a.name).sort(), ['acapy', 'reference'])
    assert.equal(summary.agents.find((a) => a.name === 'acapy')?.version, '0.12.8')
    const connection = summary.scenarios.filter((s) => s.tags.includes('@connection'))
    const pairs = new Set(connection.map((s) => `${s.roles.inviter}→${s.roles.invitee}`))
    assert.deepEqual([...pairs].sort(), ['acapy→acapy', 'acapy→reference', 'reference→acapy', 'reference→reference'])
    for (const s of summary.scenarios.filter((x) => x.status === 'failed')) {
      assert.ok(s.expected, `unexpected failure: ${s.name} ${JSON.stringify(s.roles)}: ${s.error}`)
    }
    assert.equal(summary.expectations?.unexpectedPasses.length, 0)
    for (const statement of summary.statements) {
      const verdict = statement.verdicts.find((v) => v.agent === 'acapy')
      assert.ok(verdict && verdict.status !== 'untested', `ACA-Py has a verdict for ${statement.id}`)
    }
  })

  it('passes every RFC 0794 statement in both roles with the reference agent', () => {
    const reportDir = path.join(dir, 'rotate')
    const result = cli('run', '--tags', '@RFC0794', '--report-dir', reportDir)
    assert.equal(result.status, 0, `exit status; stderr:\n${result.stderr}`)
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
    assert.equal(summary.statements.length, 19)
    for (const statement of summary.statements) {
      assert.deepEqual(
        statement.verdicts.map((v) => [v.agent, v.role, v.status]),
        [['reference', statement.role, 'passed']],
        statement.id,
      )
    }
    assert.match(readFileSync(path.join(reportDir, 'statements.md'), 'utf8'), /\| 0794-19 \| SHOULD \|/)
  })

  it('runs the connection and DID Rotate features with Credo in every role, its known deviations expected', () => {
    const reportDir = path.join(dir, 'credo')
    const expectations = path.resolve(import.meta.dirname, '..', 'expectations', 'known-deviations.json')
    const tags = '@connection or @RFC0794'
    const result = cli(
      'run',
      '--agents',
      'reference,credo',
      '--tags',
      tags,
      '--expectations',
      expectations,
      '--report-dir',
      reportDir,
    )
    assert.equal(result.status, 0, `exit status; stderr:\n${result.stderr}`)
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
    assert.equal(summary.agents.find((a) => a.name === 'credo')?.version, '0.5.19')
    const connection = summary.scenarios.filter((s) => s.tags.includes('@connection'))
    const pairs = new Set(connection.map((s) => `${s.roles.inviter}→${s.roles.invitee}`))
    assert.deepEqual([...pairs].sort(), ['credo→credo', 'credo→reference', 'reference→credo', 'reference→reference'])
    for (const statement of summary.statements) {
      const verdict = statement.verdicts.find((v) => v.agent === 'credo')
      assert.ok(verdict && verdict.status !== 'untested', `Credo has a verdict for ${statement.id}`)
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
  })

  it('exits 1 when a scenario fails, and files its evidence', () => {
    const reportDir = path.join(dir, 'failing')
    // A wait bound of 1 ms cannot be met by a real exchange, so the scenario fails for a real reason.
    const result = cli('run', '--tags', '@trust-ping', '--timeout', '1', '--report-dir', reportDir)
    assert.equal(result.status, 1)
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
    const failed = summary.scenarios.filter((s) => s.status === 'failed')
    assert.ok(failed.length > 0)
    for (const s of failed) {
      assert.match(s.error ?? '', /timed out after 1 ms waiting for/)
      const evidence = JSON.parse(readFileSync(path.join(reportDir, s.evidence as string), 'utf8'))
      assert.ok(Array.isArray(evidence.trace) && evidence.logs['reference-1'] !== undefined)
    }
  })
})
