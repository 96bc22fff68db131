import path from 'node:path'
import { launchAcapy, type AcapyProcess } from '../../agents/acapy/launcher.js'
import { agentId, ASKAR_WALLET_VARIANT, TENANT_VARIANT, type AgentRef } from '../../contract/agentId.js'
import type { AxiosError } from 'axios'
import type { AgentDescription, AgentFailure } from '../../contract/summary.js'
import { within } from '../../common/waitFor.js'
import { BaseHost, type HostSettings, type RunResources } from '../host.js'
import { ENDORSER_ALIAS, type AutomaticOptions, type Driver } from '../capabilities.js'
import { AskarStoreInspection } from '../store/inspection.js'
import { AdminApi } from './adminApi.js'
import { AcapyConnections } from './connections.js'
import { AcapyDidRotate } from './didRotate.js'
import { AcapyEndorsement } from './endorsement.js'
import { AcapyMessaging } from './messaging.js'
import { AcapyRevocation } from './revocation.js'
import { Agencies } from '../agencies.js'
import { AcapyAgency } from './agency.js'
import { WebhookReceiver } from './webhookReceiver.js'
import { ACAPY_VERSION_SPECS, type AcapyVersion, type TenancyMode } from '../../agents/acapy/versions.js'

/** How long a refused connection waits for the process's exit to be seen, before it counts as a closed port. */
const EXIT_GRACE_MS = 2_000

/** An ACA-Py that runs elsewhere: the harness reaches its admin API, and it posts webhooks to us. */
export interface ExternalAcapy {
  adminUrl: string
  apiKey?: string
  /** The port of our webhook receiver, which that ACA-Py's `--webhook-url` must point at. */
  webhookPort: number
}

export interface AcapyHostSettings extends HostSettings {
  external?: ExternalAcapy
  /** The role whose automatic endorsement flow this instance runs, with that role's startup flags. */
  automaticIn?: 'author' | 'endorser'
  /** An automatic author that also makes a DID its endorser wrote its public DID (--auto-promote-author-did). */
  promoteWrittenDid?: boolean
  /** An automatic author that connects to this endorser by itself at start (--endorser-invitation). */
  endorserInvitation?: { url: string; endorserDid: string }
  /** An automatic author that knows its endorser by public DID alone (--endorser-public-did, no --endorser-alias). */
  endorserPublicDid?: string
  /** Run ACA-Py as a container of this image instead of a process (`--launch docker`). */
  container?: { image: string }
  /** An instance that holds credentials: it accepts every offer and stores what it is issued. */
  holds?: boolean
  /** The holder an instance started for an automatic flow issues to: the one of the host that started it. */
  holderOf?: () => Promise<Driver>
}

/** A holder takes every offer and stores the credential, so that issuing needs no step on its side. */
const HOLDER_FLAGS = ['--auto-respond-credential-offer', '--auto-store-credential']

/** The design's automatic flows per role, as ACA-Py's demo runs them (endorsement.md §2). */
const AUTOMATIC_FLAGS: Record<'author' | 'endorser', string[]> = {
  endorser: ['--endorser-protocol-role', 'endorser', '--auto-endorse-transactions'],
  author: [
    ...['--endorser-protocol-role', 'author'],
    ...['--auto-request-endorsement', '--auto-write-transactions', '--auto-create-revocation-transactions'],
  ],
}

/** ACA-Py, started by the harness (or running elsewhere), driven through its admin API and webhooks. */
export class AcapyHost extends BaseHost {
  private process?: AcapyProcess
  private readonly webhooks = new WebhookReceiver()
  private reportedVersion?: string
  private api?: AdminApi
  private tenancy?: Agencies<AcapyAgency>
  /** For the `~tenant` variant: the multitenant ACA-Py whose tenant this host drives. */
  private agency?: AcapyAgency
  /** Set while the harness restarts the agent itself: its exit is then no failure. */
  private restarting = false
  private readonly failWaits = (e: Error) => this.webhooks.log.fail(e)
  /** This version started for a role's automatic flow or as the holder, once a scenario asks for it. */
  private readonly automaticHosts = new Map<string, Promise<AcapyHost>>()
  private freshHosts = 0

  constructor(
    ref: AgentRef,
    instance: string,
    protected override readonly settings: AcapyHostSettings,
  ) {
    super(ref, instance, settings)
    this.calibrate(this.webhooks.log)
  }

  async start(resources: RunResources): Promise<void> {
    if (this.ref.variant === TENANT_VARIANT) return this.startTenant(resources)
    const external = this.settings.external
    const webhookUrl = await this.webhooks.listen(external?.webhookPort ?? 0)
    try {
      let adminUrl = external?.adminUrl
      let apiKey = external?.apiKey
      if (!external) {
        const runDir = path.join(resources.runDir, 'agents')
        this.process = await launchAcapy({
          label: this.instance,
          runDir,
          webhookUrl,
          version: this.ref.version,
          ...(this.settings.container ? { container: this.settings.container } : {}),
          ...(this.ref.variant === ASKAR_WALLET_VARIANT ? { walletType: 'askar' } : {}),
          ...(resources.ledger ? { genesisFile: resources.ledger.genesisPath } : {}),
          extraArgs: [
            ...(this.settings.automaticIn ? this.automaticFlags(this.settings.automaticIn) : []),
            ...(this.settings.holds ? HOLDER_FLAGS : []),
            ...(resources.tailsServerUrl ? ['--tails-server-base-url', resources.tailsServerUrl] : []),
          ],
        })
        adminUrl = this.process.adminUrl
        apiKey = this.process.apiKey
        this.watch(this.process)
      }
      const api = new AdminApi(
        this.instance,
        adminUrl as string,
        apiKey ? { 'X-API-Key': apiKey } : {},
        this.webhooks.log,
        this.settings.timeoutMs,
        (w, e) => this.unreachable(w, e),
      )
      this.api = api
      this.reportedVersion = String((await api.get('read its status', '/status')).version ?? 'unknown')
      // An ACA-Py running elsewhere is one process the harness cannot start again multitenant.
      if (!external) {
        const version = this.ref.version as AcapyVersion
        const { hostInstance, ...options } = this.agencyOptions(resources)
        const modes = Object.keys(ACAPY_VERSION_SPECS[version].tenancyModes) as TenancyMode[]
        this.tenancy = new Agencies(modes, `ACA-Py ${version}`, (mode) =>
          AcapyAgency.start({ ...options, version, mode: mode as TenancyMode, instance: `${hostInstance}-${mode}` }),
        )
      }
      const connections = new AcapyConnections(api)
      this.offer(
        {
          connections,
          messaging: new AcapyMessaging(api),
          didRotate: new AcapyDidRotate(api),
          ...(this.tenancy ? { tenancy: this.tenancy } : {}),
          ...(this.process ? { store: this.storeInspection(this.process, api, resources) } : {}),
          ...(resources.ledger && !external
            ? {
                endorsement: new AcapyEndorsement(
                  api,
                  resources.ledger,
                  this.anoncredsWallet(),
                  (role, options) => this.automatic(role, resources, options),
                  this.settings.automaticIn,
                ),
              }
            : {}),
          ...(resources.ledger && resources.tailsServerUrl && !external
            ? {
                revocation: new AcapyRevocation(api, this.anoncredsWallet(), connections, () => this.holder(resources)),
              }
            : {}),
        },
        {
          endorsement: external
            ? 'an ACA-Py running elsewhere is not on the run’s ledger'
            : 'the run has no Indy ledger',
          tenancy: 'an ACA-Py running elsewhere cannot be started multitenant by the harness',
          store: 'the store of an ACA-Py running elsewhere is not on this machine for the harness to open',
          revocation: external
            ? 'an ACA-Py running elsewhere is not on the run’s ledger and tails server'
            : 'the run has no Indy ledger or no tails server (it selected no scenario tagged @revocation)',
        },
      )
    } catch (e) {
      await this.stop()
      throw e
    }
  }

  /**
   * Stops the agent and starts `version` on the same wallet, ports and secrets, as an operator upgrades:
   * the version's own upgrade runs at start. The host keeps its agent id; `describe()` reports the version.
   */
  async upgrade(version: AcapyVersion): Promise<void> {
    if (!this.process) throw new Error(`${this.instance} runs elsewhere: the harness cannot upgrade it`)
    this.restarting = true
    try {
      this.process = await this.process.upgrade(version)
    } finally {
      this.restarting = false
    }
    this.watch(this.process)
    this.reportedVersion = this.process.version
  }

  /**
   * A second process of this version with a role's automatic flags, started on first use and stopped with
   * this host; a fresh one (a new wallet, no public DID) is started for each scenario that asks.
   */
  private async automatic(
    role: 'author' | 'endorser',
    resources: RunResources,
    options: AutomaticOptions = {},
  ): Promise<Driver> {
    if (options.promoteWrittenDid && role !== 'author') throw new Error('only an author promotes a DID written for it')
    const fresh = options.fresh || options.promoteWrittenDid || options.endorserInvitation || options.endorserPublicDid
    const key = fresh ? `${role}-fresh-${++this.freshHosts}` : role
    const host = await this.startedOnce(key, resources, () => {
      return new AcapyHost(this.ref, `${this.instance}-auto-${key}`, {
        ...this.settings,
        holderOf: () => this.holder(resources),
        automaticIn: role,
        ...(options.promoteWrittenDid ? { promoteWrittenDid: true } : {}),
        ...(options.endorserInvitation ? { endorserInvitation: options.endorserInvitation } : {}),
        ...(options.endorserPublicDid ? { endorserPublicDid: options.endorserPublicDid } : {}),
      })
    })
    return host.driver()
  }

  /**
   * The instance this one issues to: a plain one of the same version with the holder's flags, started
   * on first use and stopped with this host; an instance started for an automatic flow uses its starter's.
   */
  private async holder(resources: RunResources): Promise<Driver> {
    if (this.settings.holderOf) return this.settings.holderOf()
    const host = await this.startedOnce('holder', resources, () => {
      return new AcapyHost(this.ref, `${this.instance}-holder`, { ...this.settings, holds: true })
    })
    return host.driver()
  }

  /** The instance kept under `key`, made and started on first use, stopped with this host. */
  private startedOnce(key: string, resources: RunResources, make: () => AcapyHost): Promise<AcapyHost> {
    let started = this.automaticHosts.get(key)
    if (!started) {
      const host = make()
      started = host.start(resources).then(
        () => host,
        async (e: unknown) => {
          this.automaticHosts.delete(key)
          await host.stop()
          throw e
        },
      )
      this.automaticHosts.set(key, started)
    }
    return started
  }

  private automaticFlags(role: 'author' | 'endorser'): string[] {
    const { endorserInvitation: invitation, endorserPublicDid } = this.settings
    // The design makes alias and public DID mutually exclusive; --endorser-invitation needs both.
    const endorser =
      role !== 'author'
        ? []
        : endorserPublicDid
          ? ['--endorser-public-did', endorserPublicDid]
          : ['--endorser-alias', ENDORSER_ALIAS]
    return [
      ...AUTOMATIC_FLAGS[role],
      ...endorser,
      ...(this.settings.promoteWrittenDid ? ['--auto-promote-author-did'] : []),
      ...(invitation ? ['--endorser-invitation', invitation.url, '--endorser-public-did', invitation.endorserDid] : []),
    ]
  }

  private anoncredsWallet(): boolean {
    if (this.ref.variant === ASKAR_WALLET_VARIANT) return false
    return ACAPY_VERSION_SPECS[this.ref.version as AcapyVersion].walletType === 'askar-anoncreds'
  }

  /** A dead agent ends every wait on it at once, with the reason, instead of letting each time out. */
  private watch(process: AcapyProcess): void {
    void process.exited.then((how) => {
      if (this.process !== process || this.restarting) return
      this.agentFailed('agent-exited', `exited with ${how}`, this.failWaits)
    })
  }

  private storeInspection(process: AcapyProcess, api: AdminApi, resources: RunResources): AskarStoreInspection {
    return new AskarStoreInspection({
      // A restart replaces the process; the store and its key stay the same.
      access: async () => process.storeAccess(),
      who: { agent: agentId(this.ref), host: this.instance },
      runDir: resources.runDir,
      layout: ACAPY_VERSION_SPECS[this.ref.version as AcapyVersion].storageLayout,
      whileStopped: async (work) => {
        this.restarting = true
        // A start that fails on what `work` left (a store the agent cannot run on) leaves the agent down
        // on purpose, not gone: `restarting` stays set until a later restart (the store put back) succeeds.
        this.process = await (this.process as AcapyProcess).restart(work)
        this.restarting = false
        this.watch(this.process)
      },
      // A local DID of method sov: unqualified and unposted, as connections/1.0 made them.
      createUnqualifiedDid: async () => {
        const answer = await api.post('create an unqualified DID', '/wallet/did/create', {
          method: 'sov',
          options: { key_type: 'ed25519' },
        })
        const result = answer.result as { did: string; verkey: string }
        return { did: result.did, verkey: result.verkey }
      },
    })
  }

  private agencyOptions(resources: RunResources) {
    const calibration = this.calibration()
    return {
      hostInstance: this.instance,
      agentId: agentId(this.ref),
      runDir: path.join(resources.runDir, 'agents'),
      timeoutMs: this.settings.timeoutMs,
      ...(calibration ? { calibration } : {}),
      ...(this.settings.container ? { container: this.settings.container } : {}),
    }
  }

  /** The agent under test is one tenant of a multitenant ACA-Py, which has a second tenant beside it. */
  private async startTenant(resources: RunResources): Promise<void> {
    const { hostInstance, ...options } = this.agencyOptions(resources)
    this.agency = await AcapyAgency.start({
      ...options,
      version: this.ref.version as AcapyVersion,
      mode: 'store-per-tenant',
      instance: hostInstance,
      onFailure: (f) => this.agentFailed(f.kind, f.detail, () => undefined),
    })
    try {
      this.reportedVersion = this.ref.version
      // A neighbour makes the agent pick the tenant by the message's recipient key among several.
      await this.agency.createTenant('neighbour')
      const tenant = await this.agency.createTenant(this.instance)
      this.offer({
        connections: tenant.driver.get('connections'),
        messaging: tenant.driver.get('messaging'),
        didRotate: tenant.driver.get('didRotate'),
      })
    } catch (e) {
      await this.stop()
      throw e
    }
  }
  /** ACA-Py's liveness route: answered at once by a running agent. */
  protected override async probe(): Promise<void> {
    if (this.agency) await this.agency.checkHealth()
    else await this.api?.get('answer its liveness probe', '/status/live')
  }

  /**
   * A request that got no HTTP answer: a timeout means ACA-Py stopped answering; a refused connection
   * means it exited, which its exit (awaited, bounded) tells apart from a closed port.
   */
  private async unreachable(what: string, error: AxiosError): Promise<AgentFailure | undefined> {
    if (this.restarting) return this.failure
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      const detail = `stopped answering (no answer to "${what}" within ${this.settings.timeoutMs} ms)`
      this.agentFailed('agent-unresponsive', detail, this.failWaits)
    } else if (error.code === 'ECONNREFUSED' && this.process) {
      const exit = await within(this.process.exited, EXIT_GRACE_MS)
      if (exit) this.agentFailed('agent-exited', `exited with ${exit.value}`, this.failWaits)
    }
    return this.failure
  }

  async stop(): Promise<void> {
    const automatic = [...this.automaticHosts.values()].map((h) => h.then((host) => host.stop()))
    this.automaticHosts.clear()
    await Promise.allSettled([this.tenancy?.stop(), this.agency?.stop(), ...automatic])
    await this.process?.stop()
    this.process = undefined
    await this.webhooks.close()
  }

  override describe(): AgentDescription {
    // An agent running elsewhere is whatever version it reports; the id stays what the command line named.
    return { ...super.describe(), version: this.reportedVersion ?? this.ref.version }
  }

  async logTail(lines = 40): Promise<string> {
    if (this.agency) return this.agency.logTail(lines)
    return this.process ? this.process.logTail(lines) : '(ACA-Py runs elsewhere; its log is not available here)'
  }
}
