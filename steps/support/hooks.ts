import { After, Before, Status, setDefaultTimeout } from '@cucumber/cucumber'
import type { RuntimeMetadataMessage } from 'allure-js-commons/sdk'
import { ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE } from 'allure-js-commons/sdk/reporter'
import type { TraceEntry } from '../../agents/reference/didcomm/tap.js'
import { EVIDENCE_MEDIA_TYPE, type Evidence } from './evidence.js'
import type { ConformanceWorld } from './world.js'

// Each wait inside a step has its own, shorter bound; this only catches a step that never returns.
setDefaultTimeout(60_000)

Before(function (this: ConformanceWorld) {
  // Allure tells results apart by their parameters: without the roles, a scenario's runs in the
  // other role assignments would show as retries of one test.
  const roles: RuntimeMetadataMessage = {
    type: 'metadata',
    data: {
      parameters: Object.keys(this.parameters.roles).map((role) => ({ name: role, value: this.agent(role).name })),
    },
  }
  this.attach(JSON.stringify(roles), ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE)
  for (const { agent } of this.referenceAgents()) {
    // A fault left armed or a message left held by an earlier scenario must not leak into this one.
    agent.agent.faults.clear()
    this.marks.set(agent.instance, agent.agent.tap.mark())
  }
})

/**
 * Principle: the reference agent checks every message it receives, whether or not the scenario
 * asserts on it. A message that fails its schema fails the scenario, unless a reference agent
 * sent it malformed on purpose (a named fault).
 */
After(async function (this: ConformanceWorld, { result }) {
  const trace = scenarioTrace(this)
  const faulted = new Set(trace.filter((e) => e.direction === 'outbound' && e.fault).map((e) => e.id))
  const violations = trace.filter((e) => e.direction === 'inbound' && e.schema && !e.schema.valid && !faulted.has(e.id))
  if (result?.status !== Status.FAILED && violations.length === 0) return
  const logs: Record<string, string> = {}
  for (const role of Object.keys(this.parameters.roles)) {
    const agent = this.agent(role)
    logs[agent.instance] = await agent.logTail(60)
  }
  const evidence: Evidence = { roles: this.parameters.roles, trace, logs }
  this.attach(JSON.stringify(evidence), EVIDENCE_MEDIA_TYPE)
  if (violations.length > 0) {
    const lines = violations.map(
      (e) =>
        `${e.agent} received ${e.type} (${e.id}) that fails schema ${e.schema?.schema}: ${e.schema?.errors.join('; ')}`,
    )
    throw new Error(`schema violations:\n${lines.join('\n')}`)
  }
})

/** The decrypted messages every reference agent in the scenario saw since it started, in order. */
export function scenarioTrace(world: ConformanceWorld): TraceEntry[] {
  const entries = world.referenceAgents().flatMap(({ agent }) => {
    const mark = world.marks.get(agent.instance) ?? 0
    return agent.agent.tap.since(mark)
  })
  const unique = new Map(entries.map((e) => [`${e.agent}:${e.seq}`, e]))
  return [...unique.values()].sort((a, b) => a.seq - b.seq)
}
