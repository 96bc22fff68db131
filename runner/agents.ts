import type { Backchannel } from '../backchannels/backchannel.js'
import { AcapyBackchannel, type ExternalAcapy } from '../backchannels/acapy.js'
import { CredoBackchannel } from '../backchannels/credo.js'
import { ReferenceBackchannel } from '../backchannels/reference.js'

/** Settings for agents that run elsewhere instead of being started by the harness. */
export interface AgentSettings {
  acapy?: ExternalAcapy
}

interface AgentFamily {
  create(instance: string, runDir: string, settings: AgentSettings): Backchannel
  /** How many instances can exist at once (an agent running elsewhere is one). */
  maxInstances(settings: AgentSettings): number
}

const families: Record<string, AgentFamily> = {
  reference: {
    create: (instance, runDir) => new ReferenceBackchannel(instance, runDir),
    maxInstances: () => Infinity,
  },
  acapy: {
    create: (instance, runDir, settings) => new AcapyBackchannel(instance, runDir, settings.acapy),
    maxInstances: (settings) => (settings.acapy ? 1 : Infinity),
  },
  credo: {
    create: (instance, runDir) => new CredoBackchannel(instance, runDir),
    maxInstances: () => Infinity,
  },
}

export function knownAgents(): string[] {
  return Object.keys(families)
}

function family(name: string): AgentFamily {
  const f = families[name]
  if (!f) throw new Error(`unknown agent "${name}" (known: ${knownAgents().join(', ')})`)
  return f
}

export function createAgent(name: string, instance: string, runDir: string, settings: AgentSettings): Backchannel {
  return family(name).create(instance, runDir, settings)
}

export function maxInstances(name: string, settings: AgentSettings): number {
  return family(name).maxInstances(settings)
}
