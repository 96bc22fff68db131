import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { launchAcapy } from '../agents/acapy/launcher.js'

/** ACA-Py start-to-ready (process or container started → admin says ready and inbound answers), one launch at a time. */
export async function benchAcapyStart(
  launches = 3,
  opts: { version?: string; container?: { image: string } } = {},
): Promise<number[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-acapy-'))
  const times: number[] = []
  try {
    for (let i = 1; i <= launches; i++) {
      const started = performance.now()
      const agent = await launchAcapy({ label: `bench-${i}`, runDir: dir, ...opts })
      times.push(Math.round(performance.now() - started))
      await agent.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return times
}
