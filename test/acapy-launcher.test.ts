import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ensureAcapyInstalled } from '../agents/acapy/install.js'
import { launchAcapy, type AcapyProcess } from '../agents/acapy/launcher.js'

/** Command lines (NUL-separated) of live processes that run `aca-py` with `port` among their arguments. */
function acapyProcessesOnPort(port: number): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let args: string[]
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    if (args.some((a) => a.endsWith('aca-py')) && args.includes(String(port))) found.push(args.join(' '))
  }
  return found
}

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

async function holdPort(): Promise<net.Server> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  return server
}

describe('ACA-Py launcher', { timeout: 15 * 60_000 }, () => {
  let runDir: string

  before(async () => {
    await ensureAcapyInstalled()
    runDir = mkdtempSync(path.join(os.tmpdir(), 'acapy-launcher-test-'))
  })

  after(() => rmSync(runDir, { recursive: true, force: true }))

  it('launches, reports ready and its version over the admin API, and stops without leftovers', async () => {
    const started = Date.now()
    const agent: AcapyProcess = await launchAcapy({ label: 'launcher-test', runDir })
    console.log(`[acapy] start-to-ready ${Date.now() - started} ms`)
    try {
      const ready = await fetch(`${agent.adminUrl}/status/ready`)
      assert.deepEqual(await ready.json(), { ready: true })

      const unauthorised = await fetch(`${agent.adminUrl}/status`)
      assert.equal(unauthorised.status, 401)
      const status = (await (
        await fetch(`${agent.adminUrl}/status`, { headers: { 'X-API-Key': agent.apiKey } })
      ).json()) as {
        version: string
        label: string
      }
      assert.equal(status.version, '0.12.8')
      assert.equal(agent.version, '0.12.8')
      assert.equal(status.label, 'launcher-test')
      assert.match(agent.inboundUrl, /^http:\/\/127\.0\.0\.1:\d+$/)

      // The wallet key is not exposed by the launcher; the child's environment is readable by its owner.
      const walletKey = readFileSync(`/proc/${agent.pid}/environ`, 'utf8')
        .split('\0')
        .find((v) => v.startsWith('ACAPY_WALLET_KEY='))
        ?.slice('ACAPY_WALLET_KEY='.length)
      assert.ok(walletKey)
      const raw = readFileSync(agent.logFile, 'utf8')
      assert.match(raw, /ver: 0\.12\.8/)
      assert.ok(!raw.includes(agent.apiKey) && !raw.includes(walletKey), 'ACA-Py wrote a secret into its log')
      appendFileSync(agent.logFile, `leak check api=${agent.apiKey} wallet=${walletKey}\n`)
      const tail = await agent.logTail()
      assert.match(tail, /leak check api=\[REDACTED\] wallet=\[REDACTED\]/)
      assert.ok(!tail.includes(agent.apiKey) && !tail.includes(walletKey))
    } finally {
      await agent.stop()
    }
    assert.equal(processGroupAlive(agent.pid), false)
    assert.deepEqual(acapyProcessesOnPort(Number(new URL(agent.inboundUrl).port)), [])
  })

  it('refuses an inbound port that is already taken, naming it, and starts nothing', async () => {
    const blocker = await holdPort()
    const port = (blocker.address() as net.AddressInfo).port
    try {
      await assert.rejects(launchAcapy({ label: 'port-clash', runDir, inboundPort: port }), (err: Error) => {
        assert.match(err.message, new RegExp(`inbound port ${port}\\b`))
        return true
      })
      assert.deepEqual(acapyProcessesOnPort(port), [])
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it('fails fast with the port and a redacted log tail when ACA-Py itself cannot bind', async () => {
    // An extra inbound transport bypasses the launcher's own port check, so the failure must come from the log.
    const blocker = await holdPort()
    const port = (blocker.address() as net.AddressInfo).port
    const extraArgs = ['--inbound-transport', 'http', '127.0.0.1', String(port)]
    try {
      await assert.rejects(
        launchAcapy({ label: 'late-clash', runDir, extraArgs, readyTimeoutMs: 60_000 }),
        (err: Error) => {
          assert.match(err.message, new RegExp(`cannot listen on port ${port} on 127\\.0\\.0\\.1`))
          assert.match(err.message, /--- log tail/)
          return true
        },
      )
      assert.deepEqual(acapyProcessesOnPort(port), [])
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})
