/**
 * How long a wait on one agent may take, learnt from the run: a bound is there to catch what never
 * comes, and on loopback the agents answer in tens of milliseconds, so the step's `--timeout` is a
 * ceiling, not the bound. Once enough round trips have been seen, a wait may take `factor` times the
 * 95th percentile of them, never less than the floor (which keeps a slow or busy machine safe) and
 * never more than the ceiling.
 */
export class WaitCalibration {
  private readonly samples: number[] = []

  constructor(
    private readonly floorMs = 2_000,
    private readonly factor = 10,
    private readonly minSamples = 8,
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

  describe(): string {
    const p95 = this.p95()
    return p95 === undefined
      ? 'not yet calibrated'
      : `calibrated: p95 ${p95} ms over ${this.samples.length} round trips`
  }
}
