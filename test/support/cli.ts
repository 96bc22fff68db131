import assert from 'node:assert/strict'
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { isWarning, type Summary } from '../../contract/summary.js'
import { validateSummary } from '../../schemas/validate.js'

export const ROOT = path.resolve(import.meta.dirname, '..', '..')
export const CLI = path.join(ROOT, 'bin', 'didcomm-conformance.js')
export const EXPECTATIONS = path.join(ROOT, 'expectations', 'known-deviations.json')

/** The tests' environment, less a store key set where they run: a CLI run meant to go without one must. */
function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const inherited = { ...process.env }
  delete inherited.DIDCOMM_CONFORMANCE_STORE_KEY
  return { ...inherited, ...extra }
}

export function cli(args: string[], timeoutMs = 600_000, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, env: cliEnv(env) })
}

/** `cli` without blocking: for runs meant to go side by side. */
export function cliAsync(args: string[], timeoutMs = 600_000): Promise<SpawnSyncReturns<string>> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(), timeout: timeoutMs })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('close', (status, signal) =>
      resolve({ pid: child.pid ?? 0, output: [null, stdout, stderr], stdout, stderr, status, signal }),
    )
  })
}

/** A run's summary.json, which must validate against the run contract's schema. */
export function readSummary(reportDir: string): Summary {
  const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
  const verdict = validateSummary(summary)
  assert.ok(verdict.valid, `summary.json in ${reportDir} fails its schema: ${verdict.errors.join('; ')}`)
  return summary
}

/**
 * Asserts a run's exit status. When it is not the one wanted, the message leads with what made the run fail
 * (unexpected failures, unexpected passes, flaky scenarios, read from its summary) before the tail of its
 * output: CI keeps only the start of a long message, and a full progress log would push the cause out of it.
 */
export function assertExit(result: SpawnSyncReturns<string>, wanted: number, reportDir?: string): void {
  if (result.status === wanted) return
  const lines = [`exit status ${result.status ?? result.signal}, wanted ${wanted}`]
  const summaryFile = reportDir ? path.join(reportDir, 'summary.json') : undefined
  if (summaryFile && existsSync(summaryFile)) {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary
    for (const s of summary.scenarios.filter((x) => x.status === 'failed' && !x.expected && !isWarning(x)))
      lines.push(`unexpected failure: ${s.name} ${JSON.stringify(s.roles)}: ${s.error?.slice(0, 1500) ?? ''}`)
    for (const p of summary.expectations?.unexpectedPasses ?? []) lines.push(`unexpected pass: ${JSON.stringify(p)}`)
    for (const f of summary.flaky ?? []) lines.push(`flaky: ${JSON.stringify(f)}`)
  }
  const tail = result.stderr
    .split('\n')
    .filter((l) => !l.startsWith('✔ passed'))
    .slice(-40)
  lines.push('stderr (passed scenarios left out):', ...tail)
  if (result.stdout.trim()) lines.push('stdout:', result.stdout.slice(-2000))
  assert.fail(lines.join('\n'))
}
