import path from 'node:path'
import type { Command } from 'commander'
import { RunDirectoryError } from '../../reports/load.js'
import { MERGE_EXIT, MergeInputError, mergedExitCode, writeMergedRun } from '../merge.js'
import { ExpectationsError } from '../expectations.js'
import { formatRoleTable, formatTotals } from '../progress.js'

/** `merge <run-dir>... --report-dir DIR`: joins the report directories of a run's shards into one. */
export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description(
      'join the report directories of the shards of a run into one, as one unsharded run would have written it ' +
        '(exits 1 if a scenario failed, 2 on bad input)',
    )
    .argument('<run-dir...>', 'the report directories of the shards, in shard order')
    .requiredOption('--report-dir <dir>', 'where the merged run goes')
    .option('--expectations <file>', 'known deviations, applied anew instead of those the shards were run with')
    // A usage error exits 2, not commander's 1, which would read as a failed scenario.
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : MERGE_EXIT.usage))
    .action((runDirs: string[], opts: { reportDir: string; expectations?: string }) => {
      try {
        const summary = writeMergedRun(runDirs, opts.reportDir, opts.expectations)
        console.error(`merged ${runDirs.length} run directories into ${path.resolve(opts.reportDir)}`)
        console.error(formatRoleTable(summary))
        console.error(formatTotals(summary))
        if (summary.totals.passed + summary.totals.failed === 0) console.error('no scenario ran in the merged shards')
        process.exitCode = mergedExitCode(summary)
      } catch (e) {
        if (!(e instanceof RunDirectoryError || e instanceof MergeInputError || e instanceof ExpectationsError)) throw e
        console.error(`didcomm-conformance: ${e.message}`)
        process.exitCode = MERGE_EXIT.usage
      }
    })
}
