import { ACAPY_VERSION_SPECS, type AcapyVersion, type TenancyMode } from '../../agents/acapy/versions.js'
import type { Agency, Tenancy } from '../capabilities.js'
import { AcapyAgency, type AgencyOptions } from './agency.js'

/**
 * The multitenant ACA-Py of a host's version in each tenancy mode the version offers, each started on
 * the first scenario that needs it and kept for the run, beside the host's own single-wallet agent.
 */
export class AcapyTenancy implements Tenancy {
  readonly modes: readonly TenancyMode[]
  private readonly agencies = new Map<string, Promise<AcapyAgency>>()

  constructor(
    private readonly version: AcapyVersion,
    private readonly options: Omit<AgencyOptions, 'version' | 'mode' | 'instance'> & { hostInstance: string },
  ) {
    this.modes = Object.keys(ACAPY_VERSION_SPECS[version].tenancyModes) as TenancyMode[]
  }

  agency(mode: string): Promise<Agency> {
    if (!this.modes.includes(mode as TenancyMode)) {
      return Promise.reject(
        new Error(`ACA-Py ${this.version} offers no ${mode} tenancy (it offers ${this.modes.join(', ')})`),
      )
    }
    let started = this.agencies.get(mode)
    if (!started) {
      const { hostInstance, ...rest } = this.options
      started = AcapyAgency.start({
        ...rest,
        version: this.version,
        mode: mode as TenancyMode,
        instance: `${hostInstance}-${mode}`,
      })
      // A failed start is reported to the scenario that asked; the next one tries again.
      started.catch(() => this.agencies.delete(mode))
      this.agencies.set(mode, started)
    }
    return started
  }

  async stop(): Promise<void> {
    const all = [...this.agencies.values()]
    this.agencies.clear()
    await Promise.allSettled(all.map(async (a) => (await a).stop()))
  }
}
