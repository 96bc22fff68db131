import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { MEASUREMENT_MEDIA_TYPE, type Measurement } from '../contract/evidence.js'
import { quantile } from './conformance.js'

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'didcomm-conformance.js')

interface CucumberScenario {
  steps: Array<{ embeddings?: Array<{ mime_type: string; data: string }> }>
}

/**
 * The revocation setup and rotation scenarios (@REV-01, @REV-02) with each ACA-Py version as the
 * author, on a pool the run starts: the measurements their steps attach, by author and name (p50).
 * Needs root, as the pool does.
 */
export function benchRevocation(versions: string[]): Record<string, Record<string, { p50: number; count: number }>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-revocation-'))
  try {
    const agents = ['reference', ...versions.map((v) => `acapy@${v}`)].join(',')
    const args = ['run', '--agents', agents, '--tags', '@REV-01 or @REV-02', '--quiet', '--report-dir', dir]
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
    if (result.status !== 0)
      throw new Error(`the revocation run exited ${result.status}: ${result.stderr.slice(-2000)}`)
    const byAuthor: Record<string, Record<string, number[]>> = {}
    const reports = readdirSync(path.join(dir, 'cucumber')).filter((f) => f.endsWith('.json'))
    for (const file of reports) {
      // Named <author>-<endorser>_author-endorser.json by the run.
      const author = file.split('-')[0] as string
      const features = JSON.parse(readFileSync(path.join(dir, 'cucumber', file), 'utf8')) as Array<{
        elements: CucumberScenario[]
      }>
      const attached = features
        .flatMap((f) => f.elements)
        .flatMap((s) => s.steps)
        .flatMap((s) => s.embeddings ?? [])
        .filter((e) => e.mime_type === MEASUREMENT_MEDIA_TYPE)
        .map((e) => JSON.parse(Buffer.from(e.data, 'base64').toString('utf8')) as Measurement)
      for (const m of attached) ((byAuthor[author] ??= {})[m.name] ??= []).push(m.ms)
    }
    return Object.fromEntries(
      Object.entries(byAuthor).map(([author, named]) => [
        author,
        Object.fromEntries(
          Object.entries(named).map(([name, ms]) => [name, { p50: quantile(ms, 0.5), count: ms.length }]),
        ),
      ]),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
