/**
 * Waits bounded by what the run observes: the calibrated bound stands on an idle machine, and is
 * extended, never past the step's ceiling, while the machine is busy.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { WaitCalibration } from '../common/calibration.js'
import { EventLog } from '../common/eventLog.js'
import type { CpuSample } from '../common/machineLoad.js'
import { WaitTimeoutError } from '../common/waitFor.js'

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

function calibrated(share: number): WaitCalibration {
  const calibration = new WaitCalibration(20, 10, 8, machine(share))
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
    const calibration = new WaitCalibration(2_000, 10, 8, machine(0))
    assert.equal(calibration.bound(10_000), 10_000, 'too few round trips seen: the ceiling')
    for (let i = 0; i < 8; i++) calibration.observe(50)
    assert.equal(calibration.bound(10_000), 2_000, 'the floor')
    for (let i = 0; i < 100; i++) calibration.observe(500)
    assert.equal(calibration.bound(10_000), 5_000)
    for (let i = 0; i < 200; i++) calibration.observe(3_000)
    assert.equal(calibration.bound(10_000), 10_000, 'never past the ceiling')
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

  it('delivers what arrives during an extension', async () => {
    const log = new EventLog<string>((e) => e)
    const busy = machine(0.9)
    let reads = 0
    // The event comes once the calibrated bound has passed: at the first look at the load, after the one at the start.
    const load = () => {
      if (++reads === 2) queueMicrotask(() => log.push('late'))
      return busy()
    }
    const calibration = new WaitCalibration(20, 10, 8, load)
    for (let i = 0; i < 8; i++) calibration.observe(1)
    log.calibration = calibration
    const got = log.waitFor({ pick: (e) => (e === 'late' ? e : undefined), timeoutMs: 2_000, awaited: 'late' })
    assert.equal(await got, 'late')
    assert.ok(reads >= 2, 'the event came only after the calibrated bound')
  })
})
