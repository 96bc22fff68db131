/**
 * Images the harness makes itself, without a registry: a root directory prepared on the host (debootstrap,
 * then the agent installed in it) is imported as one layer. Each image carries the hash of the recipe it
 * was made from, so a build whose recipe did not change is a lookup.
 */
import { spawn } from 'node:child_process'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type Docker from 'dockerode'
import { checkDisk, CommandError, ensureDebianPackage, runCommand } from '../debianRoot.js'
import { userCacheDir } from '../nativeLibraries.js'

/** Label holding the sha256 of the recipe an image was built from. */
export const RECIPE_LABEL = 'org.didcomm-conformance.recipe'

/**
 * Why the image `tag` cannot be used, in one line naming the command that builds it (`id`, as
 * `images build` takes it); undefined when the engine holds it from `recipe`.
 */
export async function imageProblem(
  docker: Docker,
  tag: string,
  recipe: string,
  id: string,
): Promise<string | undefined> {
  const found = await imageRecipe(docker, tag)
  const build = `run \`npx didcomm-conformance images build ${id}\``
  if (found === undefined) return `image ${tag} is not built: ${build}`
  if (found !== recipe) return `image ${tag} was built from another recipe: ${build}`
  return undefined
}

/** The recipe hash of an image in the engine, or undefined when there is no image of that name. */
export async function imageRecipe(docker: Docker, tag: string): Promise<string | undefined> {
  const info = await docker
    .getImage(tag)
    .inspect()
    .catch(() => undefined)
  if (!info) return undefined
  return info.Config?.Labels?.[RECIPE_LABEL] ?? ''
}

export class ImageBuildError extends Error {}

/** Runs one build step; a failure names the step and carries the command's output. */
export async function buildStep<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (e) {
    const detail = e instanceof CommandError ? `${e.message}\n${e.output}` : (e as Error).message
    throw new ImageBuildError(`building the image, step "${name}" failed: ${detail}`)
  }
}

/**
 * Imports `root` as the image `tag` (`repo:tag`), with its recipe label and Dockerfile `changes` (ENV,
 * WORKDIR…); `exclude` names directories of the root (relative) that stay out of the image.
 */
export async function importRoot(
  docker: Docker,
  root: string,
  opts: { tag: string; recipe: string; changes: string[]; exclude?: string[] },
): Promise<void> {
  const [repo, tag] = opts.tag.split(':') as [string, string]
  const excluded = (opts.exclude ?? []).map((dir) => `--exclude=./${dir}`)
  const tar = spawn('tar', ['-C', root, '--numeric-owner', ...excluded, '-c', '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let tarError = ''
  tar.stderr.on('data', (d: Buffer) => (tarError += d.toString()))
  const tarDone = new Promise<void>((resolve, reject) =>
    tar.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar of ${root}: ${code}: ${tarError}`)))),
  )
  const progress = await docker.importImage(tar.stdout, {
    repo,
    tag,
    changes: [`LABEL ${RECIPE_LABEL}=${opts.recipe}`, ...opts.changes],
  })
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(progress, (err: Error | null, output: Array<{ error?: string }>) => {
      const failed = err ?? output.find((o) => o.error)?.error
      if (failed) reject(new Error(`importing ${opts.tag}: ${String(failed)}`))
      else resolve()
    }),
  )
  await tarDone
}

export interface RootImageRecipe {
  /** How progress names the image (`acapy@1.7.0`). */
  id: string
  tag: string
  /** The hash of everything the image is made from. */
  recipe: string
  /** The Debian release debootstrap makes, and the packages it includes. */
  suite: string
  packages: string[]
  /** Installs the agent into the root (made, with the host's resolver in it); throws on failure. */
  fill(root: string, ctx: { logFile: string; log: (msg: string) => void }): Promise<void>
  /** Dockerfile instructions for the image (ENV, ENTRYPOINT…). */
  changes: string[]
}

/**
 * Builds the image of `recipe` unless the engine holds one of the same recipe hash (`rebuild` forces
 * it): a minimal Debian root made with debootstrap (its packages cached per release), filled, rid of
 * what is this machine's (resolver, package lists and caches), and imported as one layer. Needs root.
 */
export async function buildRootImage(
  docker: Docker,
  recipe: RootImageRecipe,
  opts: { rebuild?: boolean; log: (msg: string) => void },
): Promise<'built' | 'cached'> {
  const { id, tag } = recipe
  const log = (msg: string) => opts.log(`[images] ${id}: ${msg}`)
  if (!opts.rebuild && (await imageRecipe(docker, tag)) === recipe.recipe) {
    log(`${tag} is current (recipe ${recipe.recipe.slice(0, 12)})`)
    return 'cached'
  }
  if (process.getuid?.() !== 0) throw new ImageBuildError('building images needs root (debootstrap and chroot)')
  const dir = path.join(userCacheDir(), 'images')
  const slug = id.replace(/[^A-Za-z0-9.-]+/g, '-')
  const root = path.join(dir, `${slug}.root`)
  const logFile = path.join(dir, `${slug}.log`)
  await mkdir(dir, { recursive: true })
  const disk = checkDisk(dir, 2, 'XDG_CACHE_HOME')
  if (disk) throw new ImageBuildError(disk)
  await rm(root, { recursive: true, force: true })
  log(`building ${tag} (log: ${logFile})`)
  try {
    await buildStep('apt-get install debootstrap', () =>
      ensureDebianPackage('debootstrap', 'debootstrap', logFile, log),
    )
    const mirror = process.env.DIDCOMM_CONFORMANCE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
    log(`debootstrap ${recipe.suite} with ${recipe.packages.join(' ')} (about a minute)`)
    const debs = path.join(dir, `debs-${recipe.suite}`)
    await mkdir(debs, { recursive: true })
    const include = `--include=${recipe.packages.join(',')}`
    await buildStep(`debootstrap ${recipe.suite} from ${mirror}`, () =>
      runCommand('debootstrap', ['--variant=minbase', include, `--cache-dir=${debs}`, recipe.suite, root, mirror], {
        logFile,
      }),
    )
    await copyFile('/etc/resolv.conf', path.join(root, 'etc/resolv.conf'))
    await recipe.fill(root, { logFile, log })
    // Nothing of this machine (its resolver, package lists and caches) goes into the image.
    for (const leftover of ['var/lib/apt/lists', 'var/cache/apt']) {
      await rm(path.join(root, leftover), { recursive: true, force: true })
    }
    await copyFile('/dev/null', path.join(root, 'etc/resolv.conf'))
    log('importing the root into the engine')
    await buildStep('docker import', () =>
      importRoot(docker, root, { tag, recipe: recipe.recipe, changes: recipe.changes }),
    )
  } finally {
    await rm(root, { recursive: true, force: true })
  }
  log(`built ${tag}`)
  return 'built'
}
