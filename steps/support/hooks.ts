import { After, Before, Status, setDefaultTimeout } from '@cucumber/cucumber'
import type { RuntimeMetadataMessage } from 'allure-js-commons/sdk'
import { ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE } from 'allure-js-commons/sdk/reporter'
import { CAPABILITY_NAMES, type CapabilityName } from '../../backchannels/capabilities.js'
import {
  AGENT_FAILURE_MEDIA_TYPE,
  EVIDENCE_MEDIA_TYPE,
  UNTESTED_MEDIA_TYPE,
  type Evidence,
} from '../../contract/evidence.js'
import { describeAgentFailure } from '../../contract/summary.js'
import type { TraceEntry } from '../../contract/trace.js'
import { LEDGER_TAG } from '../../runner/ledger.js'
import { ledgerMissing, ledgerOfRun } from '../../runner/context.js'
import type { ConformanceWorld } from './world.js'

// Each wait inside a step has its own, shorter bound; this only catches a step that never returns.
setDefaultTimeout(60_000)

/**
 * `@needs:<capability>` on a feature or scenario: every role's agent must offer it;
 * `@needs:<capability>:<role>`: the agent in that role must.
 */
function neededCapabilities(tags: readonly { name: string }[], role: string): CapabilityName[] {
  return tags
    .map((t) => /^@needs:(\w+)(?::(\w+))?$/.exec(t.name))
    .filter((m) => m !== null && (m[2] === undefined || m[2] === role))
    .map((m) => m?.[1])
    .filter((c): c is CapabilityName => CAPABILITY_NAMES.includes(c as CapabilityName))
}

Before(function (this: ConformanceWorld, { pickle }) {
  // Allure tells results apart by their parameters: without the roles, a scenario's runs in the
  // other role assignments would show as retries of one test.
  const roles = Object.keys(this.parameters.roles)
  const metadata: RuntimeMetadataMessage = {
    type: 'metadata',
    data: { parameters: roles.map((role) => ({ name: role, value: this.as(role).agentId })) },
  }
  this.attach(JSON.stringify(metadata), ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE)
  // An agent that died or hung earlier in the run can give no verdict: what needs it is not run.
  const gone = roles.flatMap((role) => {
    const failure = this.as(role).failure()
    return failure ? [`not run: ${describeAgentFailure(failure)} earlier in the run`] : []
  })
  const missing = roles.flatMap((role) =>
    neededCapabilities(pickle.tags, role).flatMap((c) => {
      const why = this.as(role).lacks(c)
      return why ? [`${this.as(role).agentId} as ${role} has no ${c} capability: ${why}`] : []
    }),
  )
  const noLedger = pickle.tags.some((t) => t.name === LEDGER_TAG) ? ledgerMissing() : undefined
  if (noLedger) missing.push(`needs the Indy ledger: ${noLedger}`)
  missing.unshift(...gone)
  if (missing.length > 0) {
    this.attach(missing.join('; '), UNTESTED_MEDIA_TYPE)
    return 'skipped'
  }
  for (const { instrument } of this.instruments()) instrument.beginScenario()
  if (!ledgerMissing()) this.ledgerMark = ledgerOfRun().events.length
  return undefined
})

/**
 * Principle: the reference agent checks every message it receives, whether or not the scenario
 * asserts on it. A message that fails its schema fails the scenario, unless a reference agent
 * sent it malformed on purpose (a named fault).
 */
After(async function (this: ConformanceWorld, { result }) {
  if (result?.status === Status.SKIPPED) return
  const trace = scenarioTrace(this)
  const faulted = new Set(trace.filter((e) => e.direction === 'outbound' && e.fault).map((e) => e.id))
  const violations = trace.filter((e) => e.direction === 'inbound' && e.schema && !e.schema.valid && !faulted.has(e.id))
  if (result?.status !== Status.FAILED && violations.length === 0) return
  // A failure while an agent died or hung is the agent's state, not a verdict: say so, so that no
  // expectation excuses it.
  for (const role of Object.keys(this.parameters.roles)) {
    const failure = await this.as(role).checkHealth()
    if (failure) {
      this.attach(JSON.stringify(failure), AGENT_FAILURE_MEDIA_TYPE)
      break
    }
  }
  const logs: Record<string, string> = {}
  for (const role of Object.keys(this.parameters.roles)) {
    logs[this.as(role).instance] = await this.as(role).logTail(60)
  }
  const evidence: Evidence = {
    roles: this.parameters.roles,
    trace,
    logs,
    ...(this.tenancy || this.observations.length > 0
      ? { observations: [...(this.tenancy?.observations ?? []), ...this.observations] }
      : {}),
    ...(this.ledgerMark !== undefined ? { ledger: ledgerOfRun().events.slice(this.ledgerMark) } : {}),
  }
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
  const entries = world.instruments().flatMap(({ instrument }) => instrument.trace())
  const unique = new Map(entries.map((e) => [`${e.agent}:${e.seq}`, e]))
  return [...unique.values()].sort((a, b) => a.seq - b.seq)
}
