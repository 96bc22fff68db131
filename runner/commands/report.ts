import path from 'node:path'
import type { Command } from 'commander'
import { generateAllureReport } from '../../reports/allure.js'
import { writeReports } from '../../reports/index.js'
import { RunDirectoryError } from '../../reports/load.js'

/** `report <run-dir>`: rebuilds report.html and the implementation reports from a run's files. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("regenerate a run's report.html and implementation reports from its summary.json and evidence")
    .argument('<run-dir>', 'the report directory of a run')
    .option('--allure', 'also build the Allure HTML report from allure-results/ (needs Java)')
    .action(async (runDir: string, opts: { allure?: boolean }) => {
      const dir = path.resolve(runDir)
      try {
        for (const file of writeReports(dir)) console.error(`wrote ${file}`)
        if (opts.allure) console.error(`wrote ${await generateAllureReport(dir)}`)
      } catch (e) {
        console.error(`didcomm-conformance: ${(e as Error).message}`)
        process.exitCode = e instanceof RunDirectoryError ? 2 : 1
      }
    })
}
