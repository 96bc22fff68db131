/**
 * Agents behind an Aries Agent Test Harness backchannel: their ids on the command line, the adapter
 * against a backchannel for the reference agent (test/support/aathBackchannel.ts, a process of its
 * own as AATH runs one), the connection suite through it, and a backchannel that dies mid-run.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AATH_FAMILY, parseAathAgent } from '../backchannels/aath/agentSpec.js'
import { BackchannelClient } from '../backchannels/aath/client.js'
import { AathConnections, connectionStateOf } from '../backchannels/aath/connections.js'
import { AathHost } from '../backchannels/aath/host.js'
import { reservePorts } from '../common/ports.js'
import { agentId, instanceName, parseAgentId } from '../contract/agentId.js'
import type { ScenarioResult } from '../contract/summary.js'
import packageJson from '../package.json' with { type: 'json' }
import { resolveAgent } from '../runner/agents.js'
import { SETTINGS } from './support/agents.js'
import { spawnAathBackchannel, startAathBackchannel, type SpawnedBackchannel } from './support/aathBackchannel.js'
import { assertExit, cli, EXPECTATIONS, readSummary } from './support/cli.js'

const AATH_REASON = /has no messaging capability: the AATH backchannel protocol has no operation/

describe('aath agent ids', () => {
  it('names an agent aath@<name> after the backchannel given as aath:<name>=<url>', () => {
    const ref = parseAathAgent('aath:acapy-main=http://127.0.0.1:9020/')
    assert.deepEqual(ref, { family: AATH_FAMILY, version: 'acapy-main', backchannel: 'http://127.0.0.1:9020' })
    assert.equal(agentId(ref), 'aath@acapy-main')
    assert.deepEqual(parseAgentId(agentId(ref)), { family: 'aath', version: 'acapy-main' })
    assert.equal(instanceName(agentId(ref), 1), 'aath-acapy-main-1')
    assert.deepEqual(resolveAgent(' aath:credo.0-6_x=https://bc.example:8443/base '), {
      family: 'aath',
      version: 'credo.0-6_x',
      backchannel: 'https://bc.example:8443/base',
    })
  })

  it('refuses every other form with one line that says what is expected', () => {
    const cases: Array<[string, RegExp]> = [
      ['aath:acapy-main', /names no backchannel: write aath:<name>=<backchannel URL>/],
      ['aath:acapy-main=', /"" is not a URL/],
      [
        'aath:acapy-main=127.0.0.1:9020',
        /"127\.0\.0\.1:9020" is not a URL; the backchannel is given as http:\/\/host:port/,
      ],
      ['aath:acapy-main=localhost', /is not a URL/],
      ['aath:acapy-main=ftp://h:21', /must be http or https, not ftp:/],
      ['aath:x=http://h:1/?a=b', /takes no query, fragment or credentials/],
      ['aath:=http://h:1', /the name "" must be letters, digits/],
      ['aath:a b=http://h:1', /the name "a b" must be letters, digits/],
      ['aath:a@b=http://h:1', /the name "a@b"/],
      ['aath@acapy-main', /is given as aath:<name>=<backchannel URL>/],
      ['aath', /is given as aath:<name>=<backchannel URL>/],
    ]
    for (const [input, message] of cases) {
      assert.throws(() => resolveAgent(input), message, input)
      assert.throws(
        () => resolveAgent(input),
        (e: Error) => !e.message.includes('\n'),
        `${input}: one line`,
      )
    }
  })

  it('reads the RFC 0023 state names a backchannel reports; "N/A" is no state', () => {
    const cases: Array<[unknown, string | undefined]> = [
      ['start', 'invitation'],
      ['invitation-sent', 'invitation'],
      ['invitation-received', 'invitation'],
      ['request-sent', 'request'],
      ['request-received', 'request'],
      ['response-sent', 'response'],
      ['response-received', 'response'],
      ['completed', 'completed'],
      ['abandoned', 'abandoned'],
      ['N/A', undefined],
      ['active', undefined],
      [undefined, undefined],
    ]
    for (const [state, wanted] of cases) assert.equal(connectionStateOf(state), wanted, String(state))
  })

  it('is bad input on the command line (exit 2), in one line, before anything starts', () => {
    const result = cli(['run', '--agents', 'reference,aath:nourl', '--tags', '@connection'], 120_000)
    assertExit(result, 2)
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1, result.stderr)
    assert.match(lines[0] as string, /^didcomm-conformance: "aath:nourl" names no backchannel/)
  })

  it('stops the run at preflight (exit 3) when no backchannel answers, in one line', async () => {
    const [port] = await reservePorts('127.0.0.1', [{ name: 'closed', port: undefined }])
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aath-preflight-'))
    try {
      const agents = `reference,aath:gone=http://127.0.0.1:${port}`
      const result = cli(['run', '--agents', agents, '--tags', '@connection', '--report-dir', dir], 120_000)
      assertExit(result, 3)
      const problems = result.stderr.split('\n').filter((l) => l.startsWith('didcomm-conformance:'))
      assert.equal(problems.length, 1, result.stderr)
      assert.match(
        problems[0] as string,
        new RegExp(
          `^didcomm-conformance: aath@gone: no AATH backchannel answers at http://127\\.0\\.0\\.1:${port} \\(GET /agent/command/status/: ECONNREFUSED\\)`,
        ),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the AATH adapter against a backchannel', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aath-adapter-'))
  let backchannel: Awaited<ReturnType<typeof startAathBackchannel>> | undefined
  before(async () => {
    backchannel = await startAathBackchannel({ dataDir: path.join(dir, 'backchannel') })
  })
  after(async () => {
    await backchannel?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('offers connections, says why the rest is absent, reports the version and notices the backchannel going away', async () => {
    const url = backchannel?.url as string
    const host = new AathHost(parseAathAgent(`aath:local=${url}`), 'aath-local-1', SETTINGS)
    await host.start({ runDir: dir })
    try {
      const driver = host.driver()
      assert.equal(driver.agentId, 'aath@local')
      assert.ok(driver.has('connections'))
      for (const c of ['messaging', 'didRotate', 'endorsement', 'tenancy', 'store'] as const) {
        assert.ok(!driver.has(c), c)
        assert.match(driver.lacks(c) ?? '', /^the AATH backchannel protocol /, c)
      }
      assert.deepEqual(host.describe(), { id: 'aath@local', family: 'aath', version: packageJson.version })
      assert.equal(await driver.checkHealth(), undefined)
      await backchannel?.close()
      backchannel = undefined
      const failure = await driver.checkHealth()
      assert.equal(failure?.kind, 'agent-unresponsive')
      assert.match(failure?.detail ?? '', /stopped answering \(GET \/agent\/command\/status\/ at .*ECONNREFUSED\)/)
      await assert.rejects(driver.get('connections').createInvitation(), /agent aath-local-1 stopped answering/)
      assert.match(await host.logTail(5), /GET \/agent\/command\/status\/ → no answer: ECONNREFUSED/)
    } finally {
      await host.stop()
    }
  })

  it('bounds a wait on a state by the host ceiling, and says what it awaited and what it last saw', async () => {
    const running = await startAathBackchannel({ dataDir: path.join(dir, 'waits') })
    const client = new BackchannelClient({
      instance: 'aath-waits-1',
      baseUrl: running.url,
      timeoutMs: 5_000,
      gone: () => undefined,
      lost: async () => undefined,
    })
    try {
      const inviter = new AathConnections(client, 400)
      const { invitation, invitationId } = await inviter.createInvitation()
      // The invitee's backchannel holds the invitation; no request is sent, so nothing can complete.
      const received = await client.command('receive', 'out-of-band', 'receive-invitation', { data: invitation })
      const id = String(received.connection_id)
      const began = Date.now()
      await assert.rejects(
        inviter.waitForConnectionState(id, 'completed', { timeoutMs: 60_000 }),
        /timed out after 400 ms waiting for connection .* to reach state completed; last seen: state "invitation-received"/,
      )
      assert.ok(Date.now() - began < 3_000, 'the ceiling bounds the wait, not the step')
      await assert.rejects(
        inviter.waitForConnectionFromInvitation(invitationId, { timeoutMs: 300 }),
        /timed out after 300 ms waiting for a DID Exchange request for invitation .*; last seen: aath-waits-1 could not read the connection of invitation .*: no answer within \d+ ms/,
      )
    } finally {
      client.close()
      await running.close()
    }
  })
})

describe('the connection suite through an AATH backchannel', { timeout: 10 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aath-suite-'))
  const spawned: SpawnedBackchannel[] = []
  after(async () => {
    await Promise.all(spawned.map((b) => b.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  const ofAgent = (scenarios: ScenarioResult[], id: string) =>
    scenarios.filter((s) => Object.values(s.roles).includes(id))

  it('gives the agent behind the backchannel verdicts in both roles; what needs messaging or DID Rotate is untested, with the reason', async () => {
    const backchannel = await spawnAathBackchannel({
      dataDir: path.join(dir, 'backchannel'),
      logFile: path.join(dir, 'backchannel.log'),
    })
    spawned.push(backchannel)
    const reportDir = path.join(dir, 'run')
    const agents = `reference,aath:test=${backchannel.url}`
    const tags = '@connection or @RFC0794'
    const args = ['run', '--agents', agents, '--tags', tags, '--expectations', EXPECTATIONS]
    const result = cli([...args, '--report-dir', reportDir], 8 * 60_000)
    assertExit(result, 0, reportDir)
    const summary = readSummary(reportDir)
    assert.deepEqual(
      summary.agents.find((a) => a.id === 'aath@test'),
      { id: 'aath@test', family: 'aath', version: packageJson.version },
    )
    const aath = ofAgent(summary.scenarios, 'aath@test')
    for (const role of ['inviter', 'invitee']) {
      const inRole = aath.filter((s) => s.roles[role] === 'aath@test')
      assert.ok(inRole.filter((s) => s.status === 'passed').length >= 3, `aath@test as ${role}: passed`)
      assert.ok(
        inRole.some((s) => s.status === 'untested'),
        `aath@test as ${role}: untested`,
      )
    }
    const rotations = aath.filter((s) => s.tags.includes('@RFC0794'))
    assert.ok(rotations.length > 0)
    for (const s of rotations) {
      assert.equal(s.status, 'untested', s.name)
      assert.match(
        s.reason ?? '',
        /has no didRotate capability: the AATH backchannel protocol has no DID Rotate/,
        s.name,
      )
    }
    for (const s of aath.filter((x) => !x.tags.includes('@RFC0794'))) {
      const needsMessaging = s.tags.some((t) => t.startsWith('@needs:messaging'))
      if (needsMessaging) {
        assert.equal(s.status, 'untested', s.name)
        assert.match(s.reason ?? '', AATH_REASON, s.name)
        assert.match(s.reason ?? '', /^aath@test as (inviter|invitee) has no messaging capability/, s.name)
      } else {
        assert.equal(s.status, 'passed', `${s.name} ${JSON.stringify(s.roles)}: ${s.error ?? ''}`)
      }
    }
    // Neither side of the handshake is left to the backchannel's word alone: the reference agent saw it.
    assert.ok(aath.some((s) => s.name.includes('did:peer:2') && s.roles.invitee === 'aath@test'))
    assert.match(result.stderr, /│ aath@test\s+│ inviter\s+│\s+\d+ │\s+0 │/)
    assert.match(result.stderr, /│ aath@test\s+│ invitee\s+│\s+\d+ │\s+0 │/)
    assert.ok(existsSync(path.join(reportDir, 'implementation-report-aath_test.md')))
    const log = readFileSync(path.join(reportDir, 'logs', 'aath-test-1.log'), 'utf8')
    for (const route of [
      'POST /agent/command/out-of-band/send-invitation-message/',
      'POST /agent/command/out-of-band/receive-invitation/',
      'POST /agent/command/did-exchange/send-request/',
      'GET /agent/response/did-exchange/',
      'POST /agent/command/did-exchange/send-response/',
      'GET /agent/command/did-exchange/',
    ]) {
      assert.ok(log.includes(route), `the adapter used ${route}`)
    }
  })

  it('reports a backchannel that dies mid-run as gone, and runs nothing more on it', async () => {
    const backchannel = await spawnAathBackchannel({
      dataDir: path.join(dir, 'dying'),
      logFile: path.join(dir, 'dying.log'),
      // The second DID Exchange request: the agent's first scenario as invitee has passed by then.
      dieAt: 'did-exchange/send-request:2',
    })
    spawned.push(backchannel)
    const reportDir = path.join(dir, 'dies')
    const began = Date.now()
    const agents = `reference,aath:dying=${backchannel.url}`
    const result = cli(['run', '--agents', agents, '--tags', '@connection', '--report-dir', reportDir], 8 * 60_000)
    assertExit(result, 1, reportDir)
    assert.equal(await backchannel.exited, 'signal SIGKILL')
    const summary = readSummary(reportDir)
    assert.equal(summary.interrupted, undefined)
    const aath = ofAgent(summary.scenarios, 'aath@dying')
    const failed = aath.filter((s) => s.status === 'failed')
    assert.equal(failed.length, 1, JSON.stringify(failed.map((s) => s.name)))
    const died = failed[0] as ScenarioResult
    assert.equal(died.failure?.kind, 'agent-unresponsive')
    assert.equal(died.failure?.agent, 'aath-dying-1')
    assert.match(
      died.failure?.detail ?? '',
      /stopped answering \("send the DID Exchange request" got .*; GET \/agent\/command\/status\/ at .*ECONNREFUSED\)/,
    )
    // Seen at once from the refused connection, not after a wait ran out.
    assert.ok(died.durationMs < 5_000, `the failure took ${died.durationMs} ms`)
    const after = aath.slice(aath.indexOf(died) + 1)
    assert.ok(after.length > 0)
    for (const s of after) {
      assert.equal(s.status, 'untested', s.name)
      assert.match(s.reason ?? '', /^not run: agent aath-dying-1 stopped answering .* earlier in the run/, s.name)
    }
    assert.ok(
      aath.slice(0, aath.indexOf(died)).some((s) => s.status === 'passed'),
      'it worked before it died',
    )
    // The reference agent's own scenarios are not touched by it.
    const referenceId = `reference@${packageJson.version}`
    const reference = summary.scenarios.filter((s) => Object.values(s.roles).every((a) => a === referenceId))
    assert.ok(reference.length > 0 && reference.every((s) => s.status === 'passed'))
    assert.ok(Date.now() - began < 5 * 60_000, 'the run finished by itself')
  })
})
