/**
 * What a run does when things go wrong around it: it always exits by itself; an agent killed or
 * stopped mid-run is named as the cause and never passed off as a known deviation; Ctrl-C during
 * start-up keeps a valid summary; a missing native library is one line before any agent starts.
 * Nothing the runs start may outlive them.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { Summary } from '../contract/summary.js'
import { validateSummary } from '../schemas/validate.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const CLI = path.join(ROOT, 'bin', 'didcomm-conformance.js')
const EXPECTATIONS = path.join(ROOT, 'expectations', 'known-deviations.json')
const dir = mkdtempSync(path.join(os.tmpdir(), 'reliability-test-'))
/** How long a run may take to exit once it has nothing left to do but report. */
const EXIT_BOUND_MS = 120_000

interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  ms: number
}

/** Starts a run; `onLine` sees each line it prints to stderr as it comes. */
function startRun(args: string[], onLine: (line: string, child: ChildProcess) => void = () => {}, env = process.env) {
  const started = Date.now()
  const child = spawn(process.execPath, [CLI, 'run', ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  let partial = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine(line, child)
  })
  const finished = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the run did not exit within ${EXIT_BOUND_MS} ms; its output:\n${stderr.slice(-3000)}`))
    }, EXIT_BOUND_MS)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stderr, ms: Date.now() - started })
    })
  })
  return { child, finished }
}

function readSummary(reportDir: string): Summary {
  const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as Summary
  const verdict = validateSummary(summary)
  assert.ok(verdict.valid, `summary.json fails its schema: ${verdict.errors.join('; ')}`)
  return summary
}

/** Live processes whose working directory is inside `under` (every agent runs in its own data directory). */
function processesUnder(under: string): Array<{ pid: number; cmdline: string }> {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`)
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        // A zombie is gone already, only not yet reaped by its parent.
        if (!cwd.startsWith(under) || / Z /.test(stat)) return []
        return [{ pid: Number(pid), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') }]
      } catch {
        return []
      }
    })
}

after(() => rmSync(dir, { recursive: true, force: true }))

describe('a run always exits by itself', { timeout: 15 * 60_000 }, () => {
  it('exits after every one of 15 short runs with Credo', async () => {
    const RUNS = 15
    // Three at a time: the runs mostly wait, and hangs show as well side by side as one by one.
    const CONCURRENCY = 3
    const times: number[] = []
    let next = 0
    const worker = async () => {
      while (next < RUNS) {
        const n = next++
        const reportDir = path.join(dir, `short-${n}`)
        const args = ['--agents', 'reference,credo@0.5.19', '--tags', '@trust-ping', '--report-dir', reportDir]
        // One process: the hang this guards against was the run's own (Askar's threads kept it alive).
        const { finished } = startRun([...args, '--pairing', 'all', '--workers', '1'])
        const run = await finished
        assert.equal(run.code, 0, `run ${n} exit status; output:\n${run.stderr.slice(-2000)}`)
        times.push(run.ms)
        assert.deepEqual(processesUnder(reportDir), [], `run ${n} left processes behind`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    assert.equal(times.length, RUNS)
  })
})

describe('an agent killed or stopped mid-run', { timeout: 15 * 60_000 }, () => {
  const cases = [
    {
      agent: 'acapy@1.7.0',
      instance: 'acapy-1.7.0-1',
      signal: 'SIGKILL',
      kind: 'agent-exited',
      says: /exited with signal SIGKILL/,
    },
    {
      agent: 'acapy@1.7.0',
      instance: 'acapy-1.7.0-1',
      signal: 'SIGSTOP',
      kind: 'agent-unresponsive',
      says: /stopped answering/,
    },
    {
      agent: 'credo@0.5.19',
      instance: 'credo-0.5.19-1',
      signal: 'SIGKILL',
      kind: 'agent-exited',
      says: /exited with signal SIGKILL/,
    },
    {
      agent: 'credo@0.5.19',
      instance: 'credo-0.5.19-1',
      signal: 'SIGSTOP',
      kind: 'agent-unresponsive',
      says: /stopped answering/,
    },
  ] as const

  for (const c of cases) {
    it(`names ${c.signal} of ${c.agent} as the cause, excuses nothing with it, exits non-zero and leaves nothing running`, async () => {
      const reportDir = path.join(dir, `chaos-${c.instance}-${c.signal}`)
      const agentsDir = path.join(reportDir, 'agents')
      let signalled: number | undefined
      const args = ['--agents', `reference,${c.agent}`, '--tags', '@connection and not @negative', '--timeout', '3000']
      args.push('--workers', '1')
      const { finished } = startRun([...args, '--expectations', EXPECTATIONS, '--report-dir', reportDir], (line) => {
        // The first scenario the agent under test passed: it is up and in use; now it goes.
        if (signalled !== undefined || !line.startsWith('✔') || !line.includes(`=${c.agent}`)) return
        const target = processesUnder(agentsDir).find(
          (p) => p.cmdline.includes(path.join(agentsDir, c.instance)) || p.cmdline.includes(c.instance),
        )
        if (!target) return
        signalled = target.pid
        process.kill(target.pid, c.signal)
      })
      const run = await finished
      assert.ok(signalled, `no ${c.instance} process was found to signal; output:\n${run.stderr.slice(-2000)}`)
      assert.equal(run.code, 1, `exit status; output:\n${run.stderr.slice(-2000)}`)
      const summary = readSummary(reportDir)
      // The signal lands either while a scenario uses the agent (that scenario carries the failure)
      // or between two of them (the next one to need it is not run, and says why): either way the
      // cause is named, with the signal's own words.
      const caused = summary.scenarios.filter((s) => s.failure)
      for (const s of caused) {
        assert.equal(s.failure?.kind, c.kind)
        assert.equal(s.failure?.agent, c.instance)
        assert.match(s.failure?.detail ?? '', c.says)
        assert.equal(s.expected, undefined, `${s.name} was excused as a known deviation`)
      }
      const notRun = summary.scenarios.filter((s) => s.status === 'untested')
      for (const s of notRun) {
        assert.match(s.reason ?? '', new RegExp(`^not run: agent ${c.instance} `))
        assert.match(s.reason ?? '', c.says)
      }
      assert.ok(
        caused.length + notRun.length > 0,
        `no scenario names the agent as the cause: ${JSON.stringify(summary.scenarios.map((s) => [s.name, s.status]))}`,
      )
      const withAgent = summary.scenarios.filter((s) => Object.values(s.roles).includes(c.agent))
      assert.ok(withAgent.at(-1)?.status !== 'passed', 'no scenario with the agent passed after it went')
      assert.deepEqual(processesUnder(reportDir), [], 'processes left behind')
    })
  }
})

describe('Ctrl-C during start-up', { timeout: 5 * 60_000 }, () => {
  it('writes a valid summary marked interrupted, exits 130 and leaves nothing running', async () => {
    const reportDir = path.join(dir, 'interrupted')
    let interrupted = false
    const { finished } = startRun(['--agents', 'reference,acapy@1.7.0', '--report-dir', reportDir], (line, child) => {
      // Printed before any agent starts; ACA-Py takes seconds to be ready, so this falls inside start-up.
      if (!interrupted && line.startsWith('report directory')) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const run = await finished
    assert.equal(run.code, 130, run.stderr)
    const summary = readSummary(reportDir)
    assert.equal(summary.interrupted, true)
    assert.deepEqual(summary.scenarios, [])
    assert.deepEqual(processesUnder(reportDir), [])
  })
})

describe('a native library that cannot be loaded', () => {
  it('is one line per agent that needs it, exit 3, before any agent starts', async () => {
    const lib = mkdtempSync(path.join(dir, 'askar-broken-'))
    // The wrapper looks in $LIB_ASKAR_PATH first; a file that is not a shared library stands in for a broken install.
    writeFileSync(path.join(lib, 'libaries_askar.so'), 'not a library')
    const reportDir = path.join(dir, 'no-askar')
    const args = ['--agents', 'reference,credo@0.5.19,acapy@1.7.0', '--report-dir', reportDir]
    const run = await startRun(args, () => {}, { ...process.env, LIB_ASKAR_PATH: lib }).finished
    assert.equal(run.code, 3, run.stderr)
    const problems = run.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('report directory'))
    assert.deepEqual(
      problems.map((l) => /^(?:didcomm-conformance: )?(\S+): /.exec(l)?.[1]),
      [`reference@${packageVersion()}`, 'credo@0.5.19'],
      run.stderr,
    )
    for (const line of problems) assert.match(line, /Askar native library could not be loaded .*run `npm run setup`/)
    assert.equal(existsSync(path.join(reportDir, 'agents')), false, 'no agent was started')
  })
})

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
}
