/**
 * The Docker engine the harness talks to, through dockerode (the maintained client of the Engine API:
 * streams, demultiplexed logs and image imports without shelling out to a CLI whose version varies).
 *
 * The engine is the user's when `DOCKER_HOST` is set or `/var/run/docker.sock` answers; otherwise, as
 * root with Debian's `docker.io` installed, the harness starts a dockerd of its own for the command and
 * stops it at the end, also on error and Ctrl-C. That engine changes nothing on the host: no firewall
 * rules, no IP forwarding, no bridge (containers use the host's network), and its images persist in the
 * user's cache between commands.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import Docker from 'dockerode'
import { spawnManaged, StartError, type SpawnedProcess } from '../managedSpawn.js'
import { userCacheDir } from '../nativeLibraries.js'
import { pidAlive } from '../processes.js'
import { within } from '../waitFor.js'
import { ensureDebianPackage } from '../debianRoot.js'

/** No engine can be reached or started; the message is one line naming the fix. */
export class DockerUnavailableError extends StartError {}

/** Label on every container the harness creates, so that leftovers of a killed run can be found and removed. */
export const OWNER_LABEL = 'org.didcomm-conformance.owner'

/**
 * The label's value: this host's name and the harness's pid. A pid means something only on the host that
 * made the container (an engine may serve several, or a harness in a container of its own).
 */
export const ownerOf = (pid = process.pid): string => `${os.hostname()}:${pid}`

const DEFAULT_SOCKET = '/var/run/docker.sock'
const DOCKERD = '/usr/sbin/dockerd'
/** Short on purpose: a unix socket path must fit in 108 bytes. */
const OWN_EXEC_ROOT = '/tmp/didcomm-conformance-docker'
const OWN_SOCKET = path.join(OWN_EXEC_ROOT, 'docker.sock')
const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 15_000

export interface Engine {
  docker: Docker
  /** `unix:///…`, for worker processes (DOCKER_HOST) and messages. */
  host: string
  /** Whether this command started the engine (and stops it). */
  owned: boolean
  stop(): Promise<void>
}

/** `$DIDCOMM_CONFORMANCE_DOCKER_DIR`, else `docker` in the user's cache: the data root of the harness's own engine. */
export function ownEngineDir(): string {
  const configured = process.env.DIDCOMM_CONFORMANCE_DOCKER_DIR
  return configured ? path.resolve(configured) : path.join(userCacheDir(), 'docker')
}

async function answers(docker: Docker): Promise<boolean> {
  // A socket nobody serves refuses at once; a hung engine must not hang the harness.
  return (await within(docker.ping(), 3_000).catch(() => undefined)) !== undefined
}

function clientFor(host: string): Docker {
  const socketPath = host.replace(/^unix:\/\//, '')
  if (socketPath === host) throw new DockerUnavailableError(`DOCKER_HOST=${host}: only unix sockets are supported`)
  return new Docker({ socketPath })
}

let current: Promise<Engine> | undefined

/**
 * The engine of this process: the user's, or one started now. Later calls share it; `stop` of an engine
 * the harness did not start does nothing.
 */
export function connectEngine(log: (msg: string) => void = () => {}): Promise<Engine> {
  current ??= connect(log).catch((e: unknown) => {
    current = undefined
    throw e
  })
  return current
}

async function connect(log: (msg: string) => void): Promise<Engine> {
  const configured = process.env.DOCKER_HOST
  if (configured) {
    const docker = clientFor(configured)
    if (await answers(docker)) return borrowed(docker, configured, log)
    throw new DockerUnavailableError(`the Docker engine at DOCKER_HOST=${configured} does not answer`)
  }
  for (const socket of [DEFAULT_SOCKET, OWN_SOCKET]) {
    const docker = new Docker({ socketPath: socket })
    if (existsSync(socket) && (await answers(docker))) return borrowed(docker, `unix://${socket}`, log)
  }
  if (process.getuid?.() !== 0) {
    throw new DockerUnavailableError(
      'no Docker engine: DOCKER_HOST is unset and /var/run/docker.sock does not answer (the harness starts its own only as root)',
    )
  }
  if (!existsSync(DOCKERD)) {
    throw new DockerUnavailableError(
      `no Docker engine: DOCKER_HOST is unset, /var/run/docker.sock does not answer and ${DOCKERD} is missing (apt-get install docker.io)`,
    )
  }
  return startOwnEngine(log)
}

async function borrowed(docker: Docker, host: string, log: (msg: string) => void): Promise<Engine> {
  await removeAbandonedContainers(docker, log)
  return { docker, host, owned: false, stop: async () => {} }
}

/**
 * A harness killed outright (SIGKILL) cannot stop its containers; on an engine that outlives it, the next
 * command removes those whose harness, on this host, is gone.
 */
async function removeAbandonedContainers(docker: Docker, log: (msg: string) => void): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } }).catch(() => [])
  const here = `${os.hostname()}:`
  const abandoned = containers.filter((c) => {
    const owner = c.Labels[OWNER_LABEL] ?? ''
    return owner.startsWith(here) && !pidAlive(Number(owner.slice(here.length)))
  })
  for (const c of abandoned) {
    log(`removing container ${c.Id.slice(0, 12)} (${c.Image}) left by a harness that is gone`)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined)
  }
}

/** A dockerd whose pid file names a live process owns the data root; a stale one is cleared. */
function clearStaleEngine(dataDir: string): void {
  const pidFile = path.join(dataDir, 'dockerd.pid')
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8'))
  if (pid && pidAlive(pid)) {
    throw new DockerUnavailableError(
      `dockerd ${pid} holds ${dataDir} but does not answer on ${OWN_SOCKET}; stop it (kill ${pid}) and try again`,
    )
  }
  rmSync(pidFile, { force: true })
}

/**
 * dockerd leaves mounts behind when it stops: an nsfs one under its exec root, and its data root bound
 * onto itself. Unmounted, so that nothing of the engine outlives the command.
 */
function unmountLeftovers(dataDir: string): void {
  for (const mountPoint of [path.join(OWN_EXEC_ROOT, 'netns', 'default'), dataDir]) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'ignore' })
    } catch {
      // Not mounted.
    }
  }
}

async function startOwnEngine(log: (msg: string) => void): Promise<Engine> {
  const dir = ownEngineDir()
  const dataDir = path.join(dir, 'data')
  mkdirSync(dataDir, { recursive: true })
  clearStaleEngine(dir)
  unmountLeftovers(dataDir)
  mkdirSync(OWN_EXEC_ROOT, { recursive: true })
  const began = Date.now()
  log(`starting a Docker engine of the harness's own (data in ${dataDir})`)
  const args = ['--host', `unix://${OWN_SOCKET}`, '--data-root', dataDir, '--exec-root', OWN_EXEC_ROOT]
  args.push('--pidfile', path.join(dir, 'dockerd.pid'), '--storage-driver', 'overlay2')
  // Leaves the host's firewall, sysctls and links as they were; containers use the host's network.
  args.push('--iptables=false', '--ip-forward=false', '--bridge=none')
  const docker = new Docker({ socketPath: OWN_SOCKET })
  let stopped: Promise<void> | undefined
  // Also what Ctrl-C runs, so that an interrupted command leaves no mount behind either.
  const stop = () =>
    (stopped ??= (async () => {
      await proc.stop()
      unmountLeftovers(dataDir)
      current = undefined
    })())
  const proc: SpawnedProcess = spawnManaged({
    name: 'dockerd',
    command: DOCKERD,
    args,
    logFile: path.join(dir, 'dockerd.log'),
    stopGraceMs: STOP_GRACE_MS,
    startError: DockerUnavailableError,
    // Containers are removed first: dockerd would otherwise wait out each one's stop timeout.
    beforeStop: () => removeOwnedContainers(docker),
    onInterrupt: stop,
  })
  await proc.waitReady({ timeoutMs: READY_TIMEOUT_MS, probe: () => answers(docker) })
  log(`Docker engine ready in ${Date.now() - began} ms`)
  return {
    docker,
    host: `unix://${OWN_SOCKET}`,
    owned: true,
    stop,
  }
}

/**
 * Installs Debian's docker.io when no engine is configured and dockerd is missing, as root; otherwise
 * leaves the machine alone (connectEngine then says what is missing).
 */
export async function ensureDockerInstalled(log: (msg: string) => void): Promise<void> {
  if (process.env.DOCKER_HOST || existsSync(DEFAULT_SOCKET) || existsSync(DOCKERD) || process.getuid?.() !== 0) return
  mkdirSync(ownEngineDir(), { recursive: true })
  await ensureDebianPackage('dockerd', 'docker.io', path.join(ownEngineDir(), 'install.log'), log)
}

/** Removes every container the harness made on this engine (a killed run's leftovers included). */
async function removeOwnedContainers(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } }).catch(() => [])
  await Promise.allSettled(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })))
}
