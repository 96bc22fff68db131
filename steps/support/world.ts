import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber'
import type {
  Agency,
  Capabilities,
  CapabilityName,
  Driver,
  Instrument,
  IssuedCredential,
  SchemaDraft,
  Tenant,
} from '../../backchannels/capabilities.js'
import type { InvitationResult } from '../../contract/connections.js'
import type { InterruptedStoreMigration, StoreMigration, StoreSnapshot } from '../../contract/storeSnapshot.js'
import type { TraceEntry } from '../../contract/trace.js'
import { driverOf } from '../../runner/context.js'
import type { ObservedDid, PostedNym } from './didKeyModel.js'

export interface WorldParameters {
  /** Role name → agent instance, e.g. `{ inviter: 'reference@0.1.0-1', invitee: 'acapy@1.7.0-1' }`. */
  roles: Record<string, string>
  timeoutMs: number
}

/** Per-scenario state: which agent plays which role, and what the scenario has made so far. */
export class ConformanceWorld extends World<WorldParameters> {
  invitation?: InvitationResult
  /** Role → the id of that agent's connection for this scenario. */
  readonly connections: Record<string, string> = {}
  /** Role → the id of the last message that role sent (trust ping, probe, …). */
  readonly sent: Record<string, string> = {}
  lastError?: Error
  /** RFC 0794: the rotating party's DID when the scenario first rotated or hung up, and what it rotated to. */
  rotation?: { before: string; newDid?: string }
  /** RFC 0794: the connection ids that a hangup ended, per role, and the rotating reference's trace mark then. */
  ended?: { connections: Record<string, string>; mark: number }
  /** Multitenancy: the agency of the scenario, its tenants by name, their connections with the peer, and what was seen. */
  tenancy?: {
    agency: Agency
    tenants: Record<string, Tenant>
    /** Tenant name → its connection id and the peer's on their connection. */
    links: Record<string, { tenant: string; peer: string }>
    /** The two tenants' connection with each other. */
    pair?: { inviter: string; invitee: string }
    /** The last probe message the peer sent, and how its delivery was answered. */
    sent?: { content: string; delivery?: string }
    rotatedTo?: string
    /** Each admin call and its answer, for the evidence of a failure. */
    observations: string[]
  }
  /** DID and key storage: the agent's DID as the peer observed it, and the agent's store as the harness read it. */
  storage?: { observed?: ObservedDid; posted?: PostedNym; snapshot?: StoreSnapshot }
  /** DID and key storage migration: the DID the agent kept unqualified, and each migration's before and after. */
  migration?: {
    /** The DID the agent kept unqualified, where the scenario made one. */
    unqualified?: { did: string; verkey: string }
    runs: Array<{ before: StoreSnapshot; result: StoreMigration; after: StoreSnapshot }>
    /** A migration killed while it wrote and run again, beside an uninterrupted one of a copy. */
    interrupted?: InterruptedStoreMigration
  }
  /** Transaction endorsement: both parties' ledger DIDs, the schema asked for, and each side's transaction id. */
  endorsement?: {
    authorDid: string
    endorserDid: string
    schema?: SchemaDraft & { id: string }
    credentialDefinition?: { id: string; tag: string }
    /** The endpoint the author asked to have written for its DID (an ATTRIB). */
    endpoint?: string
    /** A DID of the author's the endorser was asked to write (write_did). */
    registered?: { did: string; verkey: string }
    /** What the author's latest request is about (a schema's name, a credential definition's tag), to tell it apart. */
    about?: string
    /** Role → that side's transaction record id. */
    transactions: Record<string, string>
    /** Role → how the agent answered a request to take another job than its configuration's. */
    jobChange?: Record<string, { refused?: string }>
  }
  /** Revocation: the author's revocable credential definition and the registries of it found on the ledger. */
  revocation?: {
    credentialDefinitionId: string
    registrySize: number
    /** When the call that makes the credential definition was made (ms since the epoch). */
    calledAt: number
    /** Where the credential definition is on the ledger: its registries are written after it. */
    credentialDefinitionSeqNo?: number
    registries: RegistryOnLedger[]
    /** The credentials issued in this scenario, in order, each with when its issue was done. */
    issued: Array<IssuedCredential & { at: number }>
  }
  /** Where this scenario's events begin in the run's tails server log. */
  tailsMark?: number
  /** Where this scenario's writes and read-backs begin in the run's ledger log, when the run has a ledger. */
  ledgerMark?: number
  /** What steps looked at (admin answers, store records, ledger read-backs), for the evidence of a failure. */
  readonly observations: string[] = []
  /** The last message a step found in a reference agent's trace, for the steps that look closer at it. */
  found?: TraceEntry

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options)
  }

  /** Role → the driver that plays it for the rest of the scenario instead of the run's (e.g. the agent's automatic endorser). */
  private readonly substitutes: Record<string, Driver> = {}

  /** From now on in this scenario, `driver` plays `role`: the same agent, set up otherwise. */
  substitute(role: string, driver: Driver): void {
    this.substitutes[role] = driver
  }

  /** The agent playing `role`. */
  as(role: string): Driver {
    const substitute = this.substitutes[role]
    if (substitute) return substitute
    const instance = this.parameters.roles[role]
    if (!instance) throw new Error(`no agent plays the role ${role} in this scenario`)
    return driverOf(instance)
  }

  /** A capability of the agent playing `role`. */
  the<C extends CapabilityName>(role: string, capability: C): Capabilities[C] {
    return this.as(role).get(capability)
  }

  /** Steps that inject faults or read the trace need the reference agent in that role. */
  instrument(role: string): Instrument {
    return this.the(role, 'instrument')
  }

  connection(role: string): string {
    const id = this.connections[role]
    if (!id) throw new Error(`the ${role} has no connection in this scenario yet`)
    return id
  }

  /** The bound of every wait in a step. */
  get wait(): { timeoutMs: number } {
    return { timeoutMs: this.parameters.timeoutMs }
  }

  /** Every role in this scenario that a reference agent plays, with its instrument. */
  instruments(): Array<{ role: string; driver: Driver; instrument: Instrument }> {
    return Object.keys(this.parameters.roles)
      .map((role) => ({ role, driver: this.as(role) }))
      .filter(({ driver }) => driver.has('instrument'))
      .map(({ role, driver }) => ({ role, driver, instrument: driver.get('instrument') }))
  }
}

setWorldConstructor(ConformanceWorld)

/** A revocation registry as the ledger holds it: its definition and its first entry. */
export interface RegistryOnLedger {
  id: string
  definitionSeqNo: number
  entrySeqNo: number
  maxCredNum: number
  tailsHash: string
  tailsLocation: string
}
