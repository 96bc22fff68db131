/**
 * Transaction endorsement on the real Indy pool: the pool and the tails server as run resources, and
 * the endorsement and revocation suites (in one run, sharing its pool) with ACA-Py 1.7.0 as author and
 * as endorser against the reference agent and itself, Credo untested with its reason.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { ledgerForRun } from '../runner/ledger.js'
import { tailsServerForRun } from '../runner/tails.js'
import type { Ledger } from '../agents/indy-pool/resource.js'
import type { Output } from '../runner/progress.js'
import { assertExit, cli, EXPECTATIONS, readSummary } from './support/cli.js'

const quiet: Output = { info: () => {}, scenario: () => {}, table: () => {} }

describe('the ledger of a run', () => {
  it('is started only for a selection with a scenario tagged @ledger', async () => {
    const none = await ledgerForRun({ tags: '@connection', out: quiet, isRoot: true })
    assert.equal(none.ledger, undefined)
  })

  it('is unavailable without root, with the reason, and nothing is started', async () => {
    const { ledger } = await ledgerForRun({ tags: '@endorsement', out: quiet, isRoot: false })
    assert.ok(ledger && 'unavailable' in ledger)
    assert.match(ledger.unavailable, /needs root/)
  })

  it('is the one the run above gave, for a worker', async () => {
    const { ledger } = await ledgerForRun({ tags: '@endorsement', genesisPath: '/g', out: quiet, isRoot: false })
    assert.deepEqual(ledger, { genesisPath: '/g' })
  })
})

describe('the tails server of a run', () => {
  // Never opened: the server only keeps the ledger to read registry definitions when an upload comes.
  const ledger = { genesis: '' } as unknown as Ledger
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'tails-run-'))
  after(() => rmSync(runDir, { recursive: true, force: true }))

  it('is started only for a selection with a scenario tagged @revocation, and only with a ledger', async () => {
    assert.equal(await tailsServerForRun({ tags: '@endorsement', ledger, runDir }), undefined)
    assert.equal(await tailsServerForRun({ tags: '@revocation', ledger: undefined, runDir }), undefined)
    const server = await tailsServerForRun({ tags: '@revocation', ledger, runDir })
    assert.ok(server, 'no tails server for a selection tagged @revocation')
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.equal((await fetch(`${server.url}/hash/${'1'.repeat(44)}`)).status, 404)
    } finally {
      await server.stop()
    }
  })
})

// chroot and mount namespaces need root; CI runs as root, so there the suite always runs.
const skip = process.getuid?.() === 0 ? false : 'the Indy pool needs root (README: "An Indy ledger")'

describe('the endorsement and revocation suites on the Indy pool', { skip, timeout: 20 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'endorsement-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('gives ACA-Py 1.7.0 a verdict on every statement in each role; Credo is untested, with the reason', () => {
    const reportDir = path.join(dir, 'run')
    const agents = ['reference', 'acapy@1.7.0', 'credo@0.6.3']
    const tags = '@endorsement or @revocation'
    const args = ['run', '--agents', agents.join(','), '--tags', tags, '--expectations', EXPECTATIONS]
    const result = cli([...args, '--report-dir', reportDir], 15 * 60_000)
    assertExit(result, 0, reportDir)
    assert.match(result.stderr, /Indy pool ready in \d+ ms/)
    assert.match(result.stderr, /pool stopped/, 'the pool is stopped with the run')
    const summary = readSummary(reportDir)
    const catalogue = summary.statements.filter((s) => /^(TXN|REV)-/.test(s.id))
    assert.ok(catalogue.filter((s) => s.id.startsWith('TXN-')).length >= 8)
    assert.ok(catalogue.filter((s) => s.id.startsWith('REV-')).length >= 3)
    for (const statement of catalogue) {
      const verdict = statement.verdicts.find((v) => v.agent === 'acapy@1.7.0')
      assert.ok(verdict && verdict.status !== 'untested', `${statement.id}: no verdict for acapy@1.7.0`)
      assert.match(statement.source ?? '', /ACA-Py|seeds\/001/, `${statement.id} names no source`)
    }
    const credo = summary.scenarios.filter((s) => Object.values(s.roles).includes('credo@0.6.3'))
    assert.ok(credo.length > 0)
    for (const s of credo) {
      assert.equal(s.status, 'untested', s.name)
      assert.match(s.reason ?? '', /no transactions\/1\.0 protocol/)
    }
    // Revocation: the reference agent issues nothing, so it is never the author; it endorses.
    const referenceAuthor = summary.scenarios.filter(
      (s) => s.tags.includes('@revocation') && s.roles.author !== 'acapy@1.7.0',
    )
    for (const s of referenceAuthor) assert.match(s.reason ?? '', /no revocation capability/, s.name)
    assert.match(result.stderr, /tails server/, 'the run names its tails server')
    const report = readdirSync(reportDir).find((f) => f === 'implementation-report-acapy_1.7.0.md')
    assert.ok(report, 'no implementation report for ACA-Py')
    const text = readFileSync(path.join(reportDir, report), 'utf8')
    assert.match(text, /No accepted RFC is the source of these statements/)
  })
})
