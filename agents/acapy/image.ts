/**
 * The container image of an ACA-Py release, built here from the same pins as its virtualenv (install.ts):
 * a minimal Debian root made with debootstrap, of the release whose Python the pins were resolved for,
 * with the release installed by pip into /opt/acapy under that release's constraints file, imported into
 * the engine as `didcomm-conformance/acapy:<version>`. No registry is needed, and none is used.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type Docker from 'dockerode'
import { buildStep, ImageBuildError, imageRecipe, importRoot } from '../../common/docker/images.js'
import { userCacheDir } from '../../common/nativeLibraries.js'
import { checkDisk, ensureDebianPackage, inRoot, rootEnv, runCommand } from '../../common/debianRoot.js'
import { ACAPY_VERSION_SPECS, type AcapyVersion } from './versions.js'

/** Bumped when the steps below change in a way the hashed inputs do not show. */
const RECIPE_REVISION = 1
const PACKAGES = ['python3', 'python3-venv', 'ca-certificates']
const VENV = '/opt/acapy'
const here = path.dirname(fileURLToPath(import.meta.url))

export const acapyImageTag = (version: AcapyVersion): string => `didcomm-conformance/acapy:${version}`

/** The sha256 of everything the image is made from. */
export function acapyImageRecipe(version: AcapyVersion): string {
  const spec = ACAPY_VERSION_SPECS[version]
  return createHash('sha256')
    .update(JSON.stringify({ RECIPE_REVISION, suite: spec.imageSuite, PACKAGES, requirement: spec.requirement }))
    .update(readFileSync(path.join(here, spec.constraintsFile)))
    .digest('hex')
}

/** Why the image of this version cannot be used, in one line naming the fix; undefined when it is current. */
export async function acapyImageProblem(docker: Docker, version: AcapyVersion): Promise<string | undefined> {
  const tag = acapyImageTag(version)
  const recipe = await imageRecipe(docker, tag)
  const build = `run \`npx didcomm-conformance images build acapy@${version}\``
  if (recipe === undefined) return `image ${tag} is not built: ${build}`
  if (recipe !== acapyImageRecipe(version)) return `image ${tag} was built from another recipe: ${build}`
  return undefined
}

/** The CA bundle the host's pip trusts, so pip inside the root reaches PyPI through the same proxies. */
function hostCaBundle(): string | undefined {
  const candidates = [process.env.PIP_CERT, process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt']
  return candidates.find((file): file is string => Boolean(file) && existsSync(file as string))
}

/**
 * Builds the image unless the engine holds one of the same recipe (`rebuild` forces it). Needs root
 * (debootstrap, chroot). Returns whether it built.
 */
export async function buildAcapyImage(
  docker: Docker,
  version: AcapyVersion,
  opts: { rebuild?: boolean; log: (msg: string) => void },
): Promise<'built' | 'cached'> {
  const spec = ACAPY_VERSION_SPECS[version]
  const tag = acapyImageTag(version)
  const recipe = acapyImageRecipe(version)
  const log = (msg: string) => opts.log(`[images] acapy@${version}: ${msg}`)
  if (!opts.rebuild && (await imageRecipe(docker, tag)) === recipe) {
    log(`${tag} is current (recipe ${recipe.slice(0, 12)})`)
    return 'cached'
  }
  if (process.getuid?.() !== 0) throw new ImageBuildError('building images needs root (debootstrap and chroot)')
  const dir = path.join(userCacheDir(), 'images')
  const root = path.join(dir, `acapy-${version}.root`)
  const logFile = path.join(dir, `acapy-${version}.log`)
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
    log(`debootstrap ${spec.imageSuite} with ${PACKAGES.join(' ')} (about a minute)`)
    const debs = path.join(dir, `debs-${spec.imageSuite}`)
    await mkdir(debs, { recursive: true })
    await buildStep(`debootstrap ${spec.imageSuite} from ${mirror}`, () =>
      runCommand(
        'debootstrap',
        ['--variant=minbase', `--include=${PACKAGES.join(',')}`, `--cache-dir=${debs}`, spec.imageSuite, root, mirror],
        { logFile },
      ),
    )

    log(`pip install ${spec.requirement} into ${VENV}, pinned by ${spec.constraintsFile} (${spec.coldInstallTime})`)
    await copyFile(path.join(here, spec.constraintsFile), path.join(root, 'tmp/constraints.txt'))
    await copyFile('/etc/resolv.conf', path.join(root, 'etc/resolv.conf'))
    const ca = hostCaBundle()
    if (ca) await copyFile(ca, path.join(root, 'tmp/host-ca.crt'))
    const pip = `${VENV}/bin/pip install --disable-pip-version-check --no-input -q --no-cache-dir -c /tmp/constraints.txt '${spec.requirement}'`
    await buildStep('pip install in the root', () => {
      const { command, args } = inRoot(root, ['sh', '-c', `python3 -m venv ${VENV} && ${pip}`])
      return runCommand(command, args, { env: rootEnv(ca ? { PIP_CERT: '/tmp/host-ca.crt' } : {}), logFile })
    })
    const installed = await buildStep('checking the installed version', () => {
      const check = `import ${spec.versionModule} as v; print(v.__version__)`
      const { command, args } = inRoot(root, [`${VENV}/bin/python`, '-c', check])
      return runCommand(command, args, { env: rootEnv(), logFile })
    })
    if (installed.trim() !== spec.version) {
      throw new ImageBuildError(`the image's ${spec.distribution} reports ${installed.trim()}, not ${spec.version}`)
    }
    // Nothing of this machine (its CA bundle, resolver, package caches) goes into the image.
    for (const leftover of ['tmp/constraints.txt', 'tmp/host-ca.crt', 'var/lib/apt/lists', 'var/cache/apt']) {
      await rm(path.join(root, leftover), { recursive: true, force: true })
    }
    await copyFile('/dev/null', path.join(root, 'etc/resolv.conf'))

    log('importing the root into the engine')
    await buildStep('docker import', () =>
      importRoot(docker, root, {
        tag,
        recipe,
        changes: [
          `ENV PATH=${VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
          'ENV PYTHONUNBUFFERED=1',
          'ENTRYPOINT ["aca-py"]',
        ],
      }),
    )
  } finally {
    await rm(root, { recursive: true, force: true })
  }
  log(`built ${tag}`)
  return 'built'
}
