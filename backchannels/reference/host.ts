import path from 'node:path'
import { ReferenceAgent } from '../../agents/reference/agent.js'
import { fileLogger } from '../../common/logger.js'
import { agentId } from '../../contract/agentId.js'
import { tailFile } from '../../common/tail.js'
import { BaseHost, type RunResources } from '../host.js'
import { AskarStoreInspection } from '../store/inspection.js'
import { ReferenceConnections } from './connections.js'
import { ReferenceDidRotate } from './didRotate.js'
import { ReferenceEndorsement } from './endorsement.js'
import { ReferenceInstrument } from './instrument.js'
import { ReferenceMessaging } from './messaging.js'

/** The reference agent, in the harness's own process. */
export class ReferenceHost extends BaseHost {
  private running?: ReferenceAgent
  private logFile?: string

  /** The agent itself, for the harness's own tests of it. */
  get agent(): ReferenceAgent {
    if (!this.running) throw new Error(`${this.instance} is not started`)
    return this.running
  }

  async start(resources: RunResources): Promise<void> {
    this.logFile = this.logFileIn(resources)
    const agent = await ReferenceAgent.start({
      label: this.instance,
      dataDir: path.join(resources.runDir, 'agents', this.instance),
      logger: fileLogger(this.logFile, this.instance),
      deliveryTimeoutMs: this.settings.timeoutMs,
      ...(resources.ledger ? { ledgerGenesis: resources.ledger.genesis } : {}),
    })
    this.running = agent
    this.calibrate(agent.tap.log, agent.connections.changes, agent.transactions.changes)
    const instrument = new ReferenceInstrument(agent)
    this.offer(
      {
        connections: new ReferenceConnections(agent, this.instance),
        messaging: new ReferenceMessaging(agent, instrument, this.instance),
        didRotate: new ReferenceDidRotate(agent, this.instance),
        instrument,
        store: new AskarStoreInspection({
          access: async () => agent.wallet.access,
          who: { agent: agentId(this.ref), host: this.instance },
          runDir: resources.runDir,
          layout: 'seed',
          // In this process: the store is closed and opened again around the work, the agent stays.
          whileStopped: (work) => agent.wallet.whileClosed(work),
          createUnqualifiedDid: () => agent.wallet.createLegacyDid(),
        }),
        ...(resources.ledger
          ? { endorsement: new ReferenceEndorsement(agent, resources.ledger, () => this.driver()) }
          : {}),
      },
      {
        tenancy: 'the reference agent keeps one wallet: it is the peer outside a multitenant agent',
        endorsement: 'the run has no Indy ledger',
        revocation: 'the reference agent issues no credentials: it takes part in revocation as the endorser',
      },
    )
  }

  async stop(): Promise<void> {
    await this.running?.stop()
    this.running = undefined
  }

  async logTail(lines = 40): Promise<string> {
    if (!this.logFile) return `(${this.instance} was not started)`
    return (await tailFile(this.logFile, lines)) || `(no log at ${this.logFile})`
  }
}
