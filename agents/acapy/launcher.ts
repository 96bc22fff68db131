/**
 * Starts ACA-Py (`aca-py start`) of a supported release (versions.ts) as an agent under test on loopback
 * ports, with a throw-away Askar wallet and its output captured in the run directory, and stops it again
 * (common/processes.ts stops it also when the harness exits or is interrupted).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import bs58 from 'bs58'
import { spawnManaged, StartError, type Supervised } from '../../common/managedSpawn.js'
import { ContainerProcess } from '../../common/docker/container.js'
import { acapyImageTag } from './image.js'
import { PortUnavailableError, reservePorts } from '../../common/ports.js'
import type { StoreAccess } from '../../contract/storeSnapshot.js'
import { ensureAcapyInstalled } from './install.js'
import {
  ACAPY_VERSION_SPECS,
  ACAPY_VERSIONS,
  DEFAULT_ACAPY_VERSION,
  isAcapyVersion,
  type AcapyVersion,
} from './versions.js'

export interface AcapyLaunchOptions {
  label: string
  /** One of ACAPY_VERSIONS (default DEFAULT_ACAPY_VERSION); a string, as agent ids from the command line are. */
  version?: string
  /** Per-run directory; the wallet and the log go into a fresh subdirectory of it. */
  runDir: string
  webhookUrl?: string
  /** Appended after the harness's own flags. */
  extraArgs?: string[]
  /** An Indy pool's genesis file: ACA-Py runs with this ledger instead of `--no-ledger`. */
  genesisFile?: string
  /** `--seed` of the wallet's DID (public unless extraArgs has `--wallet-local-did`); passed by environment. */
  walletSeed?: string
  readyTimeoutMs?: number
  inboundPort?: number
  adminPort?: number
  /**
   * Multitenant (`--multitenant --multitenant-admin`): tenants live in stores of their own or as profiles
   * of one store (`walletType`, as the version names it). The JWT secret is made here and never leaves.
   */
  multitenant?: { walletType: string }
  /** Run the agent as a container of this image (with `aca-py` on its PATH) instead of from the venv. */
  container?: { image: string }
  /** `--wallet-type` instead of the version's own (`askar` for 1.7.0's legacy routes: the `~askar` variant). */
  walletType?: string
}

export interface AcapyProcess {
  label: string
  adminUrl: string
  /** `http://127.0.0.1:<port>`, also the agent's advertised endpoint. */
  inboundUrl: string
  apiKey: string
  logFile: string
  /** As reported by the running agent's `GET /status`. */
  version: string
  pid: number
  /** Resolves with how the process ended (`signal SIGKILL`, `code 1`) once it has, however that came about. */
  exited: Promise<string>
  stop(): Promise<void>
  /** The last lines of the log, with the API key and the wallet key redacted. */
  logTail(lines?: number): Promise<string>
  /**
   * Stops the agent and starts it again on the same wallet, ports and secrets: a restart as a deployment
   * does one; `whileStopped` runs in between (e.g. a migration of its store).
   */
  restart(whileStopped?: () => Promise<void>): Promise<AcapyProcess>
  /** Stops the agent and starts another ACA-Py version on the same wallet (its own upgrade runs at start). */
  upgrade(version: AcapyVersion): Promise<AcapyProcess>
  /** Whether a text contains a secret of this agent (API key, wallet key, JWT secret), for leak checks. */
  leaks(text: string): string[]
  /** The text with this agent's secrets replaced. */
  redact(text: string): string
  /** The agent's Askar store (the base wallet), for the harness to read; the key stays in memory. */
  storeAccess(): StoreAccess
}

export class AcapyLaunchError extends StartError {}

/** ACA-Py could not bind the inbound or admin port the launch gave it. */
class PortLost extends AcapyLaunchError {}

const HOST = '127.0.0.1'
const DEFAULT_READY_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 5_000

function redactor(secrets: string[]): (text: string) => string {
  return (text) => secrets.reduce((acc, secret) => acc.replaceAll(secret, '[REDACTED]'), text)
}

/** A port-binding failure ACA-Py logged, if any: the port, and a description. */
function bindFailure(log: string): { port: number; text: string } | undefined {
  const exact = /error while attempting to bind on address \('([^']+)', (\d+)\): ([^\n]+)/.exec(log)
  if (exact) return { port: Number(exact[2]), text: `port ${exact[2]} on ${exact[1]}: ${exact[3]}` }
  const generic = /Unable to start webserver with host '([^']+)' and port '(\d+)'/.exec(log)
  if (generic) return { port: Number(generic[2]), text: `port ${generic[2]} on ${generic[1]}: could not bind` }
  return undefined
}

async function getJson(url: string, apiKey?: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: apiKey ? { 'X-API-Key': apiKey } : {},
    signal: AbortSignal.timeout(2_000),
  })
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
  return res.json()
}

/** True once the admin API reports ready and the inbound transport answers as ACA-Py's does. */
async function isReady(adminUrl: string, inboundUrl: string): Promise<boolean> {
  try {
    const ready = (await getJson(`${adminUrl}/status/ready`)) as { ready?: boolean }
    if (ready.ready !== true) return false
    // ACA-Py starts the inbound transport as a background task and keeps running if it fails to bind,
    // so admin readiness alone does not prove the endpoint is served.
    const res = await fetch(`${inboundUrl}/?c_i=probe`, { signal: AbortSignal.timeout(2_000) })
    return res.ok && (await res.text()).startsWith('You have received a connection invitation')
  } catch {
    return false
  }
}

/** Everything a launch decides once, so that a restart reuses it: the wallet, the ports and the secrets. */
interface LaunchPlan {
  opts: AcapyLaunchOptions
  bin: string
  home: string
  walletName: string
  logFile: string
  inboundPort: number
  adminPort: number
  args: string[]
  env: NodeJS.ProcessEnv
  secrets: Record<string, string>
}

export async function launchAcapy(opts: AcapyLaunchOptions): Promise<AcapyProcess> {
  const requested = opts.version ?? DEFAULT_ACAPY_VERSION
  if (!isAcapyVersion(requested)) {
    throw new AcapyLaunchError(`ACA-Py ${requested} is not supported: use one of ${ACAPY_VERSIONS.join(', ')}`)
  }
  const spec = ACAPY_VERSION_SPECS[requested]
  const bin = opts.container ? 'aca-py' : (await ensureAcapyInstalled({ version: requested, quiet: true })).bin
  const id = randomBytes(4).toString('hex')
  const slug = opts.label.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'agent'
  const walletName = `${slug}-${id}`
  const home = path.resolve(opts.runDir, `acapy-${walletName}`)
  mkdirSync(home, { recursive: true })
  const logFile = path.join(home, 'aca-py.log')
  const secrets: Record<string, string> = {
    'admin API key': randomBytes(24).toString('hex'),
    // A generated 32-byte key used RAW skips the Argon2i derivation (128 MiB, t=6) on every store open.
    'wallet key': bs58.encode(randomBytes(32)),
    ...(opts.walletSeed ? { 'wallet seed': opts.walletSeed } : {}),
    ...(opts.multitenant ? { 'JWT secret': randomBytes(32).toString('base64url') } : {}),
  }
  const args = ['start', '--label', opts.label]
  args.push(
    '--wallet-type',
    opts.walletType ?? spec.walletType,
    '--wallet-name',
    walletName,
    '--wallet-key-derivation-method',
    'RAW',
  )
  // Fresh wallet per launch, opened again as it is on a restart; sqlite lives under $ACAPY_HOME (the askar
  // sqlite path ignores --wallet-storage-config).
  args.push('--auto-provision', '--log-level', 'info')
  if (opts.genesisFile) args.push('--genesis-file', opts.genesisFile)
  else args.push('--no-ledger')
  // The harness plays the peer over the wire, so handshakes proceed without an admin call per step; tests that
  // need the manual path pass auto_accept=false on the invitation calls. Trust pings stay manual
  // (no --auto-ping-connection) so the harness observes and sends them itself.
  args.push('--auto-accept-invites', '--auto-accept-requests')
  // Only adds `ping` webhooks; it changes nothing on the wire.
  args.push('--monitor-ping')
  // --emit-new-didcomm-prefix / --emit-new-didcomm-mime-type are forced on since 0.12, so they are not passed.
  if (opts.webhookUrl) args.push('--webhook-url', opts.webhookUrl)
  if (opts.multitenant) {
    // The JSON form is the one both versions read.
    args.push('--multitenant', '--multitenant-admin')
    args.push('--multitenancy-config', JSON.stringify({ wallet_type: opts.multitenant.walletType }))
  }
  args.push(...(opts.extraArgs ?? []))

  // Inherited ACAPY_* variables would silently change the configuration; the secrets go by environment
  // so they never appear in a command line (ps, /proc/<pid>/cmdline).
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ACAPY_')),
  )
  Object.assign(env, {
    ACAPY_HOME: home,
    ACAPY_ADMIN_API_KEY: secrets['admin API key'],
    ACAPY_WALLET_KEY: secrets['wallet key'],
    PYTHONUNBUFFERED: '1',
  })
  if (opts.walletSeed) env.ACAPY_WALLET_SEED = opts.walletSeed
  if (opts.multitenant) env.ACAPY_MULTITENANT_JWT_SECRET = secrets['JWT secret']
  // A port picked free can be taken by any process before ACA-Py binds it (an outgoing connection's
  // ephemeral port, another agent starting): then the launch is tried again on other free ports.
  const picked = opts.inboundPort === undefined && opts.adminPort === undefined
  for (let attempt = 1; ; attempt++) {
    const [inboundPort, adminPort] = (await reserve(opts.inboundPort, opts.adminPort)) as [number, number]
    const listening = ['--inbound-transport', 'http', HOST, String(inboundPort), '--outbound-transport', 'http']
    listening.push('--endpoint', `http://${HOST}:${inboundPort}`, '--admin', HOST, String(adminPort))
    const plan = { opts: { ...opts, version: requested }, bin, home, walletName, logFile, inboundPort, adminPort }
    try {
      return await start({ ...plan, args: [...args.slice(0, 3), ...listening, ...args.slice(3)], env, secrets })
    } catch (e) {
      if (!picked || attempt >= PORT_ATTEMPTS || !(e instanceof PortLost)) throw e
    }
  }
}

/** How often a launch on ports the harness picked is tried when another process takes one first. */
const PORT_ATTEMPTS = 3

async function reserve(inbound: number | undefined, admin: number | undefined): Promise<number[]> {
  return reservePorts(HOST, [
    { name: 'inbound', port: inbound },
    { name: 'admin', port: admin },
  ]).catch((e: unknown) => {
    throw e instanceof PortUnavailableError ? new AcapyLaunchError(e.message) : e
  })
}

/** The agent as a child process, or as a container with the same ports, files and environment. */
async function supervise(plan: LaunchPlan, redact: (text: string) => string): Promise<Supervised> {
  const common = { name: `ACA-Py "${plan.opts.label}"`, logFile: plan.logFile, redact, startError: AcapyLaunchError }
  const container = plan.opts.container
  if (!container) {
    return spawnManaged({
      ...common,
      command: plan.bin,
      args: plan.args,
      env: plan.env,
      cwd: plan.home,
      stopGraceMs: STOP_GRACE_MS,
    })
  }
  const env = Object.fromEntries(
    Object.entries(plan.env).filter((e): e is [string, string] => /^(ACAPY_|PYTHON)/.test(e[0]) && e[1] !== undefined),
  )
  const genesis = plan.args.indexOf('--genesis-file')
  const mounts = [
    { path: plan.home },
    ...(genesis >= 0 ? [{ path: plan.args[genesis + 1] as string, readOnly: true }] : []),
  ]
  return ContainerProcess.start({
    ...common,
    image: container.image,
    command: [plan.bin, ...plan.args],
    env,
    mounts,
    workdir: plan.home,
    stopGraceSeconds: STOP_GRACE_MS / 1000,
  })
}

async function start(plan: LaunchPlan): Promise<AcapyProcess> {
  const { opts } = plan
  const inboundUrl = `http://${HOST}:${plan.inboundPort}`
  const adminUrl = `http://${HOST}:${plan.adminPort}`
  const apiKey = plan.secrets['admin API key'] as string
  const redact = redactor(Object.values(plan.secrets))
  // The log is appended to by every start of this agent: only what this start wrote tells of its ports.
  const logStart = await stat(plan.logFile).then(
    (s) => s.size,
    () => 0,
  )
  const bound = async () =>
    bindFailure((await readFile(plan.logFile).catch(() => Buffer.alloc(0))).subarray(logStart).toString())
  const proc = await supervise(plan, redact)
  // ACA-Py announces nothing before it is ready, so readiness is polled (bounded).
  try {
    await proc.waitReady({
      timeoutMs: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      probe: async () => {
        const ready = await isReady(adminUrl, inboundUrl)
        // Read after the readiness check, so a bind failure logged just before readiness is not missed.
        const bind = await bound()
        if (bind) throw new Error(`cannot listen on ${bind.text}`)
        return ready
      },
    })
  } catch (e) {
    const lost = (await bound())?.port
    if (lost === plan.inboundPort || lost === plan.adminPort) throw new PortLost((e as Error).message)
    throw e
  }

  let version: string
  try {
    version = ((await getJson(`${adminUrl}/status`, apiKey)) as { version: string }).version
  } catch (e) {
    throw await proc.failStart(`GET /status failed: ${(e as Error).message}`)
  }
  // An image is only a name: what runs in it must be the release the agent id names.
  if (opts.container && version !== opts.version) {
    throw await proc.failStart(`image ${opts.container.image} runs ACA-Py ${version}, not ${opts.version}`)
  }

  return {
    label: opts.label,
    adminUrl,
    inboundUrl,
    apiKey,
    logFile: plan.logFile,
    version,
    pid: proc.pid,
    exited: proc.exited,
    stop: () => proc.stop(),
    logTail: (lines) => proc.logTail(lines),
    restart: async (whileStopped) => {
      await proc.stop()
      await whileStopped?.()
      // The same ports: peers know the agent by the endpoint in its DID documents.
      await reserve(plan.inboundPort, plan.adminPort)
      return start(plan)
    },
    upgrade: async (version) => {
      const container = opts.container ? { image: acapyImageTag(version) } : undefined
      const bin = container ? plan.bin : (await ensureAcapyInstalled({ version, quiet: true })).bin
      await proc.stop()
      await reserve(plan.inboundPort, plan.adminPort)
      // The wallet type stays the one the wallet was made with: ACA-Py refuses a type other than the stored one.
      return start({ ...plan, bin, opts: { ...opts, version, ...(container ? { container } : {}) } })
    },
    redact,
    // ACA-Py's sqlite path: $ACAPY_HOME/wallet/<name>/sqlite.db (utils/env.py storage_path, askar/store.py get_uri).
    storeAccess: () => ({
      sqlitePath: path.join(plan.home, 'wallet', plan.walletName, 'sqlite.db'),
      passKey: plan.secrets['wallet key'] as string,
    }),
    leaks: (text) => Object.entries(plan.secrets).flatMap(([name, secret]) => (text.includes(secret) ? [name] : [])),
  }
}
