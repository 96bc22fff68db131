import path from 'node:path'
import { launchAcapy, type AcapyProcess } from '../../agents/acapy/launcher.js'
import type { AgentRef } from '../../contract/agentId.js'
import type { AgentDescription } from '../../contract/summary.js'
import { BaseHost, type RunResources } from '../host.js'
import { AdminApi } from './adminApi.js'
import { AcapyConnections } from './connections.js'
import { AcapyDidRotate } from './didRotate.js'
import { AcapyMessaging } from './messaging.js'
import { WebhookReceiver } from './webhookReceiver.js'

/** An ACA-Py that runs elsewhere: the harness reaches its admin API, and it posts webhooks to us. */
export interface ExternalAcapy {
  adminUrl: string
  apiKey?: string
  /** The port of our webhook receiver, which that ACA-Py's `--webhook-url` must point at. */
  webhookPort: number
}

export interface AcapyHostSettings {
  external?: ExternalAcapy
  /** The bound of every admin API call and wait. */
  timeoutMs: number
}

/** ACA-Py, started by the harness (or running elsewhere), driven through its admin API and webhooks. */
export class AcapyHost extends BaseHost {
  private process?: AcapyProcess
  private readonly webhooks = new WebhookReceiver()
  private reportedVersion?: string

  constructor(
    ref: AgentRef,
    instance: string,
    private readonly settings: AcapyHostSettings,
  ) {
    super(ref, instance)
  }

  async start(resources: RunResources): Promise<void> {
    const external = this.settings.external
    const webhookUrl = await this.webhooks.listen(external?.webhookPort ?? 0)
    try {
      let adminUrl = external?.adminUrl
      let apiKey = external?.apiKey
      if (!external) {
        const runDir = path.join(resources.runDir, 'agents')
        this.process = await launchAcapy({ label: this.instance, runDir, webhookUrl, version: this.ref.version })
        adminUrl = this.process.adminUrl
        apiKey = this.process.apiKey
        // A dead agent ends every wait on it at once, with the reason, instead of letting each time out.
        void this.process.exited.then((how) =>
          this.webhooks.log.fail(new Error(`agent ${this.instance} exited (${how})`)),
        )
      }
      const api = new AdminApi(this.instance, adminUrl as string, apiKey, this.webhooks, this.settings.timeoutMs)
      this.reportedVersion = String((await api.get('read its status', '/status')).version ?? 'unknown')
      this.offer({
        connections: new AcapyConnections(api),
        messaging: new AcapyMessaging(api),
        didRotate: new AcapyDidRotate(api),
      })
    } catch (e) {
      await this.stop()
      throw e
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop()
    this.process = undefined
    await this.webhooks.close()
  }

  override describe(): AgentDescription {
    // An agent running elsewhere is whatever version it reports; the id stays what the command line named.
    return { ...super.describe(), version: this.reportedVersion ?? this.ref.version }
  }

  async logTail(lines = 40): Promise<string> {
    return this.process ? this.process.logTail(lines) : '(ACA-Py runs elsewhere; its log is not available here)'
  }
}
