/**
 * Agents in containers: the launch choice, the image built here from the same pins as the venv, and the
 * connection suite with ACA-Py 1.7.0 as a container giving the verdicts it gives as a process, with no
 * container (and no engine of the harness's own) left behind.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import Docker from 'dockerode'
import { containerOf, launchOf, needsEngine, parseLaunch } from '../runner/launch.js'
import { OWNER_LABEL } from '../common/docker/engine.js'
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

describe('ACA-Py 1.7.0 as a container', { skip, timeout: 20 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'docker-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const enginesBefore = dockerdProcesses()

  it('has its image built from the same pins (cached on a second build)', () => {
    const first = cli(['images', 'build', 'acapy@1.7.0'], 15 * 60_000)
    assertExit(first, 0)
    assert.match(first.stderr, /acapy@1\.7\.0: (built|cached) in/)
    const second = cli(['images', 'build', 'acapy@1.7.0'], 120_000)
    assertExit(second, 0)
    assert.match(second.stderr, /didcomm-conformance\/acapy:1\.7\.0 is current/)
  })

  it('gets the same verdicts in the connection suite as the same agent run as a process', async () => {
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

    // Nothing outlives the run: no container of the harness on the engine, and no engine the run started.
    if (process.env.DOCKER_HOST) {
      const docker = new Docker({ socketPath: process.env.DOCKER_HOST.replace(/^unix:\/\//, '') })
      assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } }), [])
    }
    assert.deepEqual(dockerdProcesses(), enginesBefore)
  })

  it('says in one line, exit 3, when the image is missing', () => {
    const args = ['run', '--agents', 'reference,acapy@1.7.0', '--acapy-image', 'didcomm-conformance/missing:0']
    const result = cli([...args, '--tags', '@connection', '--report-dir', path.join(dir, 'missing')], 120_000)
    assertExit(result, 3)
    assert.match(result.stderr, /image didcomm-conformance\/missing:0 is not in the Docker engine/)
  })
})
