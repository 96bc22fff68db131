/**
 * How each agent under test runs: as a process (the default) or as a container (`--launch docker`,
 * or per agent: `--launch acapy@1.7.0=docker,credo=process`). The reference agent runs inside the
 * harness and is never launched. The Indy pool's nodes follow the same choice under the name
 * `indy-pool` (`--launch indy-pool=docker`).
 */
import { acapyImageProblem, acapyImageTag } from '../agents/acapy/image.js'
import type { AcapyVersion } from '../agents/acapy/versions.js'
import { credoImageProblem, credoImageTag } from '../agents/credo/image.js'
import { connectEngine } from '../common/docker/engine.js'
import { agentId, isReference, parseAgentId, type AgentRef } from '../contract/agentId.js'

export const LAUNCH_MODES = ['process', 'docker'] as const
/** The name `--launch` gives the Indy pool. */
export const POOL_LAUNCH_NAME = 'indy-pool'
export type LaunchMode = (typeof LAUNCH_MODES)[number]

export interface LaunchChoice {
  /** For agents no entry names. */
  default: LaunchMode
  /** By agent id or family; an id wins over its family. */
  byAgent: Record<string, LaunchMode>
  /** The image ACA-Py runs from instead of the one `images build` makes (`--acapy-image`). */
  acapyImage?: string
}

/** The families that can run as containers today. */
const CONTAINER_FAMILIES = ['acapy', 'credo']

function mode(text: string, what: string): LaunchMode {
  if (!(LAUNCH_MODES as readonly string[]).includes(text)) {
    throw new Error(`${what}: "${text}" is not a launch mode (${LAUNCH_MODES.join(' or ')})`)
  }
  return text as LaunchMode
}

/** Parses `--launch` (`docker`, or `id=mode,…`) and `--acapy-image`; throws with one line on bad input. */
export function parseLaunch(text: string, acapyImage?: string): LaunchChoice {
  const choice: LaunchChoice = { default: 'process', byAgent: {}, ...(acapyImage ? { acapyImage } : {}) }
  // An image of the user's own says where ACA-Py runs, unless --launch names ACA-Py otherwise.
  if (acapyImage) choice.byAgent.acapy = 'docker'
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=')
    if (eq < 0) {
      choice.default = mode(part, '--launch')
      continue
    }
    const id = part.slice(0, eq).trim()
    if (id !== POOL_LAUNCH_NAME) parseAgentId(id)
    choice.byAgent[id] = mode(part.slice(eq + 1).trim(), `--launch ${id}`)
  }
  return choice
}

/** The launch mode of one agent. */
export function launchOf(ref: AgentRef, choice: LaunchChoice | undefined): LaunchMode {
  if (!choice || isReference(agentId(ref))) return 'process'
  const plain = agentId({ family: ref.family, version: ref.version })
  return choice.byAgent[agentId(ref)] ?? choice.byAgent[plain] ?? choice.byAgent[ref.family] ?? choice.default
}

/** How the Indy pool's nodes run, when the run starts a pool. */
export const poolLaunchOf = (choice: LaunchChoice | undefined): LaunchMode =>
  choice ? (choice.byAgent[POOL_LAUNCH_NAME] ?? choice.default) : 'process'

/** Whether any of these agents runs as a container: the run then needs a Docker engine. */
export const needsEngine = (refs: AgentRef[], choice: LaunchChoice | undefined): boolean =>
  refs.some((ref) => launchOf(ref, choice) === 'docker')

/** The image an agent runs from when it runs as a container, or undefined for a process. */
export function containerOf(ref: AgentRef, choice: LaunchChoice | undefined): { image: string } | undefined {
  if (launchOf(ref, choice) !== 'docker') return undefined
  if (ref.family === 'credo') return { image: credoImageTag(ref.version) }
  if (ref.family !== 'acapy') return undefined
  return { image: choice?.acapyImage ?? acapyImageTag(ref.version as AcapyVersion) }
}

/** Why an agent cannot run as a container here (no engine, no image, no recipe), in one line. */
export async function containerProblem(ref: AgentRef, choice: LaunchChoice | undefined): Promise<string | undefined> {
  if (launchOf(ref, choice) !== 'docker') return undefined
  if (!CONTAINER_FAMILIES.includes(ref.family)) {
    return `${ref.family} cannot run as a container yet (only ${CONTAINER_FAMILIES.join(', ')}): use --launch ${ref.family}=process`
  }
  let docker
  try {
    docker = (await connectEngine()).docker
  } catch (e) {
    return (e as Error).message
  }
  if (ref.family === 'credo') return credoImageProblem(docker, ref.version)
  if (choice?.acapyImage) {
    const found = await docker
      .getImage(choice.acapyImage)
      .inspect()
      .catch(() => undefined)
    return found ? undefined : `image ${choice.acapyImage} is not in the Docker engine (docker load or build it first)`
  }
  return acapyImageProblem(docker, ref.version as AcapyVersion)
}
