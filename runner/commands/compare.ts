import path from 'node:path'
import type { Command } from 'commander'
import { compareRuns, formatComparison } from '../../reports/compare.js'
import { loadRun, RunDirectoryError } from '../../reports/load.js'
import { compareVersions, formatVersionComparison, versionComparisons } from '../../reports/versions.js'

/** Exit codes of `compare` (documented in the README). */
const EXIT = { same: 0, regressions: 1, usage: 2 } as const

/**
 * `compare <run-a> <run-b>`: what changed between two runs; regressions fail it. `compare <run>`:
 * which statements changed verdict between the versions of an agent family within one run.
 */
export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description(
      'list regressions, fixes and new or removed scenarios between two runs (exits 1 on a regression); ' +
        'with one run, the statements whose verdict differs between the versions of an agent in it',
    )
    .argument('<run-a>', 'the earlier run (its report directory or summary.json)')
    .argument('[run-b]', 'the later run')
    .option(
      '--agents <from,to>',
      'with one run: the two agent ids to compare (default: every family with two versions)',
    )
    .option('--json', 'print the comparison as JSON')
    .action((a: string, b: string | undefined, opts: { json?: boolean; agents?: string }) => {
      try {
        const before = loadRun(runDir(a)).summary
        if (b === undefined) {
          const pair = opts.agents?.split(',').map((x) => x.trim())
          if (pair && pair.length !== 2) {
            console.error('didcomm-conformance: --agents takes two agent ids: from,to')
            process.exitCode = EXIT.usage
            return
          }
          const comparisons = pair
            ? [compareVersions(before, pair[0] as string, pair[1] as string)]
            : versionComparisons(before)
          const text = comparisons.map(formatVersionComparison).join('\n') || 'no agent family ran in two versions'
          console.log(opts.json ? JSON.stringify(comparisons, null, 2) : text)
          return
        }
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
