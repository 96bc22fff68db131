import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ReferenceHost } from '../backchannels/reference/host.js'

const WARM_UP = 50

/**
 * Trust ping round trips between two reference agents over loopback HTTP: ping sent, response
 * received and processed. Each round trip is four envelope operations and two HTTP posts.
 */
export async function benchTrustPing(rounds = 500): Promise<{ p50Ms: number; p99Ms: number; rounds: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ping-'))
  const inviter = new ReferenceHost({ family: 'reference', version: 'bench' }, 'bench-inviter', {
    timeoutMs: 10_000,
    calibrate: false,
  })
  const invitee = new ReferenceHost({ family: 'reference', version: 'bench' }, 'bench-invitee', {
    timeoutMs: 10_000,
    calibrate: false,
  })
  try {
    await Promise.all([inviter.start({ runDir: dir }), invitee.start({ runDir: dir })])
    const { invitation, invitationId } = await inviter.driver().get('connections').createInvitation()
    const connectionId = await invitee.driver().get('connections').receiveInvitation(invitation)
    await invitee.driver().get('connections').waitForConnectionState(connectionId, 'completed')
    await inviter.driver().get('connections').waitForConnectionFromInvitation(invitationId)
    const samples: number[] = []
    for (let i = 0; i < WARM_UP + rounds; i++) {
      const start = performance.now()
      const pingId = await invitee.driver().get('messaging').sendTrustPing(connectionId)
      await invitee.driver().get('messaging').waitForTrustPingResponse(connectionId, pingId)
      if (i >= WARM_UP) samples.push(performance.now() - start)
    }
    samples.sort((a, b) => a - b)
    const at = (q: number) =>
      Number((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0).toFixed(2))
    return { p50Ms: at(0.5), p99Ms: at(0.99), rounds }
  } finally {
    await Promise.allSettled([inviter.stop(), invitee.stop()])
    rmSync(dir, { recursive: true, force: true })
  }
}
