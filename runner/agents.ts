import type { Backchannel } from '../backchannels/backchannel.js'
import { ReferenceBackchannel } from '../backchannels/reference.js'

/** How to make one instance of each agent family the command line can name. */
export type AgentFactory = (instance: string, runDir: string) => Backchannel

const factories: Record<string, AgentFactory> = {
  reference: (instance, runDir) => new ReferenceBackchannel(instance, runDir),
}

export function knownAgents(): string[] {
  return Object.keys(factories)
}

export function createAgent(name: string, instance: string, runDir: string): Backchannel {
  const factory = factories[name]
  if (!factory) throw new Error(`unknown agent "${name}" (known: ${knownAgents().join(', ')})`)
  return factory(instance, runDir)
}
