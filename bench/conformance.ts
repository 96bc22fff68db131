import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isReference, parseAgentId } from '../contract/agentId.js'
import { scenarioKey, type Summary } from '../contract/summary.js'

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'didcomm-conformance.js')
const EXPECTATIONS = path.resolve(import.meta.dirname, '..', 'expectations', 'known-deviations.json')

export interface ConformanceBench {
  /** `--workers 1 --no-calibrate`: every wait up to the step's 10 s. */
  serialMs: number
  /** `--workers 1`: one process, calibrated waits. */
  serialCalibratedMs: number
  parallelMs: number
  sameVerdicts: boolean
  /** Time to verdict of the expected failures, in the parallel run. */
  expectedFailure: { p50: number; p95: number; count: number }
  /** Time to verdict of a passing scenario, per agent under test (p50), in the parallel run. */
  passingByAgent: Record<string, number>
}

/**
 * The selection `agents` × `tags` in one process (`--workers 1`) with fixed and with calibrated waits,
 * and with the default workers and calibrated waits, by wall time; the scenario durations come from
 * summary.json.
 */
export function benchConformance(agents: string, tags: string): ConformanceBench {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-conformance-'))
  try {
    const timed = (name: string, extra: string[]) => {
      const reportDir = path.join(dir, name)
      const started = Date.now()
      const args = ['run', '--agents', agents, '--tags', tags, '--expectations', EXPECTATIONS, '--quiet', ...extra]
      const result = spawnSync(process.execPath, [CLI, ...args, '--report-dir', reportDir], { encoding: 'utf8' })
      if (result.status !== 0) throw new Error(`the ${name} run exited ${result.status}: ${result.stderr.slice(-2000)}`)
      const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
      return { ms: Date.now() - started, summary }
    }
    const serial = timed('serial', ['--workers', '1', '--no-calibrate'])
    const serialCalibrated = timed('serial-calibrated', ['--workers', '1'])
    const parallel = timed('parallel', [])
    const verdicts = (s: Summary) =>
      s.scenarios
        .map((x) => `${scenarioKey(x)} ${x.status}`)
        .sort()
        .join('\n')
    const scenarios = parallel.summary.scenarios
    const expected = scenarios.filter((s) => s.status === 'failed' && s.expected).map((s) => s.durationMs)
    const passingByAgent: Record<string, number> = {}
    const agentsUnderTest = [...new Set(scenarios.flatMap((s) => Object.values(s.roles)))].filter(
      (a) => !isReference(a),
    )
    for (const agent of agentsUnderTest) {
      const times = scenarios.filter((s) => s.status === 'passed' && Object.values(s.roles).includes(agent))
      passingByAgent[agent] = quantile(
        times.map((s) => s.durationMs),
        0.5,
      )
    }
    return {
      serialMs: serial.ms,
      serialCalibratedMs: serialCalibrated.ms,
      parallelMs: parallel.ms,
      sameVerdicts:
        verdicts(serial.summary) === verdicts(parallel.summary) &&
        verdicts(serialCalibrated.summary) === verdicts(parallel.summary),
      expectedFailure: { p50: quantile(expected, 0.5), p95: quantile(expected, 0.95), count: expected.length },
      passingByAgent: Object.fromEntries(
        Object.entries(passingByAgent).sort(([a], [b]) => parseAgentId(a).family.localeCompare(parseAgentId(b).family)),
      ),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}
