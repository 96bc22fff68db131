/**
 * Waits bounded by what the run observes: the calibrated bound stands on an idle machine, and is
 * extended, never past the step's ceiling, while the machine is busy and the run's own processes
 * are at work; another run's load alone does not extend it.
 */
import { spawn } from 'node:child_process'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { WaitCalibration, type LoadProbe } from '../common/calibration.js'
import { EventLog } from '../common/eventLog.js'
import { ownCpuSample, processStat, type CpuSample } from '../common/machineLoad.js'
import { pollUntil, WaitTimeoutError } from '../common/waitFor.js'

/** CPU counters that advance by `share` busy per 100 ticks at each read. */
function machine(share: number): () => CpuSample {
  let busy = 0
  let total = 0
  return () => {
    busy += share * 100
    total += 100
    return { busy, total }
  }
}

/** The machine busy by `share`, this run's processes using `own` cores. */
function probe(share: number, own = 0.5): LoadProbe {
  return { machine: machine(share), own: machine(own) }
}

function calibrated(share: number, own?: number): WaitCalibration {
  const calibration = new WaitCalibration(20, 10, 8, probe(share, own))
  for (let i = 0; i < 8; i++) calibration.observe(1)
  return calibration
}

async function timeout(log: EventLog<string>, ceilingMs: number): Promise<{ ms: number; message: string }> {
  const began = Date.now()
  const error = await log
    .waitFor({ pick: (e) => (e === 'never' ? e : undefined), timeoutMs: ceilingMs, awaited: 'never' })
    .then(() => assert.fail('nothing was to arrive'))
    .catch((e: unknown) => e)
  assert.ok(error instanceof WaitTimeoutError)
  return { ms: Date.now() - began, message: error.message }
}

describe('wait calibration', () => {
  it('bounds a wait by ten times the p95 of observed round trips, within the floor and the ceiling', () => {
    const calibration = new WaitCalibration(2_000, 10, 8, probe(0))
    assert.equal(calibration.bound(10_000), 10_000, 'too few round trips seen: the ceiling')
    for (let i = 0; i < 8; i++) calibration.observe(50)
    assert.equal(calibration.bound(10_000), 2_000, 'the floor')
    for (let i = 0; i < 100; i++) calibration.observe(500)
    assert.equal(calibration.bound(10_000), 5_000)
    for (let i = 0; i < 200; i++) calibration.observe(3_000)
    assert.equal(calibration.bound(10_000), 10_000, 'never past the ceiling')
  })

  it('bounds an agent seen too little yet by what the run saw of the others', () => {
    const run = new WaitCalibration(2_000, 10, 8, probe(0))
    const seen = new WaitCalibration(2_000, 10, 8, probe(0))
    const fresh = new WaitCalibration(2_000, 10, 8, probe(0))
    seen.fallback = run
    fresh.fallback = run
    assert.equal(fresh.bound(10_000), 10_000, 'nothing seen anywhere: the ceiling')
    for (let i = 0; i < 8; i++) seen.observe(300)
    assert.equal(fresh.bound(10_000), 3_000)
    assert.match(fresh.describe(), /the run's other agents: p95 300 ms over 8/)
    for (let i = 0; i < 8; i++) fresh.observe(400)
    assert.equal(fresh.bound(10_000), 4_000, 'its own, once it has enough')
  })

  it('keeps the calibrated bound when the machine was idle', async () => {
    const log = new EventLog<string>((e) => e)
    log.calibration = calibrated(0.05)
    const { ms, message } = await timeout(log, 2_000)
    assert.ok(ms < 1_000, `ended after ${ms} ms`)
    assert.doesNotMatch(message, /extended/)
  })

  it('extends the bound while the machine is busy, up to the ceiling, and says so', async () => {
    const log = new EventLog<string>((e) => e)
    log.calibration = calibrated(0.9)
    const { ms, message } = await timeout(log, 300)
    assert.ok(ms >= 300, `ended after ${ms} ms, before the ceiling`)
    assert.match(message, /extended \d+× while the machine was busy/)
  })

  it('keeps the calibrated bound while the machine is busy with work not its own', async () => {
    const log = new EventLog<string>((e) => e)
    log.calibration = calibrated(0.95, 0.02)
    const { ms, message } = await timeout(log, 2_000)
    assert.ok(ms < 1_000, `ended after ${ms} ms`)
    assert.doesNotMatch(message, /extended/)
  })

  it('delivers what arrives during an extension', async () => {
    const log = new EventLog<string>((e) => e)
    const busy = machine(0.9)
    let reads = 0
    // The event comes once the calibrated bound has passed: at the first look at the load, after the one at the start.
    const load = () => {
      if (++reads === 2) queueMicrotask(() => log.push('late'))
      return busy()
    }
    const calibration = new WaitCalibration(20, 10, 8, { machine: load, own: machine(0.5) })
    for (let i = 0; i < 8; i++) calibration.observe(1)
    log.calibration = calibration
    const got = log.waitFor({ pick: (e) => (e === 'late' ? e : undefined), timeoutMs: 2_000, awaited: 'late' })
    assert.equal(await got, 'late')
    assert.ok(reads >= 2, 'the event came only after the calibrated bound')
  })
})

describe('own load', () => {
  it('counts the CPU time of this process and its children', async () => {
    const from = ownCpuSample()
    assert.ok(from, 'readable on Linux')
    const child = spawn(process.execPath, ['-e', 'for (;;);'])
    try {
      // Until the child has spent 0.3 s of CPU, as its own /proc entry says: that time is this run's.
      await pollUntil({
        probe: async () => ((processStat(child.pid ?? -1)?.cpuTicks ?? 0) >= 30 ? true : undefined),
        timeoutMs: 10_000,
        awaited: 'the child to spend 0.3 s of CPU',
      })
      const to = ownCpuSample()
      assert.ok(to)
      assert.ok(to.busy - from.busy >= 30, `${to.busy - from.busy} ticks counted`)
    } finally {
      child.kill()
    }
  })
})
