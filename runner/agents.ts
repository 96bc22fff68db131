import semver from 'semver'
import { AcapyHost, type ExternalAcapy } from '../backchannels/acapy/host.js'
import { CredoHost } from '../backchannels/credo/host.js'
import type { AgentHost, HostSettings } from '../backchannels/host.js'
import { ReferenceHost } from '../backchannels/reference/host.js'
import { AATH_FAMILY, isAathAgent, parseAathAgent } from '../backchannels/aath/agentSpec.js'
import { AathHost, backchannelProblem } from '../backchannels/aath/host.js'
import { ACAPY_VERSIONS, type AcapyVersion } from '../agents/acapy/versions.js'
import { CREDO_VERSION_SPECS, CREDO_VERSIONS } from '../agents/credo/versions.js'
import { acapyInstallProblem } from '../agents/acapy/install.js'
import { ensureAskarLibrary } from '../agents/reference/native/askarLibrary.js'
import {
  agentId,
  ASKAR_WALLET_VARIANT,
  parseAgentId,
  REFERENCE_FAMILY,
  TENANT_VARIANT,
  type AgentRef,
} from '../contract/agentId.js'
import packageJson from '../package.json' with { type: 'json' }
import { containerOf, containerProblem, launchOf, type LaunchChoice } from './launch.js'

/** Settings for agents that run elsewhere instead of being started by the harness, and the run's bounds. */
export interface AgentSettings extends HostSettings {
  acapy?: ExternalAcapy
  /** Which agents run as containers (`--launch`), and from which image. */
  launch?: LaunchChoice
}

interface AgentFamily {
  /** The versions the harness installs and runs, newest first. */
  versions: readonly string[]
  /** Variants of the agent a `~variant` id may name, and what each is. */
  variants?: Record<string, string>
  create(ref: AgentRef, instance: string, settings: AgentSettings): AgentHost
  /** How many instances can exist at once (an agent running elsewhere is one). */
  maxInstances(settings: AgentSettings): number
  /** Why this version cannot run here (a missing native library, Python or install), in one line; checked before any agent starts. */
  problem(ref: AgentRef, settings: AgentSettings): Promise<string | undefined>
}

/** The Askar native library the reference agent and Credo bind, in one line if it does not load. */
async function askarProblem(): Promise<string | undefined> {
  return ensureAskarLibrary().then(
    () => undefined,
    (e: unknown) => (e as Error).message,
  )
}

const families: Record<string, AgentFamily> = {
  [REFERENCE_FAMILY]: {
    versions: [packageJson.version],
    create: (ref, instance, settings) => new ReferenceHost(ref, instance, settings),
    maxInstances: () => Infinity,
    problem: askarProblem,
  },
  acapy: {
    versions: [...ACAPY_VERSIONS].sort(semver.rcompare),
    variants: {
      [TENANT_VARIANT]: 'a tenant of a multitenant ACA-Py (a store per tenant) as the agent under test',
      [ASKAR_WALLET_VARIANT]:
        'ACA-Py on the askar wallet type (the legacy /credential-definitions and /revocation routes) whatever its version’s own',
    },
    create: (ref, instance, settings) => {
      const container = containerOf(ref, settings.launch)
      return new AcapyHost(ref, instance, {
        timeoutMs: settings.timeoutMs,
        calibrate: settings.calibrate,
        ...(settings.acapy && !ref.variant ? { external: settings.acapy } : {}),
        ...(container ? { container } : {}),
      })
    },
    maxInstances: (settings) => (settings.acapy ? 1 : Infinity),
    problem: async (ref, settings) => {
      if (settings.acapy && !ref.variant) return undefined
      if (launchOf(ref, settings.launch) === 'docker') return containerProblem(ref, settings.launch)
      return acapyInstallProblem(ref.version as AcapyVersion)
    },
  },
  credo: {
    versions: [...CREDO_VERSIONS].sort(semver.rcompare),
    variants: {
      [TENANT_VARIANT]: 'a tenant of a Credo agent with @credo-ts/tenants (a store per tenant) as the agent under test',
    },
    create: (ref, instance, settings) => {
      const container = containerOf(ref, settings.launch)
      return new CredoHost(ref, instance, { ...settings, ...(container ? { container } : {}) })
    },
    maxInstances: () => Infinity,
    problem: async (ref, settings) =>
      (await containerProblem(ref, settings.launch)) ??
      (await askarProblem()) ??
      CREDO_VERSION_SPECS[ref.version]?.installProblem() ??
      (ref.variant === TENANT_VARIANT ? CREDO_VERSION_SPECS[ref.version]?.noTenancy : undefined),
  },
  // Any agent behind an AATH backchannel, named on the command line as aath:<name>=<url> (backchannels/aath/agentSpec.ts).
  [AATH_FAMILY]: {
    versions: [],
    create: (ref, instance, settings) => new AathHost(ref, instance, settings),
    maxInstances: () => 1,
    problem: (ref, settings) => backchannelProblem(ref, settings.timeoutMs),
  },
}

/** Every agent id the harness can run, newest version of each family first. */
export function knownAgentIds(): string[] {
  return Object.entries(families).flatMap(([family, f]) => f.versions.map((version) => agentId({ family, version })))
}

/** Reads an agent id from the command line; a bare family means its newest version. Throws on an unknown one. */
export function resolveAgent(text: string): AgentRef {
  if (isAathAgent(text)) return parseAathAgent(text)
  const parsed = parseAgentId(text)
  const family = families[parsed.family]
  if (!family) throw new Error(`unknown agent "${text}" (known: ${knownAgentIds().join(', ')})`)
  const version = parsed.version ?? (family.versions[0] as string)
  if (!family.versions.includes(version)) {
    throw new Error(
      `unknown version "${text}" (known: ${family.versions.map((v) => `${parsed.family}@${v}`).join(', ')})`,
    )
  }
  if (parsed.variant && !family.variants?.[parsed.variant]) {
    const known = Object.keys(family.variants ?? {}).map((v) => `${parsed.family}@${version}~${v}`)
    throw new Error(`unknown variant "${text}" (known: ${known.length ? known.join(', ') : 'none'})`)
  }
  return { family: parsed.family, version, ...(parsed.variant ? { variant: parsed.variant } : {}) }
}

/** Whether `id` is the newest version of its family among `ids`. */
export function isNewestOfFamily(id: string, ids: string[]): boolean {
  const { family } = parseAgentId(id)
  const order = families[family]?.versions ?? []
  const rank = (x: string) => order.indexOf(parseAgentId(x).version ?? '')
  return ids.filter((x) => parseAgentId(x).family === family).every((x) => rank(id) <= rank(x))
}

export function createHost(ref: AgentRef, instance: string, settings: AgentSettings): AgentHost {
  return (families[ref.family] as AgentFamily).create(ref, instance, settings)
}

export function maxInstances(ref: AgentRef, settings: AgentSettings): number {
  return (families[ref.family] as AgentFamily).maxInstances(settings)
}

/** One line per agent that cannot run here, before any is started: the run stops with all of them at once. */
export async function preflight(refs: AgentRef[], settings: AgentSettings): Promise<string[]> {
  const problems = await Promise.all(
    refs.map(async (ref) => {
      const problem = await (families[ref.family] as AgentFamily).problem(ref, settings)
      return problem ? `${agentId(ref)}: ${problem}` : undefined
    }),
  )
  return [...new Set(problems.filter((p): p is string => p !== undefined))]
}
