import { readdirSync, readFileSync } from 'node:fs'

/** CPU time so far, in clock ticks: what was available, and what was spent (not idle). */
export interface CpuSample {
  busy: number
  total: number
}

/** The machine's: the first line of /proc/stat; undefined where there is none (not Linux). */
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

/**
 * Processes outside this one's tree whose work is this run's too: the main process of each
 * container it started (their parent is the container engine's shim, not this process).
 */
export const adoptedProcesses = new Set<number>()

/**
 * This run's own: the CPU time of this process and its descendants, with the containers it started,
 * against the time of one core (`total` advances by one tick per tick of the clock). Unlike the
 * machine's, it does not grow with another run's (or another worker's) work.
 */
export function ownCpuSample(): CpuSample | undefined {
  try {
    const children = new Map<number, number[]>()
    const spent = new Map<number, number>()
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry)
      if (!Number.isInteger(pid)) continue
      const stat = processStat(pid)
      if (!stat) continue // ended since the listing
      const siblings = children.get(stat.ppid)
      if (siblings) siblings.push(pid)
      else children.set(stat.ppid, [pid])
      spent.set(pid, stat.cpuTicks)
    }
    const total = uptimeTicks()
    if (total === undefined) return undefined
    let busy = 0
    const pending = [process.pid, ...adoptedProcesses]
    const counted = new Set<number>()
    for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
      if (counted.has(pid)) continue
      counted.add(pid)
      busy += spent.get(pid) ?? 0
      pending.push(...(children.get(pid) ?? []))
    }
    return { busy, total }
  } catch {
    return undefined
  }
}

/** A process's parent and CPU time so far (utime + stime, in clock ticks), or undefined once it is gone. */
export function processStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // After the command name (which may hold spaces and parentheses): state, ppid, …, utime, stime.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) }
}

/** Clock ticks since boot, in the unit of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
function uptimeTicks(): number | undefined {
  const seconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ', 1)[0])
  return Number.isFinite(seconds) ? Math.round(seconds * 100) : undefined
}

/** The share of the CPU that was busy between two samples: of all cores (machine), or cores used (own). */
export function busyShare(from: CpuSample, to: CpuSample): number {
  const total = to.total - from.total
  return total <= 0 ? 0 : Math.max(0, to.busy - from.busy) / total
}
