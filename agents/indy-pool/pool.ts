/**
 * Starts a 4-node indy-node pool on loopback: a genesis for free loopback ports with plenum's
 * deterministic test seeds, the four nodes, and a wait until the pool answers a read through a real
 * client. The nodes run as processes chrooted into the provisioned root, or (`launch: 'docker'`) as
 * containers of the image made from that root (image.ts) on the host's network. Every node started here
 * is tracked and stopped on stop(), when this Node process exits, and on SIGINT / SIGTERM.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { ContainerProcess } from '../../common/docker/container.js'
import { connectEngine } from '../../common/docker/engine.js'
import { spawnManaged, type Supervised } from '../../common/managedSpawn.js'
import { pidAlive, stopOnInterrupt } from '../../common/processes.js'
import { pollUntil, within } from '../../common/waitFor.js'
import { LedgerClient } from './ledgerClient.js'
import { ensureIndyPoolProvisioned, ROOT_SCRIPTS_DIR } from './provision.js'
import { checkDisk, CommandError, inRoot, lastLines, rootEnv, runCommand } from '../../common/debianRoot.js'
import { INDY_POOL_IMAGE, indyPoolImageProblem, ROOT_POOLS_DIR } from './image.js'
import { indyPoolCacheDir, POOL_DIR_VARIABLE } from './root.js'
import { ensureIndyVdrLibrary } from './vdrLibrary.js'

/** Trustee1 of plenum's test network: the genesis NYM with the TRUSTEE role. */
export const TRUSTEE_SEED = '000000000000000000000000Trustee1'
export const TRUSTEE_DID = 'V4SGRU86Z58d6TV7PBUe6f'

const NODE_COUNT = 4
const HOST = '127.0.0.1'
const REUSED_POOL = 'reused'
const DEFAULT_READY_TIMEOUT_MS = 60_000
/**
 * plenum's default is 3 s, and a write then takes 3 s whenever a batch was ordered in the last 3 s (every
 * write after the first of a test). A test ledger sees a handful of requests, so batches can be small.
 */
export const DEFAULT_BATCH_WAIT_MS = 100
const STOP_GRACE_MS = 10_000
export type PoolLaunch = 'process' | 'docker'
/** A fresh pool takes about 200 MB (RocksDB preallocation, see the recipe's indy_config.py). */
const DISK_NEEDED_GIB = 1

export interface IndyPoolOptions {
  /** Keep the ledger (and genesis, and ports) of the previous reusing run, and keep it on stop. */
  reuse?: boolean
  readyTimeoutMs?: number
  /** plenum's Max3PCBatchWait: how long the primary gathers requests before ordering a batch. */
  batchWaitMs?: number
  quiet?: boolean
  /** Where progress goes instead of stdout (a run prints its progress on stderr). */
  log?: (msg: string) => void
  /** Chrooted processes (the default) or containers of the pool image (`images build indy-pool`). */
  launch?: PoolLaunch
}

export interface IndyPoolNode {
  name: string
  pid: number
  nodePort: number
  clientPort: number
  logFile: string
}

export interface IndyPool {
  /** The pool genesis transactions, for indy-vdr clients (ACA-Py's --genesis-file). */
  genesisPath: string
  genesis: string
  /** Seed of the DID that holds the TRUSTEE role in the genesis. */
  trusteeSeed: string
  trusteeDid: string
  /** This run's ledger data, keys and logs. */
  dir: string
  nodes: IndyPoolNode[]
  /** Settles, with what happened, if a node exits before stop(); never otherwise. */
  nodeFailure: Promise<string>
  /** Stops the nodes and, unless reused, removes the ledger data. */
  stop(): Promise<void>
}

export class IndyPoolStartError extends Error {}

interface PoolFile {
  /** Inside the root. */
  genesisPath: string
  ports: number[]
}

interface OwnerFile {
  owner: number
  nodes: number[]
}

/** SIGTERM lets a node's looper close its stacks and databases; SIGKILL follows after the grace period. */
async function stopNodes(nodes: Supervised[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()))
}

/** Where a pool's directories are and how its programs run: chrooted processes, or containers. */
interface NodeRunner {
  /** On the host; each pool has a directory of its own in it. */
  poolsDir: string
  /** The path a node sees for a path on the host, and back. */
  seen(hostPath: string): string
  onHost(seenPath: string): string
  /** Starts a long-running program (a node). */
  start(opts: {
    name: string
    argv: string[]
    env: Record<string, string>
    logFile: string
    dir: string
  }): Promise<Supervised>
  /** Runs a program to its end and gives its output; throws CommandError when it fails. */
  runToEnd(argv: string[], env: Record<string, string>, logFile: string, dir: string): Promise<string>
}

function chrootRunner(root: string, onInterrupt: () => Promise<void>): NodeRunner {
  return {
    poolsDir: path.join(root, ROOT_POOLS_DIR),
    seen: (hostPath) => `/${path.relative(root, hostPath)}`,
    onHost: (seenPath) => path.join(root, seenPath),
    start: async ({ name, argv, env, logFile }) => {
      const { command, args } = inRoot(root, argv)
      return spawnManaged({ name, command, args, env: rootEnv(env), logFile, stopGraceMs: STOP_GRACE_MS, onInterrupt })
    },
    runToEnd: (argv, env, logFile) => {
      const { command, args } = inRoot(root, argv)
      return runCommand(command, args, { env: rootEnv(env), logFile })
    },
  }
}

/** Containers on the host's network, the pool's directory mounted at the same path. */
function containerRunner(): NodeRunner {
  const start = ({ name, argv, env, logFile, dir }: Parameters<NodeRunner['start']>[0]) =>
    ContainerProcess.start({
      name,
      image: INDY_POOL_IMAGE,
      command: argv,
      env: rootEnv(env) as Record<string, string>,
      mounts: [{ path: dir }],
      logFile,
      stopGraceSeconds: STOP_GRACE_MS / 1000,
    })
  return {
    poolsDir: path.join(indyPoolCacheDir(), 'pools'),
    seen: (hostPath) => hostPath,
    onHost: (seenPath) => seenPath,
    start,
    runToEnd: async (argv, env, logFile, dir) => {
      const container = await start({ name: argv.join(' '), argv, env, logFile, dir })
      const how = await container.exited
      await container.stop()
      const output = await readFile(logFile, 'utf8')
      if (how !== 'code 0') throw new CommandError(`${argv.join(' ')} ended with ${how}`, output)
      return output
    },
  }
}

/** True when `pid` is a node started for the pool directory `poolDir` (so a reused pid is never killed). */
function isNodeOf(pid: number, poolDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`INDY_POOL_DIR=${poolDir}`)
  } catch {
    return false
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

/**
 * Runs whose owner died without stopping them (SIGKILL, a crash) leave nodes and gigabytes of
 * preallocated databases behind: their nodes are stopped by the pids they recorded, their data removed
 * (a reused pool keeps its data).
 */
function cleanUpAbandonedRuns(runner: NodeRunner, log: (msg: string) => void): void {
  const { poolsDir } = runner
  if (!existsSync(poolsDir)) return
  for (const name of readdirSync(poolsDir)) {
    const dir = path.join(poolsDir, name)
    const owner = readJson<OwnerFile>(path.join(dir, 'owner.json'))
    if (owner && pidAlive(owner.owner)) continue
    // A container's pid is its init's, which has the container's environment.
    for (const pid of owner?.nodes ?? []) {
      if (pidAlive(pid) && isNodeOf(pid, runner.seen(dir))) process.kill(pid, 'SIGKILL')
    }
    if (name === REUSED_POOL) {
      rmSync(path.join(dir, 'owner.json'), { force: true })
    } else {
      log(`removing abandoned pool ${dir}`)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

async function allFree(ports: number[]): Promise<boolean> {
  const servers: net.Server[] = []
  try {
    for (const port of ports) {
      const server = net.createServer()
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host: HOST, port }, resolve)
      })
      servers.push(server)
    }
    return true
  } catch {
    return false
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

/**
 * Consecutive free ports below the kernel's ephemeral range: the nodes open dozens of connections while
 * starting, and an ephemeral port picked for one of them could take a node's port before the node binds it.
 * The conventional 9701-9708 first, else a random block.
 */
async function pickPorts(count: number): Promise<number[]> {
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)
  const ephemeralLow = Number(range[0]) || 32768
  const bases = [9701]
  for (let i = 0; i < 40; i++) bases.push(10_000 + Math.floor(Math.random() * (ephemeralLow - 10_000 - count)))
  for (const base of bases) {
    const ports = Array.from({ length: count }, (_, i) => base + i)
    if (await allFree(ports)) return ports
  }
  throw new IndyPoolStartError(`found no ${count} consecutive free ports on ${HOST} below ${ephemeralLow}`)
}

export async function startIndyPool(opts: IndyPoolOptions = {}): Promise<IndyPool> {
  const log = (msg: string) => {
    if (opts.log) opts.log(`[indy-pool] ${msg}`)
    else if (!opts.quiet) console.log(`[indy-pool] ${msg}`)
  }
  const started = Date.now()
  let stop: () => Promise<void> = async () => {}
  /** Takes the pool's own Ctrl-C handler off once it is stopped (containers only). */
  let unregisterInterrupt = () => {}
  const onInterrupt = () => stop()
  let runner: NodeRunner
  if (opts.launch === 'docker') {
    const problem = await indyPoolImageProblem((await connectEngine()).docker)
    if (problem) throw new IndyPoolStartError(problem)
    runner = containerRunner()
    // Each container stops itself on Ctrl-C too; this stops them as a pool, which also removes the ledger.
    unregisterInterrupt = stopOnInterrupt(onInterrupt)
  } else {
    if (process.getuid?.() !== 0) {
      throw new IndyPoolStartError('starting the Indy pool needs root (chroot, mount namespaces): run as root')
    }
    const { root } = await ensureIndyPoolProvisioned({ quiet: opts.quiet, log: opts.log })
    runner = chrootRunner(root, onInterrupt)
  }
  // The readiness check reads through indy-vdr; a missing library fails here, before anything starts.
  await ensureIndyVdrLibrary()
  const { poolsDir } = runner
  cleanUpAbandonedRuns(runner, log)
  mkdirSync(poolsDir, { recursive: true })
  const disk = checkDisk(poolsDir, DISK_NEEDED_GIB, POOL_DIR_VARIABLE)
  if (disk) throw new IndyPoolStartError(disk)

  const name = opts.reuse
    ? REUSED_POOL
    : `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`
  const dir = path.join(poolsDir, name)
  const ownerFile = path.join(dir, 'owner.json')
  const claimed = readJson<OwnerFile>(ownerFile)
  if (claimed && pidAlive(claimed.owner)) {
    throw new IndyPoolStartError(`the reused pool in ${dir} is already running (owned by process ${claimed.owner})`)
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(ownerFile, JSON.stringify({ owner: process.pid, nodes: [] } satisfies OwnerFile))
  const env = {
    INDY_POOL_DIR: runner.seen(dir),
    INDY_MAX_3PC_BATCH_WAIT: String((opts.batchWaitMs ?? DEFAULT_BATCH_WAIT_MS) / 1000),
  }

  const tracked: Supervised[] = []
  let stopped: Promise<void> | undefined
  let reportFailure: (reason: string) => void = () => {}
  const nodeFailure = new Promise<string>((resolve) => (reportFailure = resolve))
  stop = () => {
    stopped ??= (async () => {
      await stopNodes(tracked)
      // A reused pool keeps its ledger for the next run; only the claim on it goes.
      await rm(opts.reuse ? ownerFile : dir, { recursive: true, force: true })
      unregisterInterrupt()
      log('pool stopped')
    })()
    return stopped
  }

  try {
    const poolFile = path.join(dir, 'pool.json')
    let pool = opts.reuse ? readJson<PoolFile>(poolFile) : undefined
    if (pool) {
      if (!(await allFree(pool.ports))) {
        throw new IndyPoolStartError(`the reused pool's ports on ${HOST} (${pool.ports.join(', ')}) are not all free`)
      }
      log(`reusing the ledger in ${dir}`)
    } else {
      const ports = await pickPorts(2 * NODE_COUNT)
      const argv = ['python3', `${ROOT_SCRIPTS_DIR}/genesis.py`, HOST, ports.join(',')]
      let output: string
      try {
        output = await runner.runToEnd(argv, env, path.join(dir, 'genesis.log'), dir)
      } catch (e) {
        const detail = e instanceof CommandError ? `${e.message}\n${e.output}` : (e as Error).message
        throw new IndyPoolStartError(`generating the genesis failed: ${detail}`)
      }
      pool = { genesisPath: lastLines(output, 1), ports }
      writeFileSync(poolFile, JSON.stringify(pool))
    }
    const genesisPath = runner.onHost(pool.genesisPath)
    const genesis = await readFile(genesisPath, 'utf8')

    log(`starting ${NODE_COUNT} nodes (ports ${pool.ports.join(', ')})`)
    const nodesStarted = Date.now()
    const nodes: IndyPoolNode[] = []
    const outFiles: string[] = []
    // Logs are per run, also for a reused ledger: readiness is read from them.
    const logDir = path.join(dir, 'log')
    rmSync(logDir, { recursive: true, force: true })
    mkdirSync(path.join(logDir, 'conformance'), { recursive: true })
    for (let i = 0; i < NODE_COUNT; i++) {
      const nodeName = `Node${i + 1}`
      const [nodePort, clientPort] = [pool.ports[2 * i] as number, pool.ports[2 * i + 1] as number]
      const argv = [
        'python3',
        '/usr/local/bin/start_indy_node',
        nodeName,
        HOST,
        String(nodePort),
        HOST,
        String(clientPort),
      ]
      // The node logs to its own file; this keeps what it prints before logging is set up (a traceback).
      outFiles.push(path.join(logDir, `${nodeName}.out`))
      const node = await runner.start({ name: `Indy ${nodeName}`, argv, env, logFile: outFiles[i] as string, dir })
      void node.exited.then((how) => {
        if (!stopped) reportFailure(`${nodeName} exited (${how}); its log: ${nodes[i]?.logFile}`)
      })
      tracked.push(node)
      nodes.push({
        name: nodeName,
        pid: node.pid,
        nodePort,
        clientPort,
        logFile: path.join(logDir, 'conformance', `${nodeName}.log`),
      })
    }
    writeFileSync(ownerFile, JSON.stringify({ owner: process.pid, nodes: nodes.map((n) => n.pid) } satisfies OwnerFile))

    const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
    const deadline = Date.now() + timeoutMs
    const tails = async () => {
      const parts = await Promise.all(
        nodes.map(async (n, i) => {
          const read = (file: string | undefined) => (file ? readFile(file, 'utf8').catch(() => '') : '')
          const text = `${await read(n.logFile)}\n${await read(outFiles[i])}`
          return `--- ${n.name} (${n.logFile}) ---\n${lastLines(text, 8)}`
        }),
      )
      return parts.join('\n')
    }
    const failure = async (cause: string) =>
      new IndyPoolStartError(`the Indy pool did not start: ${cause} (logs kept in ${dir}/log)\n${await tails()}`)

    // A node logs "started participating" once its stacks are up and it has caught up; nothing emits an event.
    const participating = new Set<string>()
    try {
      await pollUntil({
        timeoutMs,
        awaited: `${NODE_COUNT} nodes participating`,
        seen: () => `participating: ${[...participating].join(', ') || 'none'}`,
        probe: async () => {
          const gone = tracked.findIndex((t) => t.exitInfo)
          if (gone >= 0) throw await failure(`${nodes[gone]?.name} exited (${tracked[gone]?.exitInfo})`)
          for (const n of nodes) {
            const text = await readFile(n.logFile, 'utf8').catch(() => '')
            if (text.includes(`${n.name} started participating`)) participating.add(n.name)
            // The node retries a taken port for ever; the port is not coming back.
            const bind = /can not bind to (\S+)\./.exec(text)
            if (bind) throw await failure(`${n.name} cannot listen on ${bind[1]} (taken by another process)`)
          }
          return participating.size === NODE_COUNT ? true : undefined
        },
      })
    } catch (e) {
      throw e instanceof IndyPoolStartError ? e : await failure((e as Error).message)
    }
    log(`${NODE_COUNT} nodes participating after ${((Date.now() - nodesStarted) / 1000).toFixed(1)} s`)

    // The pool is ready when a client's read is answered with consensus.
    const client = await LedgerClient.open(genesis)
    try {
      const remaining = Math.max(deadline - Date.now(), 5_000)
      const answer = await within(client.getNym(TRUSTEE_DID), remaining)
      if (!answer) throw new Error(`no answer within ${remaining} ms`)
      const trustee = answer.value
      if (trustee?.role !== '0') throw new Error(`GET_NYM ${TRUSTEE_DID} answered ${JSON.stringify(trustee)}`)
    } catch (e) {
      throw await failure(`reading the trustee's NYM: ${(e as Error).message}`)
    } finally {
      // Not awaited: a read still in flight holds the close until indy-vdr gives up on it.
      void client.close()
    }
    log(`pool ready in ${((Date.now() - started) / 1000).toFixed(1)} s; genesis: ${genesisPath}`)

    return { genesisPath, genesis, trusteeSeed: TRUSTEE_SEED, trusteeDid: TRUSTEE_DID, dir, nodes, nodeFailure, stop }
  } catch (e) {
    // The logs stay for a look (the next start removes them once this process is gone); the ledger goes.
    stopped ??= stopNodes(tracked).then(async () => {
      await rm(opts.reuse ? ownerFile : path.join(dir, 'data'), { recursive: true, force: true })
      unregisterInterrupt()
    })
    await stopped
    throw e
  }
}
