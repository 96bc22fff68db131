import type { Command } from 'commander'
import { buildAcapyImage } from '../../agents/acapy/image.js'
import { ACAPY_VERSIONS, type AcapyVersion } from '../../agents/acapy/versions.js'
import { buildIndyPoolImage } from '../../agents/indy-pool/image.js'
import { connectEngine, DockerUnavailableError, ensureDockerInstalled } from '../../common/docker/engine.js'
import { ImageBuildError } from '../../common/docker/images.js'
import { agentId } from '../../contract/agentId.js'
import { resolveAgent } from '../agents.js'

/** Exit codes of `images` (documented in the README). */
const EXIT = { failed: 1, usage: 2, unavailable: 3 } as const

/** The Indy pool's nodes, beside the agents. */
export const INDY_POOL_ID = 'indy-pool'
/** What the harness builds images of: agents by id, and the pool. */
const BUILDABLE = [...ACAPY_VERSIONS.map((version) => agentId({ family: 'acapy', version })), INDY_POOL_ID]

/** `images build [ids]`: the container images of the agents the harness installs, for `run --launch docker`. */
export function registerImagesCommand(program: Command): void {
  const images = program.command('images').description('container images of the agents, for `run --launch docker`')
  images
    .command('build')
    .description(`build the images of these agents or the pool (default: ${BUILDABLE.join(', ')}); cached by recipe`)
    .argument('[ids...]', `agent ids (family[@version]), or ${INDY_POOL_ID}`)
    .option('--rebuild', 'build even when the engine holds an image of the same recipe')
    .action(async (ids: string[], opts: { rebuild?: boolean }) => {
      let versions: AcapyVersion[]
      const wanted = ids.length > 0 ? ids : BUILDABLE
      const pool = wanted.includes(INDY_POOL_ID)
      try {
        versions = wanted
          .filter((text) => text !== INDY_POOL_ID)
          .map((text) => {
            const ref = resolveAgent(text)
            if (ref.family !== 'acapy' || ref.variant) {
              throw new Error(`no image recipe for ${agentId(ref)} (images are built for ${BUILDABLE.join(', ')})`)
            }
            return ref.version as AcapyVersion
          })
      } catch (e) {
        console.error(`didcomm-conformance: ${(e as Error).message}`)
        process.exitCode = EXIT.usage
        return
      }
      const log = (msg: string) => console.error(msg)
      let engine
      try {
        await ensureDockerInstalled(log)
        engine = await connectEngine(log)
      } catch (e) {
        console.error(`didcomm-conformance: ${(e as Error).message}`)
        process.exitCode = EXIT.unavailable
        return
      }
      const { docker } = engine
      const builds = [
        ...[...new Set(versions)].map((version) => ({
          id: `acapy@${version}`,
          build: () => buildAcapyImage(docker, version, { rebuild: opts.rebuild, log }),
        })),
        ...(pool
          ? [{ id: INDY_POOL_ID, build: () => buildIndyPoolImage(docker, { rebuild: opts.rebuild, log }) }]
          : []),
      ]
      try {
        for (const { id, build } of builds) {
          const began = Date.now()
          const result = await build()
          log(`[images] ${id}: ${result} in ${((Date.now() - began) / 1000).toFixed(1)} s`)
        }
      } catch (e) {
        if (!(e instanceof ImageBuildError || e instanceof DockerUnavailableError)) throw e
        console.error(`didcomm-conformance: ${e.message}`)
        process.exitCode = EXIT.failed
      } finally {
        await engine.stop()
      }
    })
}
