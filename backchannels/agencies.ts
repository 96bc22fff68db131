import type { Agency, Tenancy } from './capabilities.js'

/**
 * An agent's multitenant instances, one per tenancy mode it offers: each started on the first scenario
 * that needs it, kept for the run, and stopped with the host.
 */
export class Agencies<A extends Agency & { stop(): Promise<void> }> implements Tenancy {
  private readonly started = new Map<string, Promise<A>>()

  constructor(
    readonly modes: readonly string[],
    /** Names the agent in errors (`ACA-Py 1.7.0`). */
    private readonly agent: string,
    private readonly start: (mode: string) => Promise<A>,
  ) {}

  agency(mode: string): Promise<Agency> {
    if (!this.modes.includes(mode)) {
      return Promise.reject(new Error(`${this.agent} offers no ${mode} tenancy (it offers ${this.modes.join(', ')})`))
    }
    let agency = this.started.get(mode)
    if (!agency) {
      agency = this.start(mode)
      // A failed start is reported to the scenario that asked; the next one tries again.
      agency.catch(() => this.started.delete(mode))
      this.started.set(mode, agency)
    }
    return agency
  }

  async stop(): Promise<void> {
    const all = [...this.started.values()]
    this.started.clear()
    await Promise.allSettled(all.map(async (a) => (await a).stop()))
  }
}
