import { benchAcapyStart } from './acapy.js'
import { benchEnvelope } from './envelope.js'
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
const acapy = await benchAcapyStart(3)
console.log(`ACA-Py start-to-ready: ${acapy.join(', ')} ms over ${acapy.length} launches (target <= 5000 ms)`)
