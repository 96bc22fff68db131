import { spawn } from 'node:child_process'
import path from 'node:path'
import type { KilledMigration, StoreAccess } from '../../contract/storeSnapshot.js'
import { STORE_KEY_VARIABLE } from '../../runner/commands/store.js'

const CLI = path.resolve(import.meta.dirname, '..', '..', 'bin', 'didcomm-conformance.js')
/** The progress line `store migrate` writes once it has planned, before it writes anything. */
const PLANNED = /^planned (\d+) operations/
/** Its start compiles the harness's sources (tsx): seconds, more on a loaded machine. */
const DEFAULT_TIMEOUT_MS = 60_000

/**
 * Runs the `store migrate` CLI on a store as a child process and SIGKILLs it as soon as its stderr says
 * it has planned: while it writes its transaction. The store key reaches the child by its environment
 * only. Fails, with what it awaited and what the child wrote, when the child says nothing of a plan in
 * time, exits on its own (an error, or done before the kill landed) or had committed when the kill landed.
 */
export async function killMigrationOncePlanned(
  access: StoreAccess,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<KilledMigration> {
  const started = performance.now()
  const args = [CLI, 'store', 'migrate', access.sqlitePath, ...(access.profile ? ['--profile', access.profile] : [])]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, [STORE_KEY_VARIABLE]: access.passKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  // The CLI never prints the key; should it ever, it would still reach no message from here.
  const clean = (text: string) => text.split(access.passKey).join('[store key]')
  const lines: string[] = []
  let partial = ''
  let killed: { after: string; planned: number; at: number } | undefined
  child.stderr.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      const planned = PLANNED.exec(line)
      if (planned && !killed) {
        child.kill('SIGKILL')
        killed = { after: line, planned: Number(planned[1]), at: performance.now() }
      }
      lines.push(clean(line))
    }
  })
  const seen = () => {
    const all = [...lines, ...(partial ? [clean(partial)] : [])]
    return all.length > 0 ? all.map((l) => `\n  ${l}`).join('') : ' nothing'
  }
  const what = `store migrate ${access.sqlitePath}`

  let timer: NodeJS.Timeout | undefined
  const exit = await Promise.race([
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (code, signal) => resolve({ code, signal }))
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL')
        const awaited = killed ? `its exit after the SIGKILL that followed "${killed.after}"` : 'a "planned" line'
        reject(new Error(`${what}: awaited ${awaited} for ${timeoutMs} ms; its stderr held:${seen()}`))
      }, timeoutMs)
    }),
  ]).finally(() => clearTimeout(timer))

  const how = exit.signal ?? `exit code ${exit.code}`
  if (!killed) throw new Error(`${what} ended (${how}) before it said it had planned; its stderr held:${seen()}`)
  if (exit.signal !== 'SIGKILL')
    throw new Error(`${what} ended on its own (${how}) before the kill that followed "${killed.after}":${seen()}`)
  if (lines.some((l) => l.startsWith('committed')))
    throw new Error(`${what} had committed before the kill that followed "${killed.after}" landed:${seen()}`)
  const ended = performance.now()
  return {
    lines,
    killedAfter: killed.after,
    planned: killed.planned,
    msToExit: ended - killed.at,
    ms: ended - started,
  }
}
