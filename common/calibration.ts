import { busyShare, cpuSample, ownCpuSample, type CpuSample } from './machineLoad.js'

/** Where the load is read: the whole machine's CPU, and this run's own processes'. */
export interface LoadProbe {
  machine: () => CpuSample | undefined
  own: () => CpuSample | undefined
}

/**
 * Reading this run's processes means a look at each process on the machine (a few milliseconds),
 * and every wait takes a sample as it begins: one a second is enough for windows of seconds.
 */
function recent(sample: () => CpuSample | undefined, maxAgeMs: number): () => CpuSample | undefined {
  let last: { at: number; value: CpuSample | undefined } | undefined
  return () => {
    const now = Date.now()
    if (!last || now - last.at > maxAgeMs) last = { at: now, value: sample() }
    return last.value
  }
}

const PROC: LoadProbe = { machine: cpuSample, own: recent(ownCpuSample, 1_000) }

/**
 * How long a wait on one agent may take, learnt from the run: a bound is there to catch what never
 * comes, and on loopback the agents answer in tens of milliseconds, so the step's `--timeout` is a
 * ceiling, not the bound. Once enough round trips have been seen, a wait may take `factor` times the
 * 95th percentile of them, never less than the floor (which keeps a slow or busy machine safe) and
 * never more than the ceiling.
 *
 * Round trips on a machine with cores to spare say little about a saturated one, where agents wait
 * for a core (parallel workers starting agents, key derivations): when the calibrated bound passes
 * while the machine's CPU was nearly all busy and this run's own processes (the harness, its agents)
 * were at work, the wait goes on, one bound at a time, up to the ceiling. An agent that is not
 * answering while the machine has cores to spare, or while this run's processes sit idle, is not
 * waiting for a core (a starved process that wants one still gets its share of the CPU), and the
 * bound stands; so other workers' load alone does not stretch a wait for what never comes.
 */
export class WaitCalibration {
  private readonly samples: number[] = []
  /**
   * The run's, learnt from every agent's round trips, for the bound of an agent seen too little yet
   * (a worker's first scenarios, a reference agent whose messages were there before it looked).
   */
  fallback?: WaitCalibration

  constructor(
    private readonly floorMs = 2_000,
    private readonly factor = 10,
    private readonly minSamples = 8,
    /** The CPU counters; injectable for tests. */
    private readonly load: LoadProbe = PROC,
    /** Busy share of all cores above which the machine is saturated. */
    private readonly busyAbove = 0.75,
    /** Cores this run's processes used above which they were at work, not waiting on a message. */
    private readonly ownBusyAbove = 0.1,
  ) {}

  /** A wait that ended with what it awaited, `ms` after it began. */
  observe(ms: number): void {
    this.fallback?.observe(ms)
    this.samples.push(ms)
    // The recent past is what the next wait meets; an agent can slow down as a run goes on.
    if (this.samples.length > 200) this.samples.shift()
  }

  p95(): number | undefined {
    if (this.samples.length < this.minSamples) return undefined
    const sorted = [...this.samples].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))]
  }

  /** The bound of the next wait whose step allows `ceilingMs`. */
  bound(ceilingMs: number): number {
    const p95 = this.p95() ?? this.fallback?.p95()
    return p95 === undefined ? ceilingMs : Math.min(ceilingMs, Math.max(this.floorMs, Math.ceil(this.factor * p95)))
  }

  /** Watches the machine's load over one wait, to tell whether a passed bound should be extended. */
  watch(): LoadWatch {
    return new LoadWatch(this.load, this.busyAbove, this.ownBusyAbove)
  }

  describe(): string {
    const p95 = this.p95()
    if (p95 !== undefined) return `calibrated: p95 ${p95} ms over ${this.samples.length} round trips`
    return this.fallback?.p95() === undefined
      ? 'not yet calibrated'
      : `calibrated on the run's other agents: p95 ${this.fallback.p95()} ms over ${this.fallback.samples.length} round trips`
  }
}

/** The machine's load since a wait began, or since it was last extended. */
export class LoadWatch {
  private last: { machine?: CpuSample | undefined; own?: CpuSample | undefined }
  /** How often the wait was extended, for its error message. */
  extensions = 0

  constructor(
    private readonly load: LoadProbe,
    private readonly busyAbove: number,
    private readonly ownBusyAbove: number,
  ) {
    this.last = this.read()
  }

  private read() {
    return { machine: this.load.machine(), own: this.load.own() }
  }

  /**
   * How much longer a wait whose calibrated bound `boundMs` has passed, `elapsedMs` after it began,
   * goes on: another bound (capped at the ceiling) when the machine was saturated and this run's
   * processes at work since the last look (a load that cannot be read counts as busy); 0 otherwise,
   * or when the ceiling is reached.
   */
  extension(elapsedMs: number, boundMs: number, ceilingMs: number): number {
    const left = ceilingMs - elapsedMs
    if (left <= 0) return 0
    const now = this.read()
    const over = (from: CpuSample | undefined, to: CpuSample | undefined, above: number) =>
      !from || !to || busyShare(from, to) > above
    const busy = over(this.last.machine, now.machine, this.busyAbove) && over(this.last.own, now.own, this.ownBusyAbove)
    this.last = now
    if (!busy) return 0
    this.extensions++
    return Math.min(boundMs, left)
  }
}
