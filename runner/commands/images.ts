import type { Command } from 'commander'
import type Docker from 'dockerode'
import { buildAcapyImage } from '../../agents/acapy/image.js'
import { ACAPY_VERSIONS } from '../../agents/acapy/versions.js'
import { buildCredoImage } from '../../agents/credo/image.js'
import { CREDO_VERSIONS } from '../../agents/credo/versions.js'
import { buildIndyPoolImage } from '../../agents/indy-pool/image.js'
import { connectEngine, DockerUnavailableError, ensureDockerInstalled } from '../../common/docker/engine.js'
import { ImageBuildError } from '../../common/docker/images.js'
import { agentId } from '../../contract/agentId.js'
import { resolveAgent } from '../agents.js'
import { POOL_LAUNCH_NAME } from '../launch.js'

/** Exit codes of `images` (documented in the README). */
const EXIT = { failed: 1, usage: 2, unavailable: 3 } as const

type Build = (docker: Docker, opts: { rebuild?: boolean; log: (msg: string) => void }) => Promise<'built' | 'cached'>

/** What the harness builds images of: the agents it installs, by id, and the Indy pool. */
const BUILDS: Record<string, Build> = {
  ...Object.fromEntries(
    ACAPY_VERSIONS.map((version) => [agentId({ family: 'acapy', version }), (d, o) => buildAcapyImage(d, version, o)]),
  ),
  ...Object.fromEntries(
    CREDO_VERSIONS.map((version) => [agentId({ family: 'credo', version }), (d, o) => buildCredoImage(d, version, o)]),
  ),
  [POOL_LAUNCH_NAME]: buildIndyPoolImage,
}
const BUILDABLE = Object.keys(BUILDS)

/** The image id an argument names (a bare family is its newest version); throws with one line. */
function imageId(text: string): string {
  if (text === POOL_LAUNCH_NAME) return text
  const ref = resolveAgent(text)
  const id = agentId(ref)
  if (ref.variant || !BUILDS[id])
    throw new Error(`no image recipe for ${id} (images are built for ${BUILDABLE.join(', ')})`)
  return id
}

/** `images build [ids]`: the container images of the agents the harness installs, for `run --launch docker`. */
export function registerImagesCommand(program: Command): void {
  const images = program.command('images').description('container images of the agents, for `run --launch docker`')
  images
    .command('build')
    .description(`build the images of these agents or the pool (default: ${BUILDABLE.join(', ')}); cached by recipe`)
    .argument('[ids...]', `agent ids (family[@version]), or ${POOL_LAUNCH_NAME}`)
    .option('--rebuild', 'build even when the engine holds an image of the same recipe')
    .action(async (ids: string[], opts: { rebuild?: boolean }) => {
      let wanted: string[]
      try {
        wanted = [...new Set((ids.length > 0 ? ids : BUILDABLE).map(imageId))]
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
      try {
        for (const id of wanted) {
          const began = Date.now()
          const result = await (BUILDS[id] as Build)(engine.docker, { rebuild: opts.rebuild, log })
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
