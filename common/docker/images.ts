/**
 * Images the harness makes itself, without a registry: a root directory prepared on the host (debootstrap,
 * then the agent installed in it) is imported as one layer. Each image carries the hash of the recipe it
 * was made from, so a build whose recipe did not change is a lookup.
 */
import { spawn } from 'node:child_process'
import type Docker from 'dockerode'
import { CommandError } from '../debianRoot.js'

/** Label holding the sha256 of the recipe an image was built from. */
export const RECIPE_LABEL = 'org.didcomm-conformance.recipe'

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
