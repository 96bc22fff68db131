/**
 * Agents in containers: the launch choice, the images built here from the same pins as the processes, the
 * connection suite with ACA-Py 1.7.0 and Credo 0.5.19 as containers giving the verdicts they get as
 * processes, and the Indy pool as containers under an endorsement scenario, with no container (and no
 * engine of the harness's own) left behind.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import Docker from 'dockerode'
import { containerOf, launchOf, needsEngine, parseLaunch, poolLaunchOf } from '../runner/launch.js'
import { indyPoolCacheDir } from '../agents/indy-pool/root.js'
import { OWNER_LABEL, ownerOf } from '../common/docker/engine.js'
import type { Summary } from '../contract/summary.js'
import { assertExit, cli, cliAsync, EXPECTATIONS, readSummary } from './support/cli.js'

const acapy = { family: 'acapy', version: '1.7.0' }
const credo = { family: 'credo', version: '0.6.3' }
const reference = { family: 'reference', version: '0.1.0' }

describe('the launch choice', () => {
  it('is a process unless --launch says otherwise, and the reference agent is never launched', () => {
    const all = parseLaunch('docker')
    assert.equal(launchOf(acapy, parseLaunch('process')), 'process')
    assert.equal(launchOf(acapy, all), 'docker')
    assert.equal(launchOf(reference, all), 'process')
    assert.equal(needsEngine([reference], all), false)
  })

  it('can name agents by id or family; an id wins over its family', () => {
    const choice = parseLaunch('acapy=docker,acapy@0.12.8=process,credo@0.6.3=process')
    assert.equal(launchOf(acapy, choice), 'docker')
    assert.equal(launchOf({ family: 'acapy', version: '0.12.8' }, choice), 'process')
    assert.equal(launchOf({ ...acapy, variant: 'tenant' }, choice), 'docker')
    assert.equal(launchOf(credo, choice), 'process')
  })

  it("runs ACA-Py from the user's image when one is given, from ours otherwise", () => {
    assert.deepEqual(containerOf(acapy, parseLaunch('process', 'example/acapy:1')), { image: 'example/acapy:1' })
    assert.deepEqual(containerOf(acapy, parseLaunch('docker')), { image: 'didcomm-conformance/acapy:1.7.0' })
    assert.equal(containerOf(acapy, parseLaunch('process')), undefined)
  })

  it('names the Indy pool indy-pool, which follows the default unless named', () => {
    assert.equal(poolLaunchOf(parseLaunch('process')), 'process')
    assert.equal(poolLaunchOf(parseLaunch('docker')), 'docker')
    assert.equal(poolLaunchOf(parseLaunch('indy-pool=docker')), 'docker')
    assert.equal(poolLaunchOf(parseLaunch('docker,indy-pool=process')), 'process')
    assert.equal(launchOf(acapy, parseLaunch('indy-pool=docker')), 'process')
  })

  it('refuses what is no launch mode, in one line', () => {
    assert.throws(() => parseLaunch('podman'), /"podman" is not a launch mode \(process or docker\)/)
    assert.throws(() => parseLaunch('acapy=vm'), /--launch acapy: "vm" is not a launch mode/)
  })

  it('is bad input (exit 2) on the command line', () => {
    const result = cli(['run', '--agents', 'reference,acapy@1.7.0', '--launch', 'podman', '--tags', '@connection'])
    assertExit(result, 2)
    assert.match(result.stderr, /"podman" is not a launch mode/)
  })

  it('says in one line, exit 3, when the engine does not answer', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'launch-test-'))
    try {
      const args = ['run', '--agents', 'reference,acapy@1.7.0', '--launch', 'docker', '--tags', '@connection']
      const result = cli([...args, '--report-dir', dir], 60_000, { DOCKER_HOST: `unix://${dir}/none.sock` })
      assertExit(result, 3)
      assert.match(result.stderr, /the Docker engine at DOCKER_HOST=unix:\/\/.*none\.sock does not answer/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

// debootstrap, chroot and dockerd need root; CI runs as root, with an engine of its own.
const skip = process.getuid?.() === 0 ? false : 'building images and starting dockerd need root'

/** Status per scenario and role assignment. */
const verdicts = (summary: Summary): string[] =>
  summary.scenarios
    .map((s) => `${s.name} ${JSON.stringify(s.roles)}: ${s.status}${s.expected ? ' (expected)' : ''}`)
    .sort()

/** Nothing outlives a run: no container of the harness on the engine, and no engine the run started. */
async function assertNothingLeft(enginesBefore: string[]): Promise<void> {
  const docker = ciEngine()
  if (docker) assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } }), [])
  assert.deepEqual(dockerdProcesses(), enginesBefore)
}

/** The engine CI starts for the tests (DOCKER_HOST); undefined where each command starts its own. */
const ciEngine = (): Docker | undefined =>
  process.env.DOCKER_HOST ? new Docker({ socketPath: process.env.DOCKER_HOST.replace(/^unix:\/\//, '') }) : undefined

/** Running dockerd processes (a zombie, left for a PID 1 that does not reap, runs nothing). */
function dockerdProcesses(): string[] {
  try {
    const ps = execFileSync('ps', ['-C', 'dockerd', '-o', 'pid=,stat='], { encoding: 'utf8' })
    return ps
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, stat]) => pid && !stat?.startsWith('Z'))
      .map(([pid]) => pid as string)
  } catch {
    return []
  }
}

describe('ACA-Py 1.7.0 and Credo 0.5.19 as containers', { skip, timeout: 20 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'docker-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const enginesBefore = dockerdProcesses()

  it('have their images built from the same pins (cached on a second build)', () => {
    const first = cli(['images', 'build', 'acapy@1.7.0', 'credo@0.5.19'], 15 * 60_000)
    assertExit(first, 0)
    assert.match(first.stderr, /acapy@1\.7\.0: (built|cached) in/)
    assert.match(first.stderr, /credo@0\.5\.19: (built|cached) in/)
    const second = cli(['images', 'build', 'acapy@1.7.0', 'credo@0.5.19'], 120_000)
    assertExit(second, 0)
    assert.match(second.stderr, /didcomm-conformance\/acapy:1\.7\.0 is current/)
    assert.match(second.stderr, /didcomm-conformance\/credo:0\.5\.19 is current/)
  })

  it('gives ACA-Py the verdicts of the connection suite it gets as a process', async () => {
    const base = ['run', '--agents', 'reference,acapy@1.7.0', '--tags', '@connection', '--expectations', EXPECTATIONS]
    const asProcess = path.join(dir, 'process')
    const asContainer = path.join(dir, 'container')
    // Side by side: each run has agents, ports and a report directory of its own.
    const [process_, container] = await Promise.all([
      cliAsync([...base, '--report-dir', asProcess]),
      cliAsync([...base, '--launch', 'docker', '--report-dir', asContainer]),
    ])
    assertExit(process_, 0, asProcess)
    assertExit(container, 0, asContainer)
    const inContainer = readSummary(asContainer)
    assert.ok(
      inContainer.scenarios.some((s) => s.status === 'passed' && Object.values(s.roles).includes('acapy@1.7.0')),
    )
    assert.deepEqual(verdicts(inContainer), verdicts(readSummary(asProcess)))
    await assertNothingLeft(enginesBefore)
  })

  it('gives Credo in a container only the verdicts its process is known for, in both roles', async () => {
    const report = path.join(dir, 'credo')
    const args = ['run', '--agents', 'reference,credo@0.5.19', '--launch', 'docker', '--tags', '@connection']
    const result = await cliAsync([...args, '--expectations', EXPECTATIONS, '--report-dir', report])
    // Exit 0 under the expectations: every failure is one the process is known to have.
    assertExit(result, 0, report)
    const summary = readSummary(report)
    for (const role of ['inviter', 'invitee']) {
      const passes = summary.scenarios.some((s) => s.status === 'passed' && s.roles[role] === 'credo@0.5.19')
      assert.ok(passes, `credo@0.5.19 passed nothing as the ${role} in a container`)
    }
    assert.ok(
      summary.scenarios.every((s) => s.status === 'passed' || s.expected),
      verdicts(summary).join('\n'),
    )
    await assertNothingLeft(enginesBefore)
  })

  it('says in one line, exit 3, when the image is missing', () => {
    const args = ['run', '--agents', 'reference,acapy@1.7.0', '--acapy-image', 'didcomm-conformance/missing:0']
    const result = cli([...args, '--tags', '@connection', '--report-dir', path.join(dir, 'missing')], 120_000)
    assertExit(result, 3)
    assert.match(result.stderr, /image didcomm-conformance\/missing:0 is not in the Docker engine/)
  })
})

describe('the Indy pool as containers', { skip, timeout: 20 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'docker-pool-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const enginesBefore = dockerdProcesses()
  const pools = path.join(indyPoolCacheDir(), 'pools')

  it('has its image made from the provisioned root (cached on a second build)', () => {
    const first = cli(['images', 'build', 'indy-pool'], 15 * 60_000)
    assertExit(first, 0)
    assert.match(first.stderr, /indy-pool: (built|cached) in/)
    const second = cli(['images', 'build', 'indy-pool'], 120_000)
    assertExit(second, 0)
    assert.match(second.stderr, /didcomm-conformance\/indy-pool:1\.13\.2 is current/)
  })

  it('carries a run whose ledger writes are read back, with ACA-Py 1.7.0 a container too, and leaves nothing', async () => {
    // What a harness killed outright leaves on an engine that outlives it: the next run removes it.
    const docker = ciEngine()
    const leftover = await docker?.createContainer({
      Image: 'didcomm-conformance/indy-pool:1.13.2',
      Cmd: ['sleep', '600'],
      Labels: { [OWNER_LABEL]: ownerOf(2 ** 22 + 1) },
    })
    await leftover?.start()
    const report = path.join(dir, 'endorsement')
    const args = ['run', '--agents', 'reference,acapy@1.7.0', '--launch', 'docker', '--tags', '@TXN-01']
    const result = await cliAsync([...args, '--expectations', EXPECTATIONS, '--report-dir', report])
    assertExit(result, 0, report)
    assert.match(result.stderr, /Indy pool ready in/)
    const summary = readSummary(report)
    const passed = summary.scenarios.filter((s) => s.status === 'passed')
    // ACA-Py as the author, whose endorsed write is read back from the pool, among them.
    assert.ok(
      passed.some((s) => s.roles.author === 'acapy@1.7.0'),
      verdicts(summary).join('\n'),
    )
    assert.equal(passed.length, summary.scenarios.length, verdicts(summary).join('\n'))

    if (docker) {
      assert.match(
        result.stderr,
        /removing container \w+ \(didcomm-conformance\/indy-pool:1\.13\.2\) left by a harness/,
      )
    }
    await assertNothingLeft(enginesBefore)
    // The run's ledger goes with its pool.
    const left = existsSync(pools) ? readdirSync(pools).filter((name) => name.startsWith('run-')) : []
    assert.deepEqual(left, [])
  })
})
