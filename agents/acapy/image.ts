/**
 * The container image of an ACA-Py release, built here from the same pins as its virtualenv (install.ts):
 * a minimal Debian root made with debootstrap, of the release whose Python the pins were resolved for,
 * with the release installed by pip into /opt/acapy under that release's constraints file, imported into
 * the engine as `didcomm-conformance/acapy:<version>`. No registry is needed, and none is used.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type Docker from 'dockerode'
import { buildRootImage, buildStep, ImageBuildError, imageProblem } from '../../common/docker/images.js'
import { inRoot, rootEnv, runCommand } from '../../common/debianRoot.js'
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
export const acapyImageProblem = (docker: Docker, version: AcapyVersion): Promise<string | undefined> =>
  imageProblem(docker, acapyImageTag(version), acapyImageRecipe(version), `acapy@${version}`)

/** The CA bundle the host's pip trusts, so pip inside the root reaches PyPI through the same proxies. */
function hostCaBundle(): string | undefined {
  const candidates = [process.env.PIP_CERT, process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt']
  return candidates.find((file): file is string => Boolean(file) && existsSync(file as string))
}

/** Builds the image unless the engine holds one of the same recipe (`rebuild` forces it); needs root. */
export function buildAcapyImage(
  docker: Docker,
  version: AcapyVersion,
  opts: { rebuild?: boolean; log: (msg: string) => void },
): Promise<'built' | 'cached'> {
  const spec = ACAPY_VERSION_SPECS[version]
  const fill = async (root: string, { logFile, log }: { logFile: string; log: (msg: string) => void }) => {
    log(`pip install ${spec.requirement} into ${VENV}, pinned by ${spec.constraintsFile} (${spec.coldInstallTime})`)
    await copyFile(path.join(here, spec.constraintsFile), path.join(root, 'tmp/constraints.txt'))
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
    // The host's CA bundle stays on the host.
    for (const leftover of ['tmp/constraints.txt', 'tmp/host-ca.crt'])
      await rm(path.join(root, leftover), { force: true })
  }
  return buildRootImage(
    docker,
    {
      id: `acapy@${version}`,
      tag: acapyImageTag(version),
      recipe: acapyImageRecipe(version),
      suite: spec.imageSuite,
      packages: PACKAGES,
      fill,
      changes: [
        `ENV PATH=${VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        'ENV PYTHONUNBUFFERED=1',
        'ENTRYPOINT ["aca-py"]',
      ],
    },
    opts,
  )
}
