/**
 * ACA-Py started multitenant (`--multitenant --multitenant-admin`) in one tenancy mode: tenants made
 * through its admin API, each a driver of its own over the same process (its own Bearer token, its own
 * webhook subscriber), and the admin surface the isolation checks call under each credential.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { AxiosError } from 'axios'
import bs58 from 'bs58'
import { launchAcapy, type AcapyProcess } from '../../agents/acapy/launcher.js'
import { ACAPY_VERSION_SPECS, type AcapyVersion, type TenancyMode } from '../../agents/acapy/versions.js'
import type { WaitCalibration } from '../../common/calibration.js'
import { EventLog } from '../../common/eventLog.js'
import { pollUntil } from '../../common/waitFor.js'
import { describeAgentFailure, type AgentFailure } from '../../contract/summary.js'
import {
  capabilityDriver,
  type AdminCall,
  type AdminOutcome,
  type Agency,
  type Credential,
  type DeliveredEvent,
  type Tenant,
} from '../capabilities.js'
import { AdminApi, type AdminHeaders } from './adminApi.js'
import { AcapyConnections } from './connections.js'
import { AcapyDidRotate } from './didRotate.js'
import { AcapyMessaging } from './messaging.js'
import { forgeToken, issuedAt } from './tokens.js'
import { WebhookReceiver } from './webhookReceiver.js'

export interface AgencyOptions {
  version: AcapyVersion
  mode: TenancyMode
  /** Names the process, its log and its tenants' drivers (`acapy-1.7.0-1-store-per-tenant`). */
  instance: string
  /** The agent id the tenants' drivers report. */
  agentId: string
  runDir: string
  timeoutMs: number
  calibration?: WaitCalibration
  /** Run the multitenant ACA-Py as a container of this image (`--launch docker`). */
  container?: { image: string }
  /** Called once if the process exits or stops answering other than by stop or restart. */
  onFailure?: (failure: AgentFailure) => void
}

interface TenantState {
  tenant: Tenant
  walletKey: string
  token: string
  previousToken?: string
  api: AdminApi
  receiver: WebhookReceiver
}

export class AcapyAgency implements Agency {
  readonly mode: TenancyMode
  private readonly spec
  private process?: AcapyProcess
  private readonly base: WebhookReceiver
  private readonly delivered = new EventLog<DeliveredEvent>((e) => `${e.subscriber}:${e.topic}`)
  private readonly tenants = new Map<string, TenantState>()
  private gone?: AgentFailure
  private adminApi?: AdminApi
  /** Set while the harness itself stops or restarts the process: its exit is then no failure. */
  private stopping = false

  private constructor(private readonly options: AgencyOptions) {
    this.mode = options.mode
    this.spec = ACAPY_VERSION_SPECS[options.version]
    this.base = this.receiver('base')
    this.delivered.calibration = options.calibration
  }

  static async start(options: AgencyOptions): Promise<AcapyAgency> {
    const agency = new AcapyAgency(options)
    try {
      const webhookUrl = await agency.base.listen()
      const walletType = agency.spec.tenancyModes[options.mode]
      if (!walletType) throw new Error(`ACA-Py ${options.version} offers no ${options.mode} tenancy`)
      agency.process = await launchAcapy({
        label: options.instance,
        runDir: options.runDir,
        webhookUrl,
        version: options.version,
        multitenant: { walletType },
        ...(options.container ? { container: options.container } : {}),
      })
      agency.watch(agency.process)
      return agency
    } catch (e) {
      await agency.stop()
      throw e
    }
  }

  get endpoint(): string {
    return this.running.inboundUrl
  }

  private get running(): AcapyProcess {
    if (!this.process) throw new Error(`${this.options.instance} is not running`)
    return this.process
  }

  private receiver(subscriber: string): WebhookReceiver {
    return new WebhookReceiver((e) => this.delivered.push({ subscriber, ...e }))
  }

  /** A dead agent ends every wait on it at once, with the reason, instead of letting each time out. */
  private watch(process: AcapyProcess): void {
    void process.exited.then((how) => {
      if (this.stopping || this.process !== process) return
      this.failed({ kind: 'agent-exited', agent: this.options.instance, detail: `exited with ${how}` })
    })
  }

  private failed(failure: AgentFailure): void {
    if (this.gone) return
    this.gone = failure
    const error = new Error(describeAgentFailure(failure))
    for (const log of [this.base.log, this.delivered, ...[...this.tenants.values()].map((t) => t.receiver.log)]) {
      log.fail(error)
    }
    this.options.onFailure?.(failure)
  }

  private async unreachable(what: string, error: AxiosError): Promise<AgentFailure | undefined> {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      const detail = `stopped answering (no answer to "${what}" within ${this.options.timeoutMs} ms)`
      this.failed({ kind: 'agent-unresponsive', agent: this.options.instance, detail })
    }
    return this.gone
  }

  private api(headers: AdminHeaders, webhooks: WebhookReceiver['log']): AdminApi {
    return new AdminApi(
      this.options.instance,
      this.running.adminUrl,
      headers,
      webhooks,
      this.options.timeoutMs,
      (what, e) => this.unreachable(what, e),
    )
  }

  /** The admin API as the base wallet: the API key without a token. */
  private get admin(): AdminApi {
    // One for the agency's life: a restart keeps the admin URL and the key.
    this.adminApi ??= this.api({ 'X-API-Key': this.running.apiKey }, this.base.log)
    return this.adminApi
  }

  private tenantHeaders(token: string): AdminHeaders {
    return {
      Authorization: `Bearer ${token}`,
      ...(this.spec.tenantNeedsApiKey ? { 'X-API-Key': this.running.apiKey } : {}),
    }
  }

  private state(tenant: Tenant): TenantState {
    const state = this.tenants.get(tenant.id)
    if (!state) throw new Error(`${tenant.label} is not a tenant of ${this.options.instance}`)
    return state
  }

  async createTenant(label: string): Promise<Tenant> {
    const receiver = this.receiver(label)
    receiver.log.calibration = this.options.calibration
    const webhookUrl = await receiver.listen()
    // A generated 32-byte key used RAW, as for the base wallet: no Argon2i per tenant.
    const walletKey = bs58.encode(randomBytes(32))
    const created = await this.admin.post('create a tenant', '/multitenancy/wallet', {
      label,
      wallet_name: `${label.replace(/[^A-Za-z0-9_-]+/g, '_')}-${randomBytes(4).toString('hex')}`,
      wallet_key: walletKey,
      wallet_key_derivation: 'RAW',
      wallet_type: this.spec.walletType,
      key_management_mode: 'managed',
      // Each tenant's events to its own subscriber only (multitenancy.md §1.5).
      wallet_webhook_urls: [webhookUrl],
      wallet_dispatch_type: 'default',
    })
    const id = String(created.wallet_id)
    const token = String(created.token)
    const api = this.api(this.tenantHeaders(token), receiver.log)
    const gone = () => this.gone
    const driver = capabilityDriver(
      {
        instance: `${this.options.instance}/${label}`,
        agentId: this.options.agentId,
        logTail: (n) => this.logTail(n),
        failure: gone,
        checkHealth: () => this.checkHealth(),
      },
      {
        connections: new AcapyConnections(api),
        messaging: new AcapyMessaging(api),
        didRotate: new AcapyDidRotate(api),
      },
    )
    const tenant: Tenant = { id, label, driver }
    this.tenants.set(id, { tenant, walletKey, token, api, receiver })
    return tenant
  }

  /** Asks the agent whether it still answers (bounded), and says if it is gone. */
  async checkHealth(): Promise<AgentFailure | undefined> {
    if (!this.gone) await this.admin.get('answer its liveness probe', '/status/live').catch(() => undefined)
    return this.gone
  }

  async removeTenant(tenant: Tenant): Promise<void> {
    const route = `/multitenancy/wallet/${tenant.id}`
    if (this.spec.tenantRemoval === 'DELETE') await this.admin.delete('remove a tenant', route)
    else await this.admin.post('remove a tenant', `${route}/remove`, {})
  }

  async reissueToken(tenant: Tenant): Promise<void> {
    const state = this.state(tenant)
    // `iat` is whole seconds and a token is bound to the last one issued: one issued within the same
    // second would be the same token, so the clock has to move on first.
    const iat = issuedAt(state.token)
    await pollUntil({
      probe: async () => (Math.floor(Date.now() / 1000) > iat ? true : undefined),
      timeoutMs: 2_000,
      awaited: `the clock to pass the second the token of ${tenant.label} was issued in`,
      seen: () => `${Date.now() / 1000} s`,
    })
    const answer = await this.admin.post('issue a tenant token', `/multitenancy/wallet/${tenant.id}/token`, {})
    state.previousToken = state.token
    state.token = String(answer.token)
    state.api.useHeaders(this.tenantHeaders(state.token))
  }

  async restart(): Promise<void> {
    this.stopping = true
    try {
      this.process = await this.running.restart()
    } finally {
      this.stopping = false
    }
    if (this.process) this.watch(this.process)
  }

  private credentialHeaders(credential: Credential): AdminHeaders {
    switch (credential.as) {
      case 'base-wallet':
        return { 'X-API-Key': this.running.apiKey }
      case 'tenant':
        return this.tenantHeaders(this.state(credential.tenant).token)
      case 'previous-token': {
        const previous = this.state(credential.tenant).previousToken
        if (!previous) throw new Error(`${credential.tenant.label} has had only one token`)
        return this.tenantHeaders(previous)
      }
      case 'forged-token': {
        const token = forgeToken(this.state(credential.tenant).token, credential.forgery, credential.other?.id)
        return this.tenantHeaders(token)
      }
    }
  }

  async call(credential: Credential, call: AdminCall): Promise<AdminOutcome> {
    const [method, url, ids] = route(call)
    const api = this.admin
    const answer = await api.attempt(
      method,
      url,
      this.credentialHeaders(credential),
      method === 'POST' ? {} : undefined,
    )
    const text = typeof answer.data === 'string' ? answer.data : JSON.stringify(answer.data)
    const allowed = answer.status >= 200 && answer.status < 300
    const leaked = this.leaks(text)
    return { allowed, status: answer.status, ids: allowed ? ids(answer.data) : [], text: this.redact(text), leaked }
  }

  events(): DeliveredEvent[] {
    return [...this.delivered.all()]
  }

  eventWithin(match: (e: DeliveredEvent) => boolean, ceilingMs: number): Promise<DeliveredEvent | undefined> {
    return this.delivered.firstWithin({ pick: (e) => (match(e) ? e : undefined), timeoutMs: ceilingMs, since: 0 })
  }

  private secrets(): Array<[string, string]> {
    return [...this.tenants.values()].flatMap((t) => [
      [`the wallet key of tenant ${t.tenant.label}`, t.walletKey] as [string, string],
      [`the token of tenant ${t.tenant.label}`, t.token] as [string, string],
      ...(t.previousToken
        ? [[`an earlier token of tenant ${t.tenant.label}`, t.previousToken] as [string, string]]
        : []),
    ])
  }

  leaks(text: string): string[] {
    const own = this.process?.leaks(text) ?? []
    return [...own, ...this.secrets().flatMap(([name, secret]) => (text.includes(secret) ? [name] : []))]
  }

  private redact(text: string): string {
    const own = this.process ? this.process.redact(text) : text
    return this.secrets().reduce((acc, [, secret]) => acc.replaceAll(secret, '[REDACTED]'), own)
  }

  async rawLog(): Promise<string> {
    return readFile(this.running.logFile, 'utf8')
  }

  async logTail(lines = 40): Promise<string> {
    return this.process ? this.redact(await this.process.logTail(lines)) : '(not running)'
  }

  async stop(): Promise<void> {
    this.stopping = true
    await this.process?.stop()
    await Promise.all([this.base, ...[...this.tenants.values()].map((t) => t.receiver)].map((r) => r.close()))
  }
}

type Ids = (data: unknown) => string[]

const field =
  (name: string): Ids =>
  (data) => {
    const value = (data as Record<string, unknown> | undefined)?.[name]
    return typeof value === 'string' ? [value] : []
  }

const results =
  (name: string): Ids =>
  (data) => {
    const list = (data as { results?: unknown } | undefined)?.results
    return Array.isArray(list) ? list.map((r) => String((r as Record<string, unknown>)[name])) : []
  }

/** Each call as ACA-Py's admin API routes it, and where the ids of what it returns are. */
function route(call: AdminCall): ['GET' | 'POST' | 'DELETE', string, Ids] {
  switch (call.call) {
    case 'list-connections':
      return ['GET', '/connections', results('connection_id')]
    case 'read-connection':
      return ['GET', `/connections/${call.id}`, field('connection_id')]
    case 'delete-connection':
      return ['DELETE', `/connections/${call.id}`, () => [call.id]]
    case 'list-dids':
      return ['GET', '/wallet/did', results('did')]
    case 'list-tenants':
      return ['GET', '/multitenancy/wallets', results('wallet_id')]
    case 'read-tenant':
      return ['GET', `/multitenancy/wallet/${call.tenant.id}`, field('wallet_id')]
    case 'issue-token':
      return ['POST', `/multitenancy/wallet/${call.tenant.id}/token`, () => [call.tenant.id]]
    case 'read-config':
      return ['GET', '/status/config', () => []]
  }
}
