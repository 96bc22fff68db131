/**
 * A run split over worker processes: each runs one shard of the role assignments (`run --shard k/n`)
 * with agents of its own, so nothing is shared between concurrent scenarios; their report
 * directories are then merged into the run's, which is what a run in one process writes. The work
 * is mostly waiting on agents, so workers overlap well even on two cores.
 */
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { rmSync } from 'node:fs'
import type { Summary } from '../contract/summary.js'
import { manage } from '../common/processes.js'
import { writeMergedRun } from './merge.js'
import type { Output } from './progress.js'

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'didcomm-conformance.js')
/** What one worker with its agents (several ACA-Py and Credo processes) can take in memory. */
const WORKER_MEMORY = 1.5 * 1024 ** 3

/** Twice the cores (the workers mostly wait), at least 4, at most what memory holds. */
export function defaultWorkers(): number {
  const byCores = Math.max(4, 2 * os.availableParallelism())
  return Math.max(1, Math.min(byCores, Math.floor(os.totalmem() / WORKER_MEMORY)))
}

/** A worker that could not run its shard at all: its exit code and what it said. */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message)
  }
}

/** A line a worker prints that the run prints too: one per finished scenario, with its error lines. */
const PROGRESS = /^(?:[✔✘⚠○-] | {4}\S)/

/**
 * Runs `args` (a `run` command line without --report-dir, --shard, --json and --quiet) in `workers`
 * processes, relays their progress lines, and merges their reports into `reportDir`.
 */
export async function runInWorkers(args: string[], workers: number, reportDir: string, out: Output): Promise<Summary> {
  const dirs = Array.from({ length: workers }, (_, i) => path.join(reportDir, 'workers', String(i + 1)))
  out.info(`report directory ${reportDir}; ${workers} workers`)
  // One worker starts its agents while the others run scenarios: starting agents is CPU work, and
  // every worker starting its own at once made agents miss their ready bounds on two cores.
  const children: Worker[] = []
  // After a Ctrl-C no further worker starts; those running are stopped (common/processes.ts).
  let stopping = false
  const stop = () => (stopping = true)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    for (const [i, dir] of dirs.entries()) {
      if (stopping) break
      const worker = startWorker([...args, '--shard', `${i + 1}/${workers}`, '--report-dir', dir], out)
      children.push(worker)
      await worker.agentsStarted
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  const ended = await Promise.all(children.map((c) => c.ended))
  const broken = ended.find((e) => e.code !== 0 && e.code !== 1 && e.code !== 130)
  if (broken) throw new WorkerError(broken.said.trim() || `a worker ended with ${broken.how}`, broken.code ?? 1)
  const summary = writeMergedRun(dirs.slice(0, children.length), reportDir)
  rmSync(path.join(reportDir, 'workers'), { recursive: true, force: true })
  return summary
}

interface Worker {
  /** Its agents are started (or it ended). */
  agentsStarted: Promise<void>
  ended: Promise<{ code: number | null; how: string; said: string }>
}

/**
 * A worker in a process group of its own, so that a Ctrl-C reaches it only through this run: it is
 * passed on (as SIGINT, for the worker to write its summary marked interrupted and stop its agents)
 * once the worker is far enough to act on it, and a worker still running when this process exits is
 * killed (common/processes.ts).
 */
function startWorker(args: string[], out: Output): Worker {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
  let said = ''
  let partial = ''
  let listening = false
  let pending: NodeJS.Signals | undefined
  const ended = new Promise<{ code: number | null; how: string; said: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, how: signal ? `signal ${signal}` : `code ${code}`, said })),
  )
  let agentsStarted: () => void = () => {}
  const started = new Promise<void>((resolve) => (agentsStarted = resolve))
  void ended.then(() => agentsStarted())
  child.stderr?.on('data', (chunk: Buffer) => {
    // Its first line comes after its own Ctrl-C handling is in place (bin/didcomm-conformance.js).
    listening = true
    if (pending) child.kill(pending)
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      // The run says `roles …` as it turns to the scenarios of an assignment, its agents started.
      if (line.startsWith('roles ')) agentsStarted()
      if (PROGRESS.test(line)) out.scenario(line)
      else said += `${line}\n`
    }
  })
  manage(child, async () => {
    if (listening) child.kill('SIGINT')
    else pending = 'SIGINT'
    await ended
  })
  return { agentsStarted: started, ended }
}
