import { benchAcapyStart } from './acapy.js'
import { acapyImageTag } from '../agents/acapy/image.js'
import { connectEngine } from '../common/docker/engine.js'
import { containerProblem, parseLaunch } from '../runner/launch.js'
import { benchConformance } from './conformance.js'
import { benchEnvelope } from './envelope.js'
import { benchRevocation } from './revocation.js'
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
const noContainer = await containerProblem({ family: 'acapy', version: '1.7.0' }, parseLaunch('docker'))
if (noContainer) {
  console.log(`ACA-Py 1.7.0 as a container: not measured (${noContainer})`)
} else {
  const asProcess = await benchAcapyStart(3, { version: '1.7.0' })
  const inContainer = await benchAcapyStart(3, { version: '1.7.0', container: { image: acapyImageTag('1.7.0') } })
  console.log(
    `ACA-Py 1.7.0 start-to-ready as a process: ${asProcess.join(', ')} ms; as a container: ${inContainer.join(', ')} ms`,
  )
}
await (await connectEngine().catch(() => undefined))?.stop()

const agents = 'reference,acapy,credo'
const tags = '@connection or @RFC0794'
const run = benchConformance(agents, tags)
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const times = (ms: number) => `${(ms / run.parallelMs).toFixed(1)}x`
console.log(
  `conformance --agents ${agents} --tags "${tags}": ${seconds(run.parallelMs)} with the default workers and ` +
    `calibrated waits (target: under 40 s); one process: ${seconds(run.serialCalibratedMs)} calibrated ` +
    `(${times(run.serialCalibratedMs)}, target at least 3x), ${seconds(run.serialMs)} with fixed 10 s waits ` +
    `(${times(run.serialMs)}); verdicts ${run.sameVerdicts ? 'identical' : 'DIFFERENT'}`,
)
console.log(
  `time to verdict of an expected failure: p50 ${run.expectedFailure.p50} ms, p95 ${run.expectedFailure.p95} ms over ${run.expectedFailure.count} (target p50 < 2000 ms)`,
)
for (const [agent, ms] of Object.entries(run.passingByAgent)) {
  console.log(`time to verdict of a passing scenario with ${agent}: p50 ${ms} ms`)
}

if (process.getuid?.() === 0) {
  for (const [author, named] of Object.entries(benchRevocation(['0.12.8', '1.7.0']))) {
    for (const [name, m] of Object.entries(named)) {
      console.log(`revocation, ${author} as author: ${name}: p50 ${m.p50} ms over ${m.count}`)
    }
  }
} else {
  console.log('revocation: not measured (the Indy pool needs root)')
}
