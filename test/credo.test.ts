import assert from 'node:assert/strict'
import net from 'node:net'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { listenForAgent } from '../agents/credo/controlLink.js'
import { CredoAgentProcess, CredoLaunchError } from '../agents/credo/launcher.js'
import type { AgentHost } from '../backchannels/host.js'
import { CredoHost } from '../backchannels/credo/host.js'
import { ReferenceHost } from '../backchannels/reference/host.js'
import type { PeerDidNumalgo } from '../contract/connections.js'
import { conn, CREDO, msg, REFERENCE, SETTINGS } from './support/agents.js'
import { pidAlive } from '../common/processes.js'

const runDir = mkdtempSync(path.join(os.tmpdir(), 'credo-test-'))

/** Pids of live processes whose command line mentions `text` (the Credo children name their data directory). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)
      } catch {
        return false
      }
    })
    .map(Number)
}

async function connectAndPing(inviter: AgentHost, invitee: AgentHost, numalgo: PeerDidNumalgo): Promise<void> {
  const { invitation, invitationId } = await conn(inviter).createInvitation()
  const inviteeConnection = await conn(invitee).receiveInvitation(invitation, { peerDidNumalgo: numalgo })
  const inviterConnection = await conn(inviter).waitForConnectionFromInvitation(invitationId)
  const inviteeInfo = await conn(invitee).waitForConnectionState(inviteeConnection, 'completed')
  await conn(inviter).waitForConnectionState(inviterConnection, 'completed')
  assert.match(inviteeInfo.myDid ?? '', new RegExp(`^did:peer:${numalgo}`))
  for (const [agent, connection] of [
    [invitee, inviteeConnection],
    [inviter, inviterConnection],
  ] as const) {
    const ping = await msg(agent).sendTrustPing(connection)
    await msg(agent).waitForTrustPingResponse(connection, ping)
  }
}

describe('Credo agent under test', { timeout: 5 * 60_000 }, () => {
  const credo = new CredoHost(CREDO, 'credo-t', SETTINGS)
  const reference = new ReferenceHost(REFERENCE, 'reference-t', SETTINGS)

  before(async () => {
    await Promise.all([credo.start({ runDir: runDir }), reference.start({ runDir: runDir })])
  })

  after(async () => {
    await Promise.allSettled([credo.stop(), reference.stop()])
    rmSync(runDir, { recursive: true, force: true })
  })

  it('runs Credo in a child process of its own that reports ready on a loopback endpoint', async () => {
    const child = credo.agentProcess
    assert.notEqual(child.pid, process.pid)
    assert.ok(pidAlive(child.pid))
    assert.match(child.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.deepEqual(credo.describe(), { id: 'credo@0.5.19', family: 'credo', version: '0.5.19' })
    const log = readFileSync(path.join(runDir, 'logs', 'credo-t.log'), 'utf8')
    assert.match(log, /Credo 0\.5\.19 ready at http:\/\/127\.0\.0\.1:\d+/)
    // Credo masks the wallet key in its config dump; the raw key never appears in the log.
    assert.match(log, /"key":"\[\*\*\*\*\*\]"/)
  })

  it('connects to the reference agent as invitee (did:peer:4) with trust pings both ways', async () => {
    await connectAndPing(reference, credo, 4)
  })

  it('connects to the reference agent as inviter (the reference requests with did:peer:2) with trust pings both ways', async () => {
    await connectAndPing(credo, reference, 2)
  })

  it('fails a pending call and a pending wait at once when the child is killed, naming the exit', async () => {
    const victim = new CredoHost(CREDO, 'credo-victim', SETTINGS)
    await victim.start({ runDir: runDir })
    const pid = victim.agentProcess.pid
    try {
      const wait = msg(victim).waitForTrustPingResponse('no-connection', 'no-ping', { timeoutMs: 60_000 })
      const call = conn(victim).createInvitation()
      const killedAt = Date.now()
      process.kill(pid, 'SIGKILL')
      // The call is the process's own: it names the pid and shows the log tail; the wait is the host's.
      const callNamesTheExit = (e: Error) => {
        assert.match(e.message, /credo-victim" \(pid \d+\) exited with signal SIGKILL/)
        assert.match(e.message, /--- log tail/)
        return true
      }
      const waitNamesTheExit = (e: Error) => {
        assert.match(
          e.message,
          /^agent credo-victim exited with signal SIGKILL \(while waiting for the trust ping response/,
        )
        return true
      }
      await Promise.all([assert.rejects(call, callNamesTheExit), assert.rejects(wait, waitNamesTheExit)])
      assert.equal(victim.driver().failure()?.kind, 'agent-exited')
      assert.ok(Date.now() - killedAt < 2_000, `rejected ${Date.now() - killedAt} ms after the kill`)
      await assert.rejects(
        msg(victim).sendTrustPing('any'),
        /exited with signal SIGKILL: sendTrustPing cannot complete/,
      )
    } finally {
      await victim.stop()
    }
    assert.equal(pidAlive(pid), false)
    assert.deepEqual(processesMentioning(path.join(runDir, 'agents', 'credo-victim')), [])
  })

  it('bounds the start: a child not ready in time is stopped and the error says so', async () => {
    const dataDir = path.join(runDir, 'agents', 'credo-slow')
    await assert.rejects(
      CredoAgentProcess.launch({
        label: 'credo-slow',
        dataDir,
        logFile: path.join(runDir, 'logs', 'credo-slow.log'),
        readyTimeoutMs: 50,
      }),
      (e: Error) => e instanceof CredoLaunchError && /not ready within 50 ms/.test(e.message),
    )
    assert.deepEqual(processesMentioning(dataDir), [])
  })

  it('leaves no Credo process behind once stopped', async () => {
    const pid = credo.agentProcess.pid
    await credo.stop()
    assert.equal(pidAlive(pid), false)
    assert.deepEqual(processesMentioning(runDir), [])
  })
})

describe("the control channel of an agent in a container (loopback TCP, the agent's token first)", () => {
  const connect = (port: number) => net.connect({ host: '127.0.0.1', port })

  it('takes only the connection that opens with the token, and keeps what arrives before a listener', async () => {
    const listener = await listenForAgent('right-token')
    try {
      const stranger = connect(listener.port)
      stranger.write('wrong-token\n')
      await new Promise((resolve) => stranger.once('close', resolve))

      const agent = connect(listener.port)
      agent.write(`right-token\n${JSON.stringify({ kind: 'ready', endpoint: 'http://127.0.0.1:1' })}\n`)
      const link = await listener.connected
      const first = await new Promise((resolve) => link.onMessage(resolve))
      assert.deepEqual(first, { kind: 'ready', endpoint: 'http://127.0.0.1:1' })

      const received = new Promise<string>((resolve) => agent.once('data', (d) => resolve(d.toString())))
      await link.send({ kind: 'request', id: 1, method: 'ping', params: {} })
      assert.deepEqual(JSON.parse(await received), { kind: 'request', id: 1, method: 'ping', params: {} })
      const closed = new Promise((resolve) => agent.once('end', resolve))
      link.close()
      await closed
      agent.destroy()
    } finally {
      listener.close()
    }
  })
})
