import { benchAcapyStart } from './acapy.js'
import { benchConformance } from './conformance.js'
import { benchEnvelope } from './envelope.js'
import { benchStore } from './store.js'
import { benchTrustPing } from './trustPing.js'

/** Prints the figures the targets are stated in; the targets are reported, not enforced. */
const envelope = await benchEnvelope(3000)
console.log(
  `envelope authcrypt pack+unpack (one core): ${envelope.packUnpackPerSecond}/s over ${envelope.iterations} round trips (target >= 3000/s)`,
)
const ping = await benchTrustPing(500)
console.log(
  `trust ping round trip over loopback HTTP: p50 ${ping.p50Ms} ms, p99 ${ping.p99Ms} ms over ${ping.rounds} pings (target p50 <= 5 ms)`,
)
const store = await benchStore(1000)
console.log(
  `store of ${store.connections} connections (${store.items} items, ${store.keys} keys): inspect ${store.inspectMs} ms, ` +
    `migrate ${store.migrateMs} ms (${store.operations} operations, one transaction), peak RSS ${store.peakRssMiB} MiB`,
)
const acapy = await benchAcapyStart(3)
console.log(`ACA-Py start-to-ready: ${acapy.join(', ')} ms over ${acapy.length} launches (target <= 5000 ms)`)

const agents = 'reference,acapy,credo'
const tags = '@connection or @RFC0794'
const run = benchConformance(agents, tags)
const speedUp = (run.serialMs / run.parallelMs).toFixed(1)
console.log(
  `conformance --agents ${agents} --tags "${tags}": ${(run.serialMs / 1000).toFixed(1)} s in one process (fixed 10 s waits), ` +
    `${(run.parallelMs / 1000).toFixed(1)} s with the default workers and calibrated waits: ${speedUp}x ` +
    `(target: under 40 s, at least 3x), verdicts ${run.sameVerdicts ? 'identical' : 'DIFFERENT'}`,
)
console.log(
  `time to verdict of an expected failure: p50 ${run.expectedFailure.p50} ms, p95 ${run.expectedFailure.p95} ms over ${run.expectedFailure.count} (target p50 < 2000 ms)`,
)
for (const [agent, ms] of Object.entries(run.passingByAgent)) {
  console.log(`time to verdict of a passing scenario with ${agent}: p50 ${ms} ms`)
}
