import type { Backchannel } from '../backchannels/backchannel.js'

/**
 * The agents of the current run, shared between the runner (which starts them) and the step
 * definitions (which cucumber loads in the same process).
 */
const agents = new Map<string, Backchannel>()

export function registerAgentInstance(backchannel: Backchannel): void {
  agents.set(backchannel.instance, backchannel)
}

export function agentInstance(instance: string): Backchannel {
  const agent = agents.get(instance)
  if (!agent) throw new Error(`no agent instance ${instance} in this run (have: ${[...agents.keys()].join(', ')})`)
  return agent
}

export function clearAgentInstances(): void {
  agents.clear()
}
