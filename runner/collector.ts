import type { Envelope, Timestamp } from '@cucumber/messages'
import { AGENT_FAILURE_MEDIA_TYPE, EVIDENCE_MEDIA_TYPE, UNTESTED_MEDIA_TYPE } from '../contract/evidence.js'
import type { AgentFailure, ScenarioResult, ScenarioStatus } from '../contract/summary.js'

interface Started {
  pickleId: string
  startedMs: number
  statuses: string[]
  errors: string[]
  evidence?: string
  /** Why the scenario could not run with the agents assigned. */
  untested?: string
  /** An agent that died or hung while it ran. */
  failure?: AgentFailure
}

/**
 * Turns cucumber's message stream for one assignment into scenario results, calling `onScenario`
 * as each scenario finishes so progress is shown live and nothing is lost if the run is cut short.
 */
export class ResultCollector {
  private readonly features = new Map<string, string>()
  private readonly pickles = new Map<string, { uri: string; name: string; tags: string[] }>()
  private readonly testCases = new Map<string, string>()
  private readonly started = new Map<string, Started>()

  constructor(
    private readonly roles: Record<string, string>,
    private readonly onScenario: (result: ScenarioResult, evidence: string | undefined) => void,
  ) {}

  readonly onMessage = (m: Envelope): void => {
    if (m.gherkinDocument?.uri && m.gherkinDocument.feature) {
      this.features.set(m.gherkinDocument.uri, m.gherkinDocument.feature.name)
    } else if (m.pickle) {
      this.pickles.set(m.pickle.id, { uri: m.pickle.uri, name: m.pickle.name, tags: m.pickle.tags.map((t) => t.name) })
    } else if (m.testCase) {
      this.testCases.set(m.testCase.id, m.testCase.pickleId)
    } else if (m.testCaseStarted) {
      const pickleId = this.testCases.get(m.testCaseStarted.testCaseId) ?? ''
      this.started.set(m.testCaseStarted.id, {
        pickleId,
        startedMs: ms(m.testCaseStarted.timestamp),
        statuses: [],
        errors: [],
      })
    } else if (m.testStepFinished) {
      const s = this.started.get(m.testStepFinished.testCaseStartedId)
      const result = m.testStepFinished.testStepResult
      s?.statuses.push(result.status)
      if (s && result.message) s.errors.push(result.message)
    } else if (m.attachment?.testCaseStartedId && m.attachment.mediaType === EVIDENCE_MEDIA_TYPE) {
      const s = this.started.get(m.attachment.testCaseStartedId)
      if (s) s.evidence = m.attachment.body
    } else if (m.attachment?.testCaseStartedId && m.attachment.mediaType === UNTESTED_MEDIA_TYPE) {
      const s = this.started.get(m.attachment.testCaseStartedId)
      if (s) s.untested = m.attachment.body
    } else if (m.attachment?.testCaseStartedId && m.attachment.mediaType === AGENT_FAILURE_MEDIA_TYPE) {
      const s = this.started.get(m.attachment.testCaseStartedId)
      if (s) s.failure = JSON.parse(m.attachment.body) as AgentFailure
    } else if (m.testCaseFinished && !m.testCaseFinished.willBeRetried) {
      const s = this.started.get(m.testCaseFinished.testCaseStartedId)
      const pickle = s ? this.pickles.get(s.pickleId) : undefined
      if (!s || !pickle) return
      const status = s.untested ? 'untested' : statusOf(s.statuses)
      const error = s.errors[0] ?? (status === 'failed' ? `step ${s.statuses.find((x) => x !== 'PASSED')}` : undefined)
      this.onScenario(
        {
          feature: this.features.get(pickle.uri) ?? pickle.uri,
          name: pickle.name,
          tags: pickle.tags,
          roles: this.roles,
          status,
          durationMs: Math.round(ms(m.testCaseFinished.timestamp) - s.startedMs),
          ...(error ? { error } : {}),
          ...(s.untested ? { reason: s.untested } : {}),
          ...(s.failure && status === 'failed' ? { failure: s.failure } : {}),
        },
        s.evidence,
      )
    }
  }
}

/** Undefined, ambiguous and pending steps fail a scenario: nothing unimplemented counts as a pass. */
function statusOf(statuses: string[]): ScenarioStatus {
  if (statuses.some((s) => s !== 'PASSED' && s !== 'SKIPPED')) return 'failed'
  if (statuses.length > 0 && statuses.every((s) => s === 'PASSED')) return 'passed'
  return 'skipped'
}

function ms(t: Timestamp): number {
  return t.seconds * 1000 + t.nanos / 1e6
}
