/**
 * Credo-ts 0.5 started with @credo-ts/tenants in one tenancy mode (Askar: a store per tenant, or a
 * profile per tenant in one store): tenants made through the TenantsApi, each a driver over the same
 * process with its own requests and events. Credo has no admin API and no tokens: the checks about
 * those are not offered, and are `untested` for it.
 */
import path from 'node:path'
import { CredoAgentProcess } from '../../agents/credo/launcher.js'
import type { CredoEvent, StartConfig } from '../../agents/credo/protocol.js'
import type { WaitCalibration } from '../../common/calibration.js'
import type { AgentFailure } from '../../contract/summary.js'
import {
  capabilityDriver,
  NotOffered,
  type AdminCall,
  type AdminOutcome,
  type Agency,
  type Credential,
  type DeliveredEvent,
  type Tenant,
} from '../capabilities.js'
import { CredoConnections } from './connections.js'
import { CredoDidRotate } from './didRotate.js'
import { CredoMessaging } from './messaging.js'
import { tenantChannel } from './waits.js'

type Mode = NonNullable<StartConfig['tenancy']>
export const CREDO_TENANCY_MODES: readonly Mode[] = ['store-per-tenant', 'profile-per-tenant']

const NO_ADMIN_API =
  'Credo has no admin API: tenants are managed by the controller through the TenantsApi, so there are no multitenancy admin routes or configuration answers to check'
const NO_SECRETS = "Credo makes its tenants' wallet keys itself: the harness holds no tenant secret to look for"
const NO_TOKENS =
  'Credo has no tenant tokens: a controller reaches a tenant through the TenantsApi of the agent that holds it'

export interface CredoAgencyOptions {
  mode: Mode
  instance: string
  agentId: string
  runDir: string
  timeoutMs: number
  calibration?: WaitCalibration
  /** Called once if the process ends other than by stop. */
  onExit?: (how: string) => void
  /** Run the agent as a container of this image. */
  container?: { image: string }
}

export class CredoAgency implements Agency {
  private readonly labels = new Map<string, string>()
  private gone?: AgentFailure
  private stopping = false

  private constructor(
    readonly mode: Mode,
    private readonly agent: CredoAgentProcess,
    private readonly options: CredoAgencyOptions,
  ) {
    agent.events.calibration = options.calibration
    void agent.ended.then((how) => {
      if (this.stopping) return
      this.gone ??= { kind: 'agent-exited', agent: options.instance, detail: how }
      options.onExit?.(how)
    })
  }

  static async start(options: CredoAgencyOptions): Promise<CredoAgency> {
    const agent = await CredoAgentProcess.launch({
      label: options.instance,
      tenancy: options.mode,
      requestTimeoutMs: options.timeoutMs,
      dataDir: path.join(options.runDir, 'agents', options.instance),
      logFile: path.join(options.runDir, 'logs', `${options.instance}.log`),
      ...(options.container ? { container: options.container } : {}),
    })
    return new CredoAgency(options.mode, agent, options)
  }

  get endpoint(): string {
    return this.agent.endpoint
  }

  async createTenant(label: string): Promise<Tenant> {
    const { tenantId } = await this.agent.request('createTenant', { label })
    this.labels.set(tenantId, label)
    const channel = tenantChannel(this.agent, tenantId)
    const name = `${this.options.instance}/${label}`
    const driver = capabilityDriver(
      {
        instance: name,
        agentId: this.options.agentId,
        logTail: (n) => this.agent.logTail(n),
        failure: () => this.gone,
        checkHealth: async () => {
          if (!this.gone) await this.agent.request('ping', {}).catch(() => undefined)
          return this.gone
        },
      },
      {
        connections: new CredoConnections(channel, name),
        messaging: new CredoMessaging(channel, name),
        didRotate: new CredoDidRotate(channel, name),
      },
    )
    return { id: tenantId, label, driver }
  }

  async removeTenant(tenant: Tenant): Promise<void> {
    await this.agent.request('deleteTenant', { tenantId: tenant.id })
  }

  reissueToken(): Promise<void> {
    return Promise.reject(new NotOffered(NO_TOKENS))
  }

  restart(): Promise<void> {
    return Promise.reject(
      new NotOffered(
        'the Credo adapter starts every agent on a wallet of its own making, so it cannot restart one on it',
      ),
    )
  }

  /** The tenant's own agent (a TenantsApi session), or the root agent for the base wallet. */
  private scope(credential: Credential): string | undefined {
    if (credential.as === 'tenant') return credential.tenant.id
    if (credential.as === 'base-wallet') return undefined
    throw new NotOffered(NO_TOKENS)
  }

  async call(credential: Credential, call: AdminCall): Promise<AdminOutcome> {
    try {
      return await this.callAs(this.scope(credential), call)
    } catch (e) {
      // A removed tenant's agent cannot be had any more: for the caller, that is a refusal.
      if (credential.as === 'tenant' && /TenantRecord: record with id \S+ not found/.test((e as Error).message)) {
        return { allowed: false, status: 404, ids: [], text: (e as Error).message, leaked: [] }
      }
      throw e
    }
  }

  private async callAs(tenantId: string | undefined, call: AdminCall): Promise<AdminOutcome> {
    const scoped = tenantId ? { tenantId } : {}
    const outcome = (allowed: boolean, ids: string[]): AdminOutcome => ({
      allowed,
      status: allowed ? 200 : 404,
      ids,
      text: JSON.stringify(ids),
      leaked: [],
    })
    switch (call.call) {
      case 'list-connections':
        return outcome(true, (await this.agent.request('listRecords', scoped)).connections)
      case 'list-dids':
        return outcome(true, (await this.agent.request('listRecords', scoped)).dids)
      case 'read-connection': {
        const { found } = await this.agent.request('findConnection', { connectionId: call.id, ...scoped })
        return outcome(found, found ? [call.id] : [])
      }
      case 'delete-connection': {
        const { deleted } = await this.agent.request('deleteConnection', { connectionId: call.id, ...scoped })
        return outcome(deleted, deleted ? [call.id] : [])
      }
      default:
        throw new NotOffered(NO_ADMIN_API)
    }
  }

  events(): DeliveredEvent[] {
    throw new NotOffered(
      "Credo has one event emitter for every tenant, each event told apart by its tenant's context: there is no subscriber per tenant to check",
    )
  }

  async eventWithin(match: (e: DeliveredEvent) => boolean, ceilingMs: number): Promise<DeliveredEvent | undefined> {
    const delivered = (e: CredoEvent) => {
      const { tenantId, type, ...payload } = e
      const event: DeliveredEvent = {
        subscriber: tenantId ? (this.labels.get(tenantId) ?? tenantId) : 'base',
        ...(tenantId ? { walletId: tenantId } : {}),
        topic: type,
        payload: payload as Record<string, unknown>,
      }
      return match(event) ? event : undefined
    }
    return this.agent.events.firstWithin({ pick: delivered, timeoutMs: ceilingMs, since: 0 })
  }

  leaks(): string[] {
    throw new NotOffered(NO_SECRETS)
  }

  rawLog(): Promise<string> {
    return Promise.reject(new NotOffered(NO_SECRETS))
  }

  logTail(lines?: number): Promise<string> {
    return this.agent.logTail(lines)
  }

  stop(): Promise<void> {
    this.stopping = true
    return this.agent.stop()
  }
}
