/**
 * The container image of a Credo-ts line, built here from what the harness runs as a process: a minimal
 * Debian root, the Node binary the harness itself runs on, and the agent's process with the packages the
 * project's lock files installed (the root's for 0.5, agents/credo-0.6's for 0.6, with their native Askar
 * library and FFI addons), laid out under /opt/didcomm-conformance as in the repository. Imported into the
 * engine as `didcomm-conformance/credo:<version>`.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp, mkdir } from 'node:fs/promises'
import path from 'node:path'
import type Docker from 'dockerode'
import { inRoot, rootEnv, runCommand } from '../../common/debianRoot.js'
import { buildRootImage, buildStep, ImageBuildError, imageProblem } from '../../common/docker/images.js'
import { CREDO_VERSION_SPECS } from './versions.js'

/** Bumped when the steps below change in a way the hashed inputs do not show. */
const RECIPE_REVISION = 1
const SUITE = 'trixie'
/** The Node binary needs only the C and C++ runtimes, which minbase has; named so a change shows. */
const PACKAGES = ['libstdc++6']
/** Where the repository's files are inside the image. */
export const CREDO_IMAGE_HOME = '/opt/didcomm-conformance'
const REPO = path.resolve(import.meta.dirname, '../..')
const CREDO_DIR = import.meta.dirname

export const credoImageTag = (version: string): string => `didcomm-conformance/credo:${version}`

/** The path inside the image of a file of the repository (the agent's entry). */
export const credoImageEntry = (hostPath: string): string =>
  path.posix.join(CREDO_IMAGE_HOME, path.relative(REPO, hostPath).split(path.sep).join('/'))

/** The repository's directories the image of `version` holds: its entry's, the shared agent code, the root packages. */
function sources(version: string): string[] {
  const spec = CREDO_VERSION_SPECS[version]
  if (!spec) throw new ImageBuildError(`no Credo ${version} in the harness`)
  return [...new Set([CREDO_DIR, path.dirname(spec.entry)])]
}

/** The files a directory contributes, node_modules aside (its lock file stands for it). */
const codeFiles = (dir: string) => readdirSync(dir).filter((f) => f !== 'node_modules' && !f.startsWith('.'))

/** The sha256 of everything the image is made from. */
export function credoImageRecipe(version: string): string {
  const hash = createHash('sha256').update(
    JSON.stringify({ RECIPE_REVISION, SUITE, PACKAGES, node: process.version, version }),
  )
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) {
    hash.update(file).update(readFileSync(path.join(REPO, file)))
  }
  for (const dir of sources(version)) {
    for (const file of codeFiles(dir).sort()) hash.update(file).update(readFileSync(path.join(dir, file)))
  }
  return hash.digest('hex')
}

/** Why the image of this version cannot be used, in one line naming the fix; undefined when it is current. */
export const credoImageProblem = (docker: Docker, version: string): Promise<string | undefined> =>
  imageProblem(docker, credoImageTag(version), credoImageRecipe(version), `credo@${version}`)

/** Builds the image unless the engine holds one of the same recipe (`rebuild` forces it); needs root. */
export function buildCredoImage(
  docker: Docker,
  version: string,
  opts: { rebuild?: boolean; log: (msg: string) => void },
): Promise<'built' | 'cached'> {
  const spec = CREDO_VERSION_SPECS[version]
  const problem = spec?.installProblem()
  if (problem) return Promise.reject(new ImageBuildError(problem))
  const fill = async (root: string, { logFile, log }: { logFile: string; log: (msg: string) => void }) => {
    const home = path.join(root, CREDO_IMAGE_HOME)
    await mkdir(home, { recursive: true })
    log(`copying Node ${process.version} and the agent's packages`)
    await cp(process.execPath, path.join(root, 'usr/local/bin/node'))
    for (const file of ['package.json', 'tsconfig.json']) await cp(path.join(REPO, file), path.join(home, file))
    // cp -a: tens of thousands of files, with their links and modes as installed.
    const copyTree = (from: string, to: string) =>
      buildStep(`copying ${path.relative(REPO, from)}`, () => runCommand('cp', ['-a', from, to], { logFile }))
    await copyTree(path.join(REPO, 'node_modules'), path.join(home, 'node_modules'))
    for (const dir of sources(version)) {
      const target = path.join(home, path.relative(REPO, dir))
      await mkdir(target, { recursive: true })
      for (const file of codeFiles(dir)) await cp(path.join(dir, file), path.join(target, file))
      const modules = path.join(dir, 'node_modules')
      if (existsSync(modules)) await copyTree(modules, path.join(target, 'node_modules'))
    }
    const entryDir = path.posix.dirname(credoImageEntry(spec!.entry))
    const installed = await buildStep('checking the installed version', () => {
      const check = `console.log(require(require.resolve('@credo-ts/core/package.json', { paths: ['${entryDir}'] })).version)`
      const { command, args } = inRoot(root, ['/usr/local/bin/node', '-e', check])
      return runCommand(command, args, { env: rootEnv(), logFile })
    })
    if (installed.trim() !== version) {
      throw new ImageBuildError(`the image's @credo-ts/core is ${installed.trim()}, not ${version}`)
    }
  }
  return buildRootImage(
    docker,
    {
      id: `credo@${version}`,
      tag: credoImageTag(version),
      recipe: credoImageRecipe(version),
      suite: SUITE,
      packages: PACKAGES,
      fill,
      changes: [`WORKDIR ${CREDO_IMAGE_HOME}`, 'ENTRYPOINT ["node"]'],
    },
    opts,
  )
}
