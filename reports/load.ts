import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Summary } from '../contract/summary.js'
import type { Evidence } from '../contract/evidence.js'

/** An evidence file that could not be read; the reports say so instead of failing. */
export interface UnreadableEvidence {
  unreadable: string
}

/** Everything the reports are built from: the run's summary.json and the evidence files it names. */
export interface RunData {
  dir: string
  summary: Summary
  /** Evidence path (as in `scenario.evidence`) → its contents. */
  evidence: Map<string, Evidence | UnreadableEvidence>
}

export class RunDirectoryError extends Error {}

export function loadRun(dir: string): RunData {
  const file = path.join(dir, 'summary.json')
  if (!existsSync(file)) throw new RunDirectoryError(`${dir} holds no summary.json: not a run directory`)
  let summary: Summary
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Summary
    // Runs from before statements were catalogued have no statements[].
    summary = { ...parsed, statements: parsed.statements ?? [], warnings: parsed.warnings ?? [] }
  } catch (e) {
    throw new RunDirectoryError(`${file}: ${(e as Error).message}`)
  }
  const evidence = new Map<string, Evidence | UnreadableEvidence>()
  for (const s of summary.scenarios) {
    if (!s.evidence) continue
    try {
      evidence.set(s.evidence, JSON.parse(readFileSync(path.join(dir, s.evidence), 'utf8')) as Evidence)
    } catch (e) {
      evidence.set(s.evidence, { unreadable: (e as Error).message })
    }
  }
  return { dir, summary, evidence }
}

export function evidenceOf(run: RunData, evidencePath: string | undefined): Evidence | UnreadableEvidence | undefined {
  return evidencePath ? run.evidence.get(evidencePath) : undefined
}

export function isUnreadable(e: Evidence | UnreadableEvidence): e is UnreadableEvidence {
  return 'unreadable' in e
}
