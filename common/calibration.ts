import { busyShare, cpuSample, type CpuSample } from './machineLoad.js'

/**
 * How long a wait on one agent may take, learnt from the run: a bound is there to catch what never
 * comes, and on loopback the agents answer in tens of milliseconds, so the step's `--timeout` is a
 * ceiling, not the bound. Once enough round trips have been seen, a wait may take `factor` times the
 * 95th percentile of them, never less than the floor (which keeps a slow or busy machine safe) and
 * never more than the ceiling.
 *
 * Round trips on a machine with cores to spare say little about a saturated one, where agents wait
 * for a core (parallel workers starting agents, key derivations): when the calibrated bound passes
 * while the machine's CPU was nearly all busy, the wait goes on, one bound at a time, up to the
 * ceiling. Below that an agent that has not answered is not waiting for a core, and the bound stands.
 */
export class WaitCalibration {
  private readonly samples: number[] = []

  constructor(
    private readonly floorMs = 2_000,
    private readonly factor = 10,
    private readonly minSamples = 8,
    /** The machine's CPU counters; injectable for tests. */
    private readonly load: () => CpuSample | undefined = cpuSample,
    /** Busy share of all cores above which a passed bound is extended: the machine is saturated. */
    private readonly busyAbove = 0.75,
  ) {}

  /** A wait that ended with what it awaited, `ms` after it began. */
  observe(ms: number): void {
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
    const p95 = this.p95()
    return p95 === undefined ? ceilingMs : Math.min(ceilingMs, Math.max(this.floorMs, Math.ceil(this.factor * p95)))
  }

  /** Watches the machine's load over one wait, to tell whether a passed bound should be extended. */
  watch(): LoadWatch {
    return new LoadWatch(this.load, this.busyAbove)
  }

  describe(): string {
    const p95 = this.p95()
    return p95 === undefined
      ? 'not yet calibrated'
      : `calibrated: p95 ${p95} ms over ${this.samples.length} round trips`
  }
}

/** The machine's load since a wait began, or since it was last extended. */
export class LoadWatch {
  private last: CpuSample | undefined
  /** How often the wait was extended, for its error message. */
  extensions = 0

  constructor(
    private readonly load: () => CpuSample | undefined,
    private readonly busyAbove: number,
  ) {
    this.last = load()
  }

  /**
   * How much longer a wait whose calibrated bound `boundMs` has passed, `elapsedMs` after it began,
   * goes on: another bound (capped at the ceiling) when the machine was busy since the last look,
   * or where its load cannot be read; 0 when it was idle or the ceiling is reached.
   */
  extension(elapsedMs: number, boundMs: number, ceilingMs: number): number {
    const left = ceilingMs - elapsedMs
    if (left <= 0) return 0
    const now = this.load()
    const busy = !now || !this.last || busyShare(this.last, now) > this.busyAbove
    this.last = now
    if (!busy) return 0
    this.extensions++
    return Math.min(boundMs, left)
  }
}
