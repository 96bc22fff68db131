/**
 * Debian roots made with debootstrap (the Indy pool's, the agents' images): how programs run inside
 * them, the commands that build them, with their output kept in a log, and the host packages they need.
 */
import { execFile } from 'node:child_process'
import { statfsSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import path from 'node:path'

const TMPFS_MAGIC = 0x01021994
const GIB = 1024 ** 3

/**
 * RocksDB preallocates its write-ahead logs (the pool's configuration keeps that near 200 MB a pool, plenum's
 * defaults take 3 GiB), which on tmpfs would be memory; so the directory must be on a disk with room.
 */
export function checkDisk(dir: string, neededGiB: number, override: string): string | undefined {
  const stats = statfsSync(dir)
  if (stats.type === TMPFS_MAGIC) {
    return `${dir} is on tmpfs; set ${override} to a directory on disk`
  }
  const free = (stats.bavail * stats.bsize) / GIB
  if (free < neededGiB) {
    return `${dir} has ${free.toFixed(1)} GiB free, ${neededGiB} GiB are needed; free some space or set ${override}`
  }
  return undefined
}

/** Nothing of the host's environment (pip's or Python's settings, proxies of other tools) reaches the root. */
export function rootEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    ...extra,
  }
}

/**
 * The command line that runs `argv` inside `root`. `unshare --mount` gives the program a private mount
 * namespace in which the /proc that psutil reads is mounted; the mount is never seen by the host and goes
 * away with the process, so nothing is left mounted under the cache. Neither unshare (without --fork) nor
 * chroot forks, so the spawned pid is the program's own and it can be stopped by that pid.
 */
export function inRoot(root: string, argv: string[]): { command: string; args: string[] } {
  return { command: 'unshare', args: ['--mount', `--mount-proc=${path.join(root, 'proc')}`, 'chroot', root, ...argv] }
}

/** The last `n` lines of a text. */
export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n')
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message)
  }
}

/**
 * Runs a command to completion, appending its output to `logFile`; resolves with its stdout and rejects
 * with a CommandError that carries the output's tail.
 */
export function runCommand(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; logFile: string; cwd?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`
        void appendFile(opts.logFile, `$ ${command} ${args.join(' ')}\n${output}\n`).finally(() => {
          if (!err) return resolve(stdout)
          const { code, signal } = err as { code?: number | string; signal?: string }
          const why = code === 'ENOENT' ? 'not found' : signal ? `signal ${signal}` : `exit code ${code}`
          reject(new CommandError(`${command} failed (${why})`, lastLines(output, 25)))
        })
      },
    )
  })
}

/** Installs a Debian package with apt-get when `program` does not run (refreshing stale package lists once). */
export async function ensureDebianPackage(
  program: string,
  pkg: string,
  logFile: string,
  log: (msg: string) => void,
): Promise<void> {
  try {
    await runCommand(program, ['--version'], { logFile })
    return
  } catch {
    log(`installing ${pkg} with apt-get`)
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () => runCommand('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], { env, logFile })
  try {
    await install()
  } catch {
    // The host's package lists may be missing or stale.
    await runCommand('apt-get', ['update', '-q'], { logFile })
    await install()
  }
}
