import type { AxiosError } from 'axios'
import type { AgentRef } from '../../contract/agentId.js'
import type { AgentDescription, AgentFailure } from '../../contract/summary.js'
import type { CapabilityName } from '../capabilities.js'
import { BaseHost, type HostSettings, type RunResources } from '../host.js'
import { backchannelOf } from './agentSpec.js'
import { BackchannelClient, describeNoAnswer, timedOut } from './client.js'
import { AathConnections } from './connections.js'

/** The bound of a status check that decides whether a backchannel that missed a request is still there. */
const STATUS_CHECK_MS = 5_000

/** Why each capability the AATH backchannel protocol has no operations for is absent, in one line. */
export const AATH_ABSENT: Partial<Record<CapabilityName, string>> = {
  messaging:
    'the AATH backchannel protocol has no operation that reports a trust ping response or sends or receives a basic message (connection/send-ping only sends a ping)',
  didRotate: 'the AATH backchannel protocol has no DID Rotate (RFC 0794) topic',
  endorsement: 'the AATH backchannel protocol has no transaction endorsement (transactions/1.0) topic',
  revocation: 'the AATH backchannel protocol has no transaction endorsement (transactions/1.0) topic',
  tenancy: 'the AATH backchannel protocol drives one single-wallet agent per backchannel; it has no tenant operations',
  store: "the AATH backchannel protocol gives no access to the agent's store",
}

/** What a status answer says about the backchannel, in one line, or undefined when its agent is active. */
function inactive(answer: { status: number; text: string }): string | undefined {
  if (answer.status === 200) return undefined
  return `GET /agent/command/status/ answered HTTP ${answer.status}${answer.text.trim() ? ` ${answer.text.trim().slice(0, 200)}` : ''}`
}

/**
 * Why a backchannel cannot be used, in one line, or undefined when it answers `GET
 * /agent/command/status/` with 200 within the bound (the run's preflight).
 */
export async function backchannelProblem(ref: AgentRef, timeoutMs: number): Promise<string | undefined> {
  const url = backchannelOf(ref)
  const client = new BackchannelClient({
    instance: url,
    baseUrl: url,
    timeoutMs,
    gone: () => undefined,
    lost: async () => undefined,
  })
  try {
    const problem = inactive(await client.status(Math.min(timeoutMs, STATUS_CHECK_MS)))
    return problem ? `the AATH backchannel at ${url} is not ready: ${problem}` : undefined
  } catch (e) {
    const error = e as AxiosError
    return `no AATH backchannel answers at ${url} (GET /agent/command/status/: ${describeNoAnswer(error, Math.min(timeoutMs, STATUS_CHECK_MS))})`
  } finally {
    client.close()
  }
}

/**
 * An agent behind an Aries Agent Test Harness backchannel, started by whoever runs the backchannel
 * (e.g. AATH's `./manage start`): the harness starts nothing, checks that the backchannel answers and
 * drives the agent through the backchannel's HTTP protocol. Its log is the backchannel's, elsewhere;
 * the log this host keeps is of its own requests to the backchannel and their answers.
 */
export class AathHost extends BaseHost {
  private client?: BackchannelClient
  private reportedVersion?: string
  private readonly backchannel: string

  constructor(ref: AgentRef, instance: string, settings: HostSettings) {
    super(ref, instance, settings)
    this.backchannel = backchannelOf(ref)
  }

  async start(resources: RunResources): Promise<void> {
    const client = new BackchannelClient({
      instance: this.instance,
      baseUrl: this.backchannel,
      timeoutMs: this.settings.timeoutMs,
      logFile: this.logFileIn(resources),
      gone: () => this.failure,
      lost: (what, error, timeoutMs) => this.lost(what, error, timeoutMs),
    })
    this.client = client
    const answer = await client.status(Math.min(this.settings.timeoutMs, STATUS_CHECK_MS)).catch((e: AxiosError) => {
      throw new Error(`no AATH backchannel answers at ${this.backchannel}: ${describeNoAnswer(e, STATUS_CHECK_MS)}`)
    })
    const problem = inactive(answer)
    if (problem) throw new Error(`the AATH backchannel at ${this.backchannel} is not ready: ${problem}`)
    this.reportedVersion = await client.version()
    this.offer({ connections: new AathConnections(client, this.settings.timeoutMs) }, AATH_ABSENT)
  }

  /** Asks the backchannel for its status; one that does not answer, or says its agent is inactive, is gone. */
  protected override async probe(): Promise<void> {
    await this.checkStatus()
  }

  /** The status check behind `probe`; `context` says what made the harness ask (a request that got no answer). */
  private async checkStatus(context?: string): Promise<void> {
    const client = this.client
    if (!client) return
    const before = context ? `${context}; ` : ''
    let answer
    try {
      answer = await client.status(Math.min(this.settings.timeoutMs, STATUS_CHECK_MS))
    } catch (e) {
      const status = `GET /agent/command/status/ at ${this.backchannel}: ${describeNoAnswer(e as AxiosError, STATUS_CHECK_MS)}`
      this.agentFailed('agent-unresponsive', `stopped answering (${before}${status})`, () => undefined)
      return
    }
    const problem = inactive(answer)
    if (problem) this.agentFailed('agent-unresponsive', `is no longer active (${before}${problem})`, () => undefined)
  }

  /**
   * A request that got no HTTP answer: if the backchannel does not answer its status either, it is
   * gone; if it does, the request only took longer than its bound.
   */
  private async lost(what: string, error: AxiosError, timeoutMs: number): Promise<AgentFailure | undefined> {
    await this.checkStatus(`"${what}" got ${describeNoAnswer(error, timeoutMs)}`)
    if (this.failure) return this.failure
    // Still there: a request that found nothing listening is not one that merely took long.
    if (!timedOut(error)) throw new Error(`${this.instance} could not ${what}: ${error.code ?? error.message}`)
    return undefined
  }

  async stop(): Promise<void> {
    this.client?.close()
  }

  override describe(): AgentDescription {
    // The id stays what the command line named; the version is the one the backchannel reports.
    return { ...super.describe(), version: this.reportedVersion ?? this.ref.version }
  }

  async logTail(lines = 40): Promise<string> {
    const exchanges = this.client?.recent(lines) ?? []
    const header = `(the agent's own log is its backchannel's, at ${this.backchannel}; the harness's latest requests to it:)`
    return [header, ...(exchanges.length ? exchanges : ['(none)'])].join('\n')
  }
}
