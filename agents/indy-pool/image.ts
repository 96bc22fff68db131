/**
 * The container image of the Indy pool's nodes: the provisioned bullseye root (provision.ts), imported
 * into the engine as `didcomm-conformance/indy-pool:<indy-node version>`, without the ledgers of the
 * runs kept in it. Labelled with the recipe's hash, so an image older than the recipe is rebuilt.
 */
import type Docker from 'dockerode'
import { buildStep, ImageBuildError, imageProblem, imageRecipe, importRoot } from '../../common/docker/images.js'
import {
  ensureIndyPoolProvisioned,
  INDY_NODE_VERSION,
  indyPoolRecipeHash,
  IndyPoolProvisionError,
} from './provision.js'

/** Bumped when the import below changes in a way the recipe's hash does not show. */
const IMAGE_REVISION = 1
/** Inside the root: the process-mode pools' ledgers (pool.ts), which stay out of the image. */
export const ROOT_POOLS_DIR = '/var/lib/didcomm-conformance/pools'

export const INDY_POOL_IMAGE = `didcomm-conformance/indy-pool:${INDY_NODE_VERSION}`

const imageRecipeHash = () => `${IMAGE_REVISION}-${indyPoolRecipeHash()}`

/** Why the pool image cannot be used, in one line naming the fix; undefined when it is current. */
export const indyPoolImageProblem = (docker: Docker): Promise<string | undefined> =>
  imageProblem(docker, INDY_POOL_IMAGE, imageRecipeHash(), 'indy-pool')

/** Builds the image unless the engine holds one of the same recipe (`rebuild` forces it); needs root. */
export async function buildIndyPoolImage(
  docker: Docker,
  opts: { rebuild?: boolean; log: (msg: string) => void },
): Promise<'built' | 'cached'> {
  const recipe = imageRecipeHash()
  const log = (msg: string) => opts.log(`[images] indy-pool: ${msg}`)
  if (!opts.rebuild && (await imageRecipe(docker, INDY_POOL_IMAGE)) === recipe) {
    log(`${INDY_POOL_IMAGE} is current (recipe ${recipe.slice(0, 14)})`)
    return 'cached'
  }
  let root: string
  try {
    ;({ root } = await ensureIndyPoolProvisioned({ log: opts.log }))
  } catch (e) {
    if (e instanceof IndyPoolProvisionError) throw new ImageBuildError(e.message)
    throw e
  }
  log(`importing the pool's root ${root} as ${INDY_POOL_IMAGE}`)
  await buildStep('docker import', () =>
    importRoot(docker, root, {
      tag: INDY_POOL_IMAGE,
      recipe,
      exclude: [ROOT_POOLS_DIR.slice(1)],
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'ENV PYTHONUNBUFFERED=1'],
    }),
  )
  log(`built ${INDY_POOL_IMAGE}`)
  return 'built'
}
