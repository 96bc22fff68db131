import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { loadConfiguration, loadSupport, runCucumber } from '@cucumber/cucumber/api'
import type { AgentDescription, Backchannel } from '../backchannels/backchannel.js'
import packageJson from '../package.json' with { type: 'json' }
import { writeReports } from '../reports/index.js'
import { createAgent, knownAgents, maxInstances, type AgentSettings } from './agents.js'
import { assignmentsFor, assignmentTagExpression, describeAssignment, instancesNeeded } from './assignments.js'
import { clearAgentInstances, registerAgentInstance } from './context.js'
import { ResultCollector } from './collector.js'
import { FEATURES_DIR, indexFeatures, unknownTags } from './features.js'
import { formatRoleTable, formatScenarioLine, formatTotals, type Output } from './progress.js'
import { applyExpectations, loadExpectations, type ExpectationsFile } from './expectations.js'
import { loadStatements, statementTable, statementVerdicts } from './statements.js'
import { totalsOf, warningsOf, type ScenarioResult, type Summary } from './summary.js'

export interface RunOptions {
  agents: string[]
  tags?: string
  reportDir?: string
  /** JSON file of known deviations per agent (see runner/expectations.ts). */
  expectations?: string
  agentSettings?: AgentSettings
  /** Bound for each wait inside a step. */
  timeoutMs?: number
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

export async function run(options: RunOptions): Promise<Summary> {
  const started = Date.now()
  const out = options.output
  const unknownAgent = options.agents.find((a) => !knownAgents().includes(a))
  if (unknownAgent) throw new UsageError(`unknown agent "${unknownAgent}" (known: ${knownAgents().join(', ')})`)
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
  const reportDir = path.resolve(options.reportDir ?? defaultReportDir())
  // A reused report directory must not mix this run's results with an earlier run's.
  for (const entry of ['summary.json', 'cucumber', 'evidence', 'logs', 'agents', 'allure-results', 'allure-report']) {
    rmSync(path.join(reportDir, entry), { recursive: true, force: true })
  }
  mkdirSync(path.join(reportDir, 'cucumber'), { recursive: true })
  out.info(`report directory ${reportDir}`)

  const settings = options.agentSettings ?? {}
  const assignments = assignmentsFor(index.roleSets, options.agents).filter((a) => {
    const fits = [...instancesNeeded([a])].every(([name, n]) => n <= maxInstances(name, settings))
    if (!fits) out.info(`left out: roles ${describeAssignment(a)} need more instances than run elsewhere`)
    return fits
  })
  const agents = await startAgents(instancesNeeded(assignments), reportDir, settings, out)
  const scenarios: ScenarioResult[] = []
  const stopAll = () => Promise.allSettled(agents.map((a) => a.stop()))
  // On Ctrl-C the finished scenarios stay in summary.json; whatever the stopping agents make fail
  // afterwards is not a result and is not recorded.
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true
    writeSummary()
    out.info(`${signal}: stopping agents; summary.json keeps the ${scenarios.length} scenarios that finished`)
    void stopAll().then(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  let descriptions: AgentDescription[] = []
  const summary = (): Summary => ({
    harness: { name: packageJson.name, version: packageJson.version },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    tags: options.tags ?? null,
    ...(interrupted ? { interrupted: true } : {}),
    totals: totalsOf(scenarios),
    warnings: warningsOf(scenarios),
    statements: statementVerdicts(statements, scenarios, [...new Set(options.agents)]),
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
    writeFileSync(
      path.join(reportDir, 'statements.md'),
      statementTable(current.statements, [...new Set(options.agents)]),
    )
  }
  try {
    descriptions = await Promise.all(uniqueFamilies(agents).map((a) => a.describe()))
    const { runConfiguration } = await loadConfiguration({
      file: false,
      provided: {
        paths: [path.join(FEATURES_DIR, '**/*.feature')],
        import: [path.join(ROOT, 'steps', '**', '*.ts')],
      },
    })
    const support = await loadSupport(runConfiguration)
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
            worldParameters: { roles: assignment.instances, timeoutMs: options.timeoutMs ?? 10_000 },
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
                ...descriptions.map((d) => [d.name, d.version]),
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
    clearAgentInstances()
  }
  writeSummary()
  const result = summary()
  out.info(`report ${writeReports(reportDir)[0]}`)
  out.table(formatRoleTable(result))
  out.info(formatTotals(result))
  return result
}

async function startAgents(
  needed: Map<string, number>,
  reportDir: string,
  settings: AgentSettings,
  out: Output,
): Promise<Backchannel[]> {
  const agents: Backchannel[] = []
  for (const [name, count] of needed) {
    for (let i = 1; i <= count; i++) agents.push(createAgent(name, `${name}-${i}`, reportDir, settings))
  }
  const results = await Promise.allSettled(
    agents.map(async (a) => {
      const t = Date.now()
      await a.start()
      out.info(`started ${a.instance} in ${Date.now() - t} ms`)
    }),
  )
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${agents[i]?.instance}: ${r.reason.message}`] : [],
  )
  if (failed.length) {
    await Promise.allSettled(agents.map((a) => a.stop()))
    throw new AgentStartError(`could not start ${failed.join('; ')}`)
  }
  agents.forEach(registerAgentInstance)
  return agents
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

function uniqueFamilies(agents: Backchannel[]): Backchannel[] {
  return [...new Map(agents.map((a) => [a.name, a])).values()]
}
