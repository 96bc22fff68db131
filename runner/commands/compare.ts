import path from 'node:path'
import type { Command } from 'commander'
import { compareRuns, formatComparison } from '../../reports/compare.js'
import { loadRun, RunDirectoryError } from '../../reports/load.js'

/** Exit codes of `compare` (documented in the README). */
const EXIT = { same: 0, regressions: 1, usage: 2 } as const

/** `compare <run-a> <run-b>`: what changed between two runs; regressions fail it. */
export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('list regressions, fixes and new or removed scenarios between two runs; exits 1 on a regression')
    .argument('<run-a>', 'the earlier run (its report directory or summary.json)')
    .argument('<run-b>', 'the later run')
    .option('--json', 'print the comparison as JSON')
    .action((a: string, b: string, opts: { json?: boolean }) => {
      try {
        const before = loadRun(runDir(a)).summary
        const after = loadRun(runDir(b)).summary
        const comparison = compareRuns(before, after)
        console.log(opts.json ? JSON.stringify(comparison, null, 2) : formatComparison(comparison, a, b))
        process.exitCode = comparison.regressions.length ? EXIT.regressions : EXIT.same
      } catch (e) {
        if (!(e instanceof RunDirectoryError)) throw e
        console.error(`didcomm-conformance: ${e.message}`)
        process.exitCode = EXIT.usage
      }
    })
}

function runDir(arg: string): string {
  return path.basename(arg) === 'summary.json' ? path.dirname(arg) : arg
}
