import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { loadConfiguration, loadSupport, runCucumber } from '@cucumber/cucumber/api'
import type { AgentHost, RunResources } from '../backchannels/host.js'
import { agentId, instanceName, type AgentRef } from '../contract/agentId.js'
import { totalsOf, warningsOf, type AgentDescription, type ScenarioResult, type Summary } from '../contract/summary.js'
import packageJson from '../package.json' with { type: 'json' }
import { writeReports } from '../reports/index.js'
import { createHost, isNewestOfFamily, maxInstances, preflight, resolveAgent, type AgentSettings } from './agents.js'
import {
  assignmentsFor,
  assignmentTagExpression,
  describeAssignment,
  instancesNeeded,
  shardOf,
  type Assignment,
  type Pairing,
} from './assignments.js'
import { clearDrivers, registerDriver, registerLedger, registerTailsServer } from './context.js'
import { Ledger } from '../agents/indy-pool/resource.js'
import { WaitCalibration } from '../common/calibration.js'
import type { RunLedger } from './ledger.js'
import { ResultCollector } from './collector.js'
import { FEATURES_DIR, indexFeatures, selectionCount, unknownTags } from './features.js'
import { formatRoleTable, formatScenarioLine, formatTotals, type Output } from './progress.js'
import { applyExpectations, loadExpectations, type ExpectationsFile } from './expectations.js'
import { loadStatements, statementTable, statementVerdicts } from './statements.js'
import { RUN_OUTPUT } from './merge.js'
import { tailsServerForRun } from './tails.js'
import type { TailsServer } from '../agents/tails-server/server.js'

export interface RunOptions {
  /** Agent ids or families as given on the command line (`reference`, `acapy@0.12.8`, `credo`). */
  agents: string[]
  /** Which role assignments run (default: `default`). */
  pairing?: Pairing
  /** Only this deterministic share of the assignments (1-based), for runs split across machines. */
  shard?: { index: number; total: number }
  tags?: string
  reportDir?: string
  /** JSON file of known deviations per agent (see runner/expectations.ts). */
  expectations?: string
  agentSettings?: Omit<AgentSettings, 'timeoutMs' | 'calibrate'>
  /** Waits learn their bound from the agents' observed round trips, under the step's (default: on). */
  calibrate?: boolean
  /** Bound for each wait inside a step. */
  timeoutMs?: number
  /** The run's Indy pool, or why it has none, when the selection needs one (runner/ledger.ts). */
  ledger?: RunLedger
  output: Output
}

/** Bad input to the run itself (unknown agent or tag): exit code 2, nothing started. */
export class UsageError extends Error {}
/** An agent could not be started: exit code 3, every process already stopped. */
export class AgentStartError extends Error {}

const ROOT = path.resolve(import.meta.dirname, '..')

export function defaultReportDir(now = new Date()): string {
  return path.join(ROOT, 'reports', 'runs', now.toISOString().replace(/[:.]/g, '-'))
}

/** What a run is given, checked before anything is started: unknown agents, tags or expectations are bad input. */
export function checkInput(options: Pick<RunOptions, 'agents' | 'tags' | 'expectations'>) {
  let refs: AgentRef[]
  try {
    refs = options.agents.map(resolveAgent)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const index = indexFeatures()
  const badTags = unknownTags(options.tags, index)
  if (badTags.length) {
    throw new UsageError(`unknown tag ${badTags.join(', ')} (known: ${[...index.tags].sort().join(' ')})`)
  }
  let expectations: ExpectationsFile | undefined
  try {
    expectations = options.expectations ? loadExpectations(options.expectations) : undefined
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  return { refOf: new Map(refs.map((r) => [agentId(r), r])), index, expectations }
}

/** Every agent of the run can start here, or AgentStartError with one line per one that cannot. */
export async function checkAgents(refs: AgentRef[], settings: AgentSettings): Promise<void> {
  const problems = await preflight(refs, settings)
  if (problems.length) throw new AgentStartError(problems.join('\n'))
}

export async function run(options: RunOptions): Promise<Summary> {
  const started = Date.now()
  const out = options.output
  const { refOf, index, expectations } = checkInput(options)
  const ids = [...refOf.keys()]
  const reportDir = path.resolve(options.reportDir ?? defaultReportDir())
  // A reused report directory must not mix this run's results with an earlier run's.
  for (const entry of RUN_OUTPUT) {
    rmSync(path.join(reportDir, entry), { recursive: true, force: true })
  }
  mkdirSync(path.join(reportDir, 'cucumber'), { recursive: true })
  out.info(`report directory ${reportDir}`)

  const timeoutMs = options.timeoutMs ?? 10_000
  const calibrate = options.calibrate ?? true
  const settings: AgentSettings = {
    ...options.agentSettings,
    timeoutMs,
    calibrate,
    // Every agent's round trips together: a few are enough to bound the first waits of an agent not seen yet.
    ...(calibrate ? { runCalibration: new WaitCalibration(undefined, undefined, 3) } : {}),
  }
  const pairing = options.pairing ?? 'default'
  // An assignment no selected scenario would run starts no agents: the shards share only real work.
  const selected = (a: Assignment) =>
    selectionCount(`@roles:${a.roleSet.join(',')}`, assignmentTagExpression(a, options.tags), index)
  const assignments = shardOf(
    assignmentsFor(index.roleSets, ids, pairing, (id) => isNewestOfFamily(id, ids)).filter((a) => selected(a) > 0),
    options.shard,
    selected,
  ).filter((a) => {
    const fits = [...instancesNeeded([a])].every(([id, n]) => n <= maxInstances(refOf.get(id) as AgentRef, settings))
    if (!fits) out.info(`left out: roles ${describeAssignment(a)} need more instances than run elsewhere`)
    return fits
  })
  const hosts: AgentHost[] = []
  const scenarios: ScenarioResult[] = []
  const stopAll = () => Promise.allSettled(hosts.map((h) => h.stop()))
  // On Ctrl-C the finished scenarios stay in summary.json; whatever the stopping agents make fail
  // afterwards is not a result and is not recorded.
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    // Once is enough: a worker gets Ctrl-C from the terminal and from the run that started it.
    if (interrupted) return
    interrupted = true
    writeSummary()
    out.info(`${signal}: stopping agents; summary.json keeps the ${scenarios.length} scenarios that finished`)
    void stopAll().then(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const early = takeEarlyInterrupt()

  // Until the agents say what they are, they are what the command line named.
  let descriptions: AgentDescription[] = [...refOf.values()].map((r) => ({
    id: agentId(r),
    family: r.family,
    version: r.version,
  }))
  const summary = (): Summary => ({
    harness: { name: packageJson.name, version: packageJson.version },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    tags: options.tags ?? null,
    ...(options.shard ? { shard: options.shard } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    totals: totalsOf(scenarios),
    warnings: warningsOf(scenarios),
    statements: statementVerdicts(statements, scenarios, ids),
    ...(expectations && options.expectations
      ? { expectations: { file: options.expectations, ...applyExpectations(scenarios, expectations) } }
      : {}),
    agents: descriptions,
    scenarios,
  })
  const statements = loadStatements()
  const writeSummary = () => {
    const current = summary()
    writeFileSync(path.join(reportDir, 'summary.json'), JSON.stringify(current, null, 2))
    writeFileSync(path.join(reportDir, 'statements.md'), statementTable(current.statements, ids))
  }
  if (early) {
    onSignal(early)
    return summary()
  }
  let ledger: Ledger | undefined
  let tails: TailsServer | undefined
  try {
    await checkAgents([...refOf.values()], settings)
    if (options.ledger && 'genesisPath' in options.ledger) ledger = await Ledger.open(options.ledger.genesisPath)
    registerLedger(
      ledger ??
        (options.ledger && 'unavailable' in options.ledger
          ? options.ledger
          : { unavailable: 'the run selected no scenario tagged @ledger' }),
    )
    tails = await tailsServerForRun({ tags: options.tags, ledger, runDir: reportDir })
    registerTailsServer(tails)
    if (tails)
      out.info(`tails server for the scenarios tagged @revocation at ${tails.url} (files in ${reportDir}/tails)`)
    await startHosts(instancesNeeded(assignments), refOf, {
      resources: { runDir: reportDir, ...(ledger ? { ledger } : {}), ...(tails ? { tailsServerUrl: tails.url } : {}) },
      settings,
      out,
      hosts,
    })
    if (interrupted) return summary()
    descriptions = [...new Map(hosts.map((h) => [agentId(h.ref), h.describe()])).values()]
    const { runConfiguration } = await loadConfiguration({
      file: false,
      provided: {
        paths: [path.join(FEATURES_DIR, '**/*.feature')],
        import: [path.join(ROOT, 'steps', '**', '*.ts')],
      },
    })
    supportCode ??= loadSupport(runConfiguration)
    const support = await supportCode
    for (const assignment of assignments) {
      const slug = Object.values(assignment.agents).join('-') + '_' + assignment.roleSet.join('-')
      const collector = new ResultCollector(assignment.agents, (result, evidence) => {
        if (interrupted) return
        if (evidence) result.evidence = fileEvidence(reportDir, scenarios.length + 1, result, evidence)
        if (expectations) applyExpectations([result], expectations)
        scenarios.push(result)
        writeSummary()
        out.scenario(formatScenarioLine(result))
      })
      out.info(`roles ${describeAssignment(assignment)}`)
      await runCucumber(
        {
          ...runConfiguration,
          sources: { ...runConfiguration.sources, tagExpression: assignmentTagExpression(assignment, options.tags) },
          support,
          runtime: {
            ...runConfiguration.runtime,
            worldParameters: { roles: assignment.instances, timeoutMs },
          },
          formats: {
            ...runConfiguration.formats,
            // Cucumber's stdout is discarded; Allure writes its results to resultsDir, not to its stream.
            stdout: 'allure-cucumberjs/reporter',
            options: {
              ...runConfiguration.formats.options,
              resultsDir: path.join(reportDir, 'allure-results'),
              environmentInfo: Object.fromEntries([
                ['harness', `${packageJson.name} ${packageJson.version}`],
                ...descriptions.map((d) => [d.id, d.version]),
              ]),
            },
            files: {
              [path.join(reportDir, 'cucumber', `${slug}.json`)]: 'json',
              [path.join(reportDir, 'cucumber', `${slug}.html`)]: 'html',
              [path.join(reportDir, 'cucumber', `${slug}.junit.xml`)]: 'junit',
            },
          },
        },
        { cwd: ROOT, stdout: new PassThrough().resume(), stderr: process.stderr },
        collector.onMessage,
      )
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await stopAll()
    await tails?.stop()
    await ledger?.close()
    registerTailsServer(undefined)
    clearDrivers()
  }
  writeSummary()
  const result = summary()
  out.info(`report ${writeReports(reportDir)[0]}`)
  out.table(formatRoleTable(result))
  out.info(formatTotals(result))
  return result
}

/**
 * Cucumber's support code (the step definitions), loaded once per process: the step files are ES
 * modules, which run once however often they are imported, so a second load would define no step
 * (`run --repeat` in one process).
 */
let supportCode: ReturnType<typeof loadSupport> | undefined

/** A Ctrl-C that came while the harness loaded: bin/didcomm-conformance.js keeps it until the run can act. */
function takeEarlyInterrupt(): NodeJS.Signals | undefined {
  const key = Symbol.for('didcomm-conformance.early-interrupt')
  const kept = (process as unknown as Record<symbol, { signal?: NodeJS.Signals; listener: () => void } | undefined>)[
    key
  ]
  if (!kept) return undefined
  process.off('SIGINT', kept.listener)
  process.off('SIGTERM', kept.listener)
  return kept.signal
}

/** Starts a host per instance, all at once; `into` holds each as it is made, for Ctrl-C to stop. */
async function startHosts(
  needed: Map<string, number>,
  refs: Map<string, AgentRef>,
  run: { resources: RunResources; settings: AgentSettings; out: Output; hosts: AgentHost[] },
): Promise<void> {
  const made: AgentHost[] = []
  for (const [id, count] of needed) {
    for (let i = 1; i <= count; i++) made.push(createHost(refs.get(id) as AgentRef, instanceName(id, i), run.settings))
  }
  run.hosts.push(...made)
  const results = await Promise.allSettled(
    made.map(async (h) => {
      const t = Date.now()
      await h.start(run.resources)
      run.out.info(`started ${h.instance} in ${Date.now() - t} ms`)
    }),
  )
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${made[i]?.instance}: ${r.reason.message}`] : [],
  )
  if (failed.length) throw new AgentStartError(`could not start ${failed.join('; ')}`)
  for (const h of made) registerDriver(h.driver())
}

function fileEvidence(reportDir: string, n: number, result: ScenarioResult, evidence: string): string {
  const slug = result.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
  const file = path.join('evidence', `${String(n).padStart(3, '0')}-${slug}.json`)
  mkdirSync(path.join(reportDir, 'evidence'), { recursive: true })
  writeFileSync(path.join(reportDir, file), evidence)
  return file
}
