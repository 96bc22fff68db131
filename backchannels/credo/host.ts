import path from 'node:path'
import { CredoAgentProcess } from '../../agents/credo/launcher.js'
import { CREDO_VERSION_SPECS } from '../../agents/credo/versions.js'
import { BaseHost, type HostSettings, type RunResources } from '../host.js'
import { AskarStoreInspection } from '../store/inspection.js'
import { agentId } from '../../contract/agentId.js'
import { TENANT_VARIANT } from '../../contract/agentId.js'
import { Agencies } from '../agencies.js'
import { CREDO_TENANCY_MODES, CredoAgency, type CredoAgencyOptions } from './agency.js'
import { CredoConnections } from './connections.js'
import { CredoDidRotate } from './didRotate.js'
import { CredoMessaging } from './messaging.js'

/** Why Credo is not an author or endorser here (credo-ts has endorsement at ledger level only). */
const NO_TRANSACTIONS_PROTOCOL =
  'Credo has no transactions/1.0 protocol: @credo-ts/indy-vdr endorses at ledger level (endorserMode), not over DIDComm'

export interface CredoHostSettings extends HostSettings {
  /** Run Credo as a container of this image instead of a child process (`--launch docker`). */
  container?: { image: string }
}

/** Credo-ts driven in a child process (or container) of its own (agents/credo), observed through the events it forwards. */
export class CredoHost extends BaseHost {
  declare protected readonly settings: CredoHostSettings

  private process?: CredoAgentProcess
  private logFile?: string
  private tenancy?: Agencies<CredoAgency>
  /** For the `~tenant` variant: the Credo agent whose tenant this host drives. */
  private agency?: CredoAgency

  /** The running child; tests use it to see or to end the process itself. */
  get agentProcess(): CredoAgentProcess {
    if (!this.process) throw new Error(`${this.instance} is not started`)
    return this.process
  }

  async start(resources: RunResources): Promise<void> {
    this.logFile = this.logFileIn(resources)
    const spec = CREDO_VERSION_SPECS[this.ref.version]
    if (!spec) throw new Error(`Credo ${this.ref.version} is not a version the harness runs`)
    if (this.ref.variant === TENANT_VARIANT) return this.startTenant(resources)
    const agent = await CredoAgentProcess.launch({
      label: this.instance,
      entry: spec.entry,
      readyTimeoutMs: spec.readyTimeoutMs,
      requestTimeoutMs: this.settings.timeoutMs,
      onUnresponsive: (detail) => this.agentFailed('agent-unresponsive', detail, (e) => agent.events.fail(e)),
      dataDir: path.join(resources.runDir, 'agents', this.instance),
      logFile: this.logFile,
      ...(this.settings.container ? { container: this.settings.container } : {}),
    })
    this.process = agent
    this.calibrate(agent.events)
    void agent.ended.then((how) => this.agentFailed('agent-exited', how, (e) => agent.events.fail(e)))
    const calibration = this.calibration()
    const options: Omit<CredoAgencyOptions, 'mode' | 'instance'> = {
      agentId: agentId(this.ref),
      runDir: resources.runDir,
      timeoutMs: this.settings.timeoutMs,
      ...(calibration ? { calibration } : {}),
      ...(this.settings.container ? { container: this.settings.container } : {}),
    }
    this.tenancy = spec.noTenancy
      ? undefined
      : new Agencies(CREDO_TENANCY_MODES, `Credo ${this.ref.version}`, (mode) =>
          CredoAgency.start({
            ...options,
            mode: mode as CredoAgencyOptions['mode'],
            instance: `${this.instance}-${mode}`,
          }),
        )
    this.offer(
      {
        connections: new CredoConnections(agent, this.instance),
        messaging: new CredoMessaging(agent, this.instance),
        didRotate: new CredoDidRotate(agent, this.instance),
        ...(this.tenancy ? { tenancy: this.tenancy } : {}),
        store: new AskarStoreInspection({
          access: () => agent.request('storeAccess', {}),
          who: { agent: agentId(this.ref), host: this.instance },
          runDir: resources.runDir,
          layout: spec.storageLayout,
          whileStopped:
            "the reference migration rewrites ACA-Py's did records; Credo keeps DidRecord items and migrates its own storage (UpdateAssistant)",
          createUnqualifiedDid: 'Credo makes no unqualified DIDs since its 0.1 → 0.2 storage update',
        }),
      },
      {
        ...(spec.noTenancy ? { tenancy: spec.noTenancy } : {}),
        endorsement: NO_TRANSACTIONS_PROTOCOL,
        revocation: NO_TRANSACTIONS_PROTOCOL,
      },
    )
  }

  /** The agent under test is one tenant of a Credo agent with tenants, beside a second tenant. */
  private async startTenant(resources: RunResources): Promise<void> {
    const calibration = this.calibration()
    this.agency = await CredoAgency.start({
      mode: 'store-per-tenant',
      instance: this.instance,
      agentId: agentId(this.ref),
      runDir: resources.runDir,
      timeoutMs: this.settings.timeoutMs,
      ...(calibration ? { calibration } : {}),
      ...(this.settings.container ? { container: this.settings.container } : {}),
      onExit: (how) => this.agentFailed('agent-exited', how, () => undefined),
    })
    await this.agency.createTenant('neighbour')
    const tenant = await this.agency.createTenant(this.instance)
    this.offer(
      {
        connections: tenant.driver.get('connections'),
        messaging: tenant.driver.get('messaging'),
        didRotate: tenant.driver.get('didRotate'),
      },
      { endorsement: NO_TRANSACTIONS_PROTOCOL, revocation: NO_TRANSACTIONS_PROTOCOL },
    )
  }

  protected override async probe(): Promise<void> {
    await this.process?.request('ping', {})
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.tenancy?.stop(), this.agency?.stop()])
    await this.process?.stop()
    this.process = undefined
  }

  async logTail(lines = 40): Promise<string> {
    if (this.agency) return this.agency.logTail(lines)
    if (this.process) return this.process.logTail(lines)
    return `(${this.instance} is not running${this.logFile ? `; log: ${this.logFile}` : ''})`
  }
}
