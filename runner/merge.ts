import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  runPassed,
  scenarioKey,
  type FlakyScenario,
  totalsOf,
  warningsOf,
  type AgentDescription,
  type ScenarioResult,
  type Statement,
  type Summary,
} from '../contract/summary.js'
import { applyExpectations, loadExpectations, type ExpectationsFile } from './expectations.js'
import { loadStatements, statementTable, statementVerdicts } from './statements.js'
import { validateSummary } from '../schemas/validate.js'
import { STORES_DIR } from '../contract/storeSnapshot.js'
import { writeReports } from '../reports/index.js'
import { loadRun, type RunData } from '../reports/load.js'
import { rolesText } from '../reports/scenarios.js'

/** Exit codes of `merge` (documented in docs/ci-matrix.md). */
export const MERGE_EXIT = { passed: 0, failed: 1, usage: 2 } as const

/** Shards that cannot make one run (they disagree or overlap): exit code 2, nothing written. */
export class MergeInputError extends Error {}

export type Shard = Pick<RunData, 'dir' | 'summary'>

/** A shard's evidence file (relative to its directory) and its name in the merged run. */
export interface EvidenceCopy {
  shard: string
  from: string
  to: string
}

export interface Merged {
  summary: Summary
  evidence: EvidenceCopy[]
}

/** With `merge --expectations`: the file applied anew instead of the shards' own verdicts. */
export interface MergeExpectations {
  file: string
  entries: ExpectationsFile
}

/** The shards' folders copied as they are, a clashing name kept apart by the shard's prefix. */
const COPIED = ['cucumber', 'allure-results', 'logs', STORES_DIR]

/** What a run writes into its report directory, removed first when the directory is reused. */
export const RUN_OUTPUT = [
  'summary.json',
  'evidence',
  'cucumber',
  'logs',
  'agents',
  STORES_DIR,
  'allure-results',
  'allure-report',
] as const

/**
 * Joins the shards' summaries into the summary one unsharded run would have written: scenarios in
 * shard order, everything derived from them recomputed. The inputs are not changed.
 */
export function mergeSummaries(shards: Shard[], statements: Statement[], expectations?: MergeExpectations): Merged {
  if (shards.length === 0) throw new MergeInputError('no run directory to merge')
  const summaries = shards.map((s) => s.summary)
  const harness = agreed(shards, 'harness', (s) => s.harness)
  const tags = agreed(shards, 'tags', (s) => s.tags)
  checkComplete(summaries)
  const { scenarios, evidence } = joinScenarios(shards)
  const verdict = expectations ? reapplied(scenarios, expectations) : carried(summaries, scenarios)
  const agents = agentsOf(summaries)
  const agentIds = agents.map((a) => a.id)
  const summary: Summary = {
    harness,
    ...wallTime(summaries),
    tags,
    ...(summaries.some((s) => s.interrupted) ? { interrupted: true } : {}),
    totals: totalsOf(scenarios),
    warnings: warningsOf(scenarios),
    statements: statementVerdicts(statements, scenarios, agentIds),
    ...(verdict ? { expectations: verdict } : {}),
    agents,
    scenarios,
  }
  return { summary, evidence }
}

/** Shards that say which share they ran (`run --shard i/n`) must be all n of them, each once. */
function checkComplete(summaries: Summary[]): void {
  const shards = summaries.flatMap((s) => (s.shard ? [s.shard] : []))
  // An interrupted run keeps what finished: its shards cannot be complete.
  if (shards.length === 0 || summaries.some((s) => s.interrupted)) return
  const total = shards[0]?.total as number
  const indices = shards.map((s) => s.index).sort((a, b) => a - b)
  const all = Array.from({ length: total }, (_, i) => i + 1)
  if (shards.length !== summaries.length || shards.some((s) => s.total !== total) || indices.join() !== all.join()) {
    const got = summaries.map((s) => (s.shard ? `${s.shard.index}/${s.shard.total}` : 'unsharded')).join(', ')
    throw new MergeInputError(`the runs are not the ${total} shards of one run, each once (got ${got})`)
  }
}

/** The exit code of a merged run: `run`'s rule (contract/summary.ts runPassed) without --strict. */
export function mergedExitCode(summary: Summary): number {
  return runPassed(summary) ? MERGE_EXIT.passed : MERGE_EXIT.failed
}

/**
 * Merges shard report directories into reportDir: checks every input before writing anything,
 * then copies the files, writes summary.json and statements.md and regenerates the reports.
 */
export function writeMergedRun(
  runDirs: string[],
  reportDir: string,
  expectationsFile?: string,
  /** With `run --repeat`: what differed between the repetitions, for the summary to say. */
  flaky?: FlakyScenario[],
): Summary {
  const shards = runDirs.map(loadShard)
  const target = path.resolve(reportDir)
  if (runDirs.some((d) => path.resolve(d) === target)) {
    throw new MergeInputError(`--report-dir ${reportDir} is one of the run directories to merge`)
  }
  const expectations = expectationsFile
    ? { file: expectationsFile, entries: loadExpectations(expectationsFile) }
    : undefined
  const merged = mergeSummaries(shards, loadStatements(), expectations)
  const { evidence } = merged
  const summary: Summary = flaky ? { ...merged.summary, flaky } : merged.summary
  const missing = evidence.map((e) => path.join(e.shard, e.from)).find((f) => !existsSync(f))
  if (missing) throw new MergeInputError(`${missing}, the evidence of a failed scenario, is missing`)

  prepare(target)
  if (evidence.length) mkdirSync(path.join(target, 'evidence'), { recursive: true })
  for (const e of evidence) copyFileSync(path.join(e.shard, e.from), path.join(target, e.to))
  shards.forEach((shard, i) => {
    for (const folder of COPIED) copyEntries(path.join(shard.dir, folder), path.join(target, folder), `shard-${i + 1}-`)
  })
  const agentIds = summary.agents.map((a) => a.id)
  writeFileSync(path.join(target, 'summary.json'), JSON.stringify(summary, null, 2))
  writeFileSync(path.join(target, 'statements.md'), statementTable(summary.statements, agentIds))
  writeReports(target)
  return summary
}

/** A shard's run; its summary.json must follow the run contract, as the merge reads every field. */
function loadShard(dir: string): RunData {
  const run = loadRun(dir)
  const verdict = validateSummary(run.summary)
  if (!verdict.valid) {
    throw new MergeInputError(`${path.join(dir, 'summary.json')} breaks the run contract: ${verdict.errors[0]}`)
  }
  return run
}

/** A value every shard must share to be part of one run. */
function agreed<T>(shards: Shard[], what: string, get: (s: Summary) => T): T {
  const [first, ...rest] = shards as [Shard, ...Shard[]]
  const value = JSON.stringify(get(first.summary))
  const other = rest.find((s) => JSON.stringify(get(s.summary)) !== value)
  if (other) {
    const theirs = JSON.stringify(get(other.summary))
    throw new MergeInputError(`${other.dir} ran with ${what} ${theirs}, ${first.dir} with ${value}: not one run`)
  }
  return get(first.summary)
}

/** From the earliest start to the latest end: the wall time of the whole run. */
function wallTime(summaries: Summary[]): Pick<Summary, 'startedAt' | 'durationMs'> {
  const spans = summaries.map((s) => ({ start: Date.parse(s.startedAt), duration: s.durationMs }))
  const start = Math.min(...spans.map((s) => s.start))
  const end = Math.max(...spans.map((s) => s.start + s.duration))
  return { startedAt: new Date(start).toISOString(), durationMs: end - start }
}

/** Every shard's agents, each id once, as the first shard to list it describes it. */
function agentsOf(summaries: Summary[]): AgentDescription[] {
  const byId = new Map<string, AgentDescription>()
  for (const agent of summaries.flatMap((s) => s.agents)) if (!byId.has(agent.id)) byId.set(agent.id, agent)
  return [...byId.values()]
}

/**
 * The scenarios of the shards in the order given, each a copy with its evidence renamed by its
 * position in the merged run (as `run` numbers it), so that the shards' files cannot clash. A
 * scenario run by two shards means they overlap.
 */
function joinScenarios(shards: Shard[]): { scenarios: ScenarioResult[]; evidence: EvidenceCopy[] } {
  const ranIn = new Map<string, number>()
  const scenarios: ScenarioResult[] = []
  const evidence: EvidenceCopy[] = []
  shards.forEach((shard, i) => {
    for (const s of shard.summary.scenarios) {
      const key = scenarioKey(s)
      const earlier = ranIn.get(key)
      if (earlier !== undefined && earlier !== i) {
        const where = `${shards[earlier]?.dir} and ${shard.dir}`
        throw new MergeInputError(`shards overlap: ${s.feature} › ${s.name} [${rolesText(s.roles)}] ran in ${where}`)
      }
      ranIn.set(key, i)
      const copy = { ...s }
      if (s.evidence) {
        copy.evidence = evidenceName(scenarios.length + 1, s.evidence)
        evidence.push({ shard: shard.dir, from: s.evidence, to: copy.evidence })
      }
      scenarios.push(copy)
    }
  })
  return { scenarios, evidence }
}

/** `evidence/007-<slug>.json`: the shard's name with the merged run's number. */
function evidenceName(n: number, shardName: string): string {
  return `evidence/${String(n).padStart(3, '0')}-${path.posix.basename(shardName).replace(/^\d+-/, '')}`
}

/** The shards' own expectation verdicts, joined; none if no shard was run with expectations. */
function carried(summaries: Summary[], scenarios: ScenarioResult[]): Summary['expectations'] {
  const file = summaries.find((s) => s.expectations)?.expectations?.file
  if (file === undefined) return undefined
  return {
    file,
    // With no entries applyExpectations marks nothing and only counts the expected failures, by its own rule.
    expectedFailures: applyExpectations(scenarios, {}).expectedFailures,
    unexpectedPasses: summaries.flatMap((s) => s.expectations?.unexpectedPasses ?? []),
  }
}

/** The file decides anew: what the shards were run with no longer counts. */
function reapplied(scenarios: ScenarioResult[], expectations: MergeExpectations): Summary['expectations'] {
  for (const s of scenarios) delete s.expected
  return { file: expectations.file, ...applyExpectations(scenarios, expectations.entries) }
}

/** A reused report directory must not mix the merged run with what was there before, as in `run`. */
function prepare(dir: string): void {
  for (const entry of RUN_OUTPUT) {
    rmSync(path.join(dir, entry), { recursive: true, force: true })
  }
  mkdirSync(dir, { recursive: true })
}

/** Copies a shard's folder; a name an earlier shard took gets the prefix, and nothing is overwritten. */
function copyEntries(from: string, to: string, prefix: string): void {
  if (!existsSync(from)) return
  mkdirSync(to, { recursive: true })
  for (const name of readdirSync(from)) {
    const free = existsSync(path.join(to, name)) ? `${prefix}${name}` : name
    cpSync(path.join(from, name), path.join(to, free), { recursive: true, force: false, errorOnExist: true })
  }
}
