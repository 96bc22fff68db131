import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { reportPage } from './html/page.js'
import { agentsUnderTest, implementationReport, implementationReportHtml } from './implementation.js'
import { loadRun } from './load.js'

/**
 * Writes the reports people read into a run directory, from its summary.json and evidence files
 * only: report.html and an implementation report per agent under test. Returns the files written.
 */
export function writeReports(runDir: string): string[] {
  const run = loadRun(runDir)
  // Reports of agents that are not in this run must not survive from an earlier run in the same directory.
  for (const f of readdirSync(runDir).filter((f) => f.startsWith('implementation-report-'))) {
    rmSync(path.join(runDir, f))
  }
  const written = [path.join(runDir, 'report.html')]
  writeFileSync(written[0] as string, reportPage(run))
  for (const agent of agentsUnderTest(run)) {
    const markdown = implementationReport(run, agent)
    const base = path.join(runDir, `implementation-report-${agent.replace(/[^\w.-]/g, '_')}`)
    writeFileSync(`${base}.md`, markdown)
    writeFileSync(`${base}.html`, implementationReportHtml(markdown, agent))
    written.push(`${base}.md`, `${base}.html`)
  }
  return written
}
