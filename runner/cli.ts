import path from 'node:path'
import { Command, Option } from 'commander'
import packageJson from '../package.json' with { type: 'json' }
import { AskarUnavailableError } from '../agents/reference/native/askarLibrary.js'
import { registerCompareCommand } from './commands/compare.js'
import { registerLedgerCommand } from './commands/ledger.js'
import { registerStoreCommand } from './commands/store.js'
import { registerImagesCommand } from './commands/images.js'
import { registerMergeCommand } from './commands/merge.js'
import { registerReportCommand } from './commands/report.js'
import { consoleOutput, formatRoleTable, formatTotals } from './progress.js'
import { flakyScenarios, runPassed, type Summary } from '../contract/summary.js'
import { knownAgentIds } from './agents.js'
import { isAathAgent } from '../backchannels/aath/agentSpec.js'
import { parseShard } from './assignments.js'
import { AgentStartError, checkAgents, checkInput, defaultReportDir, run, UsageError } from './run.js'
import { writeMergedRun } from './merge.js'
import { defaultWorkers, runInWorkers, WorkerError } from './workers.js'
import { ledgerForRun, LedgerStartError, startsPool, type RunLedger } from './ledger.js'
import { needsEngine, parseLaunch, poolLaunchOf, type LaunchChoice } from './launch.js'
import { connectEngine, DockerUnavailableError, type Engine } from '../common/docker/engine.js'

/** Exit codes (documented in the README): 0 all passed, 1 a scenario failed, 2 bad input, 3 an agent could not start, 130 interrupted. */
export const EXIT = { passed: 0, failed: 1, usage: 2, agentStart: 3, interrupted: 130 } as const

/**
 * A finished run exits once its output is flushed, even if something still holds the event loop
 * (Askar's native runtime threads did, now and then): every agent is stopped and every report written
 * by then, so nothing is lost.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}

/** The command line each worker runs: the run's own, less what the workers are given apart. */
function workerArgs(opts: {
  agents: string
  pairing: string
  tags?: string
  expectations?: string
  timeout: number
  strict?: boolean
  calibrate: boolean
  ledger?: RunLedger
  launch: string
  acapyImage?: string
}): string[] {
  return [
    ...['--agents', opts.agents, '--pairing', opts.pairing, '--timeout', String(opts.timeout), '--workers', '1'],
    ...(opts.tags ? ['--tags', opts.tags] : []),
    ...(opts.expectations ? ['--expectations', opts.expectations] : []),
    ...(opts.strict ? ['--strict'] : []),
    ...(opts.calibrate ? [] : ['--no-calibrate']),
    ...['--launch', opts.launch, ...(opts.acapyImage ? ['--acapy-image', opts.acapyImage] : [])],
    ...(opts.ledger && 'genesisPath' in opts.ledger ? ['--ledger-genesis', opts.ledger.genesisPath] : []),
  ]
}

/**
 * The selection run `times` times, each into a directory of its own; the run's report is the first
 * repetition's, with every scenario whose status was not the same each time listed as flaky.
 */
async function repeated(
  times: number,
  reportDir: string,
  runOnce: (dir: string) => Promise<Summary>,
): Promise<Summary> {
  const dirs: string[] = []
  const summaries: Summary[] = []
  for (let i = 1; i <= times; i++) {
    dirs.push(path.join(reportDir, 'repeats', String(i)))
    summaries.push(await runOnce(dirs[i - 1] as string))
    if (summaries.at(-1)?.interrupted) break
  }
  const flaky = flakyScenarios(summaries)
  const summary = writeMergedRun(dirs.slice(0, 1), reportDir, undefined, flaky)
  return summaries.some((s) => s.interrupted) ? { ...summary, interrupted: true } : summary
}

/** `--shard i/n`, or bad input (exit code 2). */
function shardOption(text: string): { index: number; total: number } {
  try {
    return parseShard(text)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

/** The run's Docker engine, exported to the workers as DOCKER_HOST. */
async function runEngine(output: { info(msg: string): void }): Promise<Engine> {
  const engine = await connectEngine((msg) => output.info(msg))
  process.env.DOCKER_HOST = engine.host
  return engine
}

const program = new Command()
  .name('didcomm-conformance')
  .description('Conformance test harness for DIDComm v1 / Aries agents')
  .version(packageJson.version)

program
  .command('run')
  .description('run the conformance features against the chosen agents in every role assignment')
  .option(
    '--agents <list>',
    `comma-separated agent ids (family[@version]; a bare family is its newest version); known: ${knownAgentIds().join(', ')}; an agent behind an AATH backchannel: aath:<name>=<url>`,
    'reference',
  )
  .addOption(
    new Option(
      '--pairing <mode>',
      'default: each agent with the reference agent in every role and with itself, plus real agents of different families at their newest versions; all: every assignment',
    )
      .choices(['default', 'all'])
      .default('default'),
  )
  .option('--tags <expression>', 'cucumber tag expression selecting scenarios')
  .option('--report-dir <dir>', 'where reports go (default reports/runs/<timestamp>)')
  .option(
    '--expectations <file>',
    'known deviations per agent; any other failure, or an unexpected pass, fails the run',
  )
  .addOption(new Option('--timeout <ms>', 'bound for each wait inside a step').default(10_000).argParser(Number))
  .option(
    '--no-calibrate',
    'wait the whole --timeout every time, instead of a bound learnt from the agents (10× their p95 round trip, at least 2 s)',
  )
  .option(
    '--acapy-admin-url <url>',
    'use an ACA-Py running elsewhere (its API key from $DIDCOMM_CONFORMANCE_ACAPY_API_KEY)',
  )
  .addOption(
    new Option('--acapy-webhook-port <port>', "port of our webhook receiver, for that ACA-Py's --webhook-url")
      .default(9090)
      .argParser(Number),
  )
  .option(
    '--launch <how>',
    'how agents under test (and the Indy pool, as indy-pool) run: process, docker, or per agent (acapy@1.7.0=docker,indy-pool=process); docker needs `images build` first',
    'process',
  )
  .option('--acapy-image <image>', 'run ACA-Py as a container of this image (aca-py on its PATH) instead of ours')
  .option('--shard <i/n>', 'run only the i-th of n deterministic shares of the role assignments (join them with merge)')
  .addOption(
    new Option('--workers <n>', 'worker processes, each running a share of the role assignments with agents of its own')
      .default(defaultWorkers(), 'twice the cores, at least 4, at most what memory holds')
      .argParser(Number),
  )
  .addOption(
    new Option('--repeat <n>', 'run the selection n times; a scenario whose verdict differs is flaky and fails the run')
      .default(1)
      .argParser(Number),
  )
  .addOption(
    new Option('--ledger-genesis <file>', 'the running Indy pool of the run that started this worker').hideHelp(),
  )
  .option('--strict', 'a failed SHOULD statement (a warning) fails the run too')
  .option('--quiet', 'print only the final totals')
  .option('--json', 'print summary.json to stdout instead of progress')
  .action(
    async (opts: {
      agents: string
      pairing: 'default' | 'all'
      shard?: string
      workers: number
      calibrate: boolean
      repeat: number
      tags?: string
      reportDir?: string
      expectations?: string
      acapyAdminUrl?: string
      acapyWebhookPort: number
      timeout: number
      quiet?: boolean
      json?: boolean
      strict?: boolean
      ledgerGenesis?: string
      launch: string
      acapyImage?: string
    }) => {
      const agents = opts.agents
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean)
      try {
        const output = consoleOutput({ quiet: Boolean(opts.quiet), json: Boolean(opts.json) })
        // One process runs a shard, an agent running elsewhere (there is one of it), or a single worker.
        const inWorkers = opts.workers > 1 && !opts.shard && !opts.acapyAdminUrl && !agents.some(isAathAgent)
        // Bad input is one answer before anything starts (a pool, workers), not one per worker.
        const { refOf } = checkInput({ agents, tags: opts.tags, expectations: opts.expectations })
        let launch: LaunchChoice
        try {
          launch = parseLaunch(opts.launch, opts.acapyImage)
        } catch (e) {
          throw new UsageError((e as Error).message)
        }
        // One engine for the run and its workers (they find it by DOCKER_HOST), stopped at the end if ours.
        const poolLaunch = poolLaunchOf(launch)
        const poolInContainers = poolLaunch === 'docker' && startsPool(opts.tags, opts.ledgerGenesis)
        const engine =
          needsEngine([...refOf.values()], launch) || poolInContainers ? await runEngine(output) : undefined
        // Decided inside, exited on after the engine stopped: an exit first would kill dockerd mid-stop.
        let exitCode: number | undefined
        try {
          if (inWorkers) {
            await checkAgents([...refOf.values()], { timeoutMs: opts.timeout, calibrate: opts.calibrate, launch })
          }
          const reportDir = path.resolve(opts.reportDir ?? defaultReportDir())
          const pool = await ledgerForRun({
            tags: opts.tags,
            genesisPath: opts.ledgerGenesis,
            out: output,
            launch: poolLaunch,
          })
          const ledger = pool.ledger
          const runOnce = (reportDir: string) =>
            inWorkers
              ? runInWorkers(workerArgs({ ...opts, ledger }), opts.workers, reportDir, output)
              : run({
                  agents,
                  pairing: opts.pairing,
                  ...(opts.shard ? { shard: shardOption(opts.shard) } : {}),
                  tags: opts.tags,
                  reportDir,
                  expectations: opts.expectations,
                  timeoutMs: opts.timeout,
                  calibrate: opts.calibrate,
                  ledger,
                  agentSettings: {
                    launch,
                    ...(opts.acapyAdminUrl
                      ? {
                          acapy: {
                            adminUrl: opts.acapyAdminUrl,
                            apiKey: process.env.DIDCOMM_CONFORMANCE_ACAPY_API_KEY,
                            webhookPort: opts.acapyWebhookPort,
                          },
                        }
                      : {}),
                  },
                  output,
                })
          let summary: Summary
          try {
            summary = opts.repeat > 1 ? await repeated(opts.repeat, reportDir, runOnce) : await runOnce(reportDir)
          } finally {
            await pool.stop()
          }
          if (inWorkers || opts.repeat > 1) {
            output.table(formatRoleTable(summary))
            output.info(formatTotals(summary))
          }
          // Interrupted: the summary is written and the agents are being stopped; the exit code says so.
          if (summary.interrupted) {
            exitCode = EXIT.interrupted
          } else {
            if (opts.json) console.log(JSON.stringify(summary, null, 2))
            else if (opts.quiet) console.error(formatTotals(summary))
            const ran = summary.totals.passed + summary.totals.failed
            if (ran === 0) console.error('no scenario matched the selection')
            exitCode = runPassed(summary, Boolean(opts.strict)) ? EXIT.passed : EXIT.failed
          }
        } finally {
          await engine?.stop()
        }
        exitWhenFlushed(exitCode)
      } catch (e) {
        console.error(`didcomm-conformance: ${(e as Error).message}`)
        if (e instanceof UsageError) exitWhenFlushed(EXIT.usage)
        else if (e instanceof WorkerError) exitWhenFlushed(e.exitCode)
        else if (
          e instanceof AgentStartError ||
          e instanceof AskarUnavailableError ||
          e instanceof LedgerStartError ||
          e instanceof DockerUnavailableError
        )
          exitWhenFlushed(EXIT.agentStart)
        else throw e
      }
    },
  )

registerReportCommand(program)
registerCompareCommand(program)
registerMergeCommand(program)
registerLedgerCommand(program)
registerStoreCommand(program)
registerImagesCommand(program)

await program.parseAsync()
