import { readFileSync } from 'node:fs'

/** The machine's CPU time so far, in clock ticks: all of it, and what was not idle. */
export interface CpuSample {
  busy: number
  total: number
}

/** Reads the first line of /proc/stat; undefined where there is none (not Linux). */
export function cpuSample(): CpuSample | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    const ticks = line.trim().split(/\s+/).slice(1).map(Number)
    if (ticks.length < 5 || ticks.some((n) => !Number.isFinite(n))) return undefined
    const total = ticks.reduce((a, b) => a + b, 0)
    // idle and iowait are the fourth and fifth fields: time no process wanted the CPU.
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

/** The share of the machine's CPU that was busy between two samples, from 0 to 1. */
export function busyShare(from: CpuSample, to: CpuSample): number {
  const total = to.total - from.total
  return total <= 0 ? 0 : (to.busy - from.busy) / total
}
