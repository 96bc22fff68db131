/**
 * The ACA-Py releases the harness can install and run, and everything that differs between them.
 * Data only: install.ts and launcher.ts read it and hold no per-version branches of their own.
 */
import type { StorageLayout } from '../../contract/storeSnapshot.js'

export const ACAPY_VERSIONS = ['0.12.8', '1.7.0'] as const
export type AcapyVersion = (typeof ACAPY_VERSIONS)[number]
export const DEFAULT_ACAPY_VERSION: AcapyVersion = '0.12.8'

export function isAcapyVersion(value: string): value is AcapyVersion {
  return (ACAPY_VERSIONS as readonly string[]).includes(value)
}

/**
 * A place to look for an interpreter: a command on PATH, a path in an environment variable, or
 * `$PYENV_ROOT/versions/<prefix>*` (PYENV_ROOT defaults to ~/.pyenv), newest first. Candidates are tried
 * in order; the first that runs and fits the version range is used.
 */
export type PythonCandidate =
  { kind: 'path'; command: string } | { kind: 'env'; variable: string } | { kind: 'pyenv'; prefix: string }

export interface AcapyVersionSpec {
  version: AcapyVersion
  /** What pip installs, extras included. */
  requirement: string
  /** The distribution's name, for progress lines and errors. */
  distribution: string
  /** The module whose `__version__` confirms an install: importing it is the health check of the venv. */
  versionModule: string
  python: {
    /** Inclusive bounds on major.minor; no max: any later 3.x. */
    min: [number, number]
    max?: [number, number]
    candidates: PythonCandidate[]
    /** The one line that names the fix when no candidate fits. */
    missing: string
  }
  /** The virtualenv, relative to the repository root. */
  venvDir: string
  /** The Debian release whose Python the container image runs on (`images build`): one the pins were resolved for. */
  imageSuite: 'bookworm' | 'trixie'
  /** Pip constraints pinning every dependency, next to this module. */
  constraintsFile: string
  /** Shown while pip runs. */
  coldInstallTime: string
  /** `--wallet-type`; the store is Askar sqlite under $ACAPY_HOME in both. */
  walletType: string
  /** `multitenant.wallet_type` for each tenancy mode the version offers (multitenancy.md §1.1). */
  tenancyModes: Partial<Record<TenancyMode, string>>
  /** Whether a tenant's calls need the admin API key beside its Bearer token (0.12.8's global middleware). */
  tenantNeedsApiKey: boolean
  /** How a tenant is removed: `POST …/remove` (0.12.8), `DELETE …` (1.6.1 on; the POST is deprecated). */
  tenantRemoval: 'POST' | 'DELETE'
  /** The record layout the version writes in its store (schemas/storage/<layout>/). */
  storageLayout: StorageLayout
}

/** How a multitenant agent keeps its tenants: an Askar store each, or a profile each in one store. */
export const TENANCY_MODES = ['store-per-tenant', 'profile-per-tenant'] as const
export type TenancyMode = (typeof TENANCY_MODES)[number]

export const ACAPY_VERSION_SPECS: Record<AcapyVersion, AcapyVersionSpec> = {
  '0.12.8': {
    version: '0.12.8',
    requirement: 'aries-cloudagent[askar]==0.12.8',
    distribution: 'aries-cloudagent',
    versionModule: 'aries_cloudagent.version',
    python: {
      // aries-cloudagent 0.12.8 declares python ^3.9; the pins were resolved on 3.11 and 3.12+ lacks some wheels.
      min: [3, 9],
      max: [3, 11],
      candidates: [{ kind: 'path', command: 'python3' }],
      missing:
        'ACA-Py 0.12.8 needs Python 3.9-3.11 as python3 on PATH: install one (e.g. apt-get install python3) and put it first on PATH',
    },
    venvDir: '.cache/acapy-0.12.8',
    imageSuite: 'bookworm',
    constraintsFile: 'constraints-0.12.8.txt',
    coldInstallTime: '30-60 s',
    walletType: 'askar',
    tenancyModes: { 'store-per-tenant': 'basic', 'profile-per-tenant': 'askar-profile' },
    tenantNeedsApiKey: true,
    tenantRemoval: 'POST',
    storageLayout: 'acapy-0.12.8',
  },
  '1.7.0': {
    version: '1.7.0',
    // Askar, AnonCreds, indy-vdr and indy-credx are main dependencies since 1.0; the extras left (bbs, didcommv2,
    // sqlcipher) are not used.
    requirement: 'acapy-agent==1.7.0',
    distribution: 'acapy-agent',
    versionModule: 'acapy_agent.version',
    python: {
      // acapy-agent 1.7.0 declares python ^3.13; the pins were resolved on 3.13.
      min: [3, 13],
      candidates: [
        { kind: 'path', command: 'python3.13' },
        { kind: 'env', variable: 'DIDCOMM_CONFORMANCE_PYTHON313' },
        { kind: 'pyenv', prefix: '3.13' },
      ],
      missing:
        'ACA-Py 1.7.0 needs Python >= 3.13: install python3.13 or set DIDCOMM_CONFORMANCE_PYTHON313=/path/to/python3.13',
    },
    venvDir: '.cache/acapy-1.7.0',
    imageSuite: 'trixie',
    constraintsFile: 'constraints-1.7.0.txt',
    coldInstallTime: '40-60 s',
    // `askar` is deprecated since 1.5.1 (release notes: migrate to askar-anoncreds or kanon-anoncreds), so 1.x
    // deployments run askar-anoncreds; it keeps 0.12.8's single Askar sqlite store and changes no DIDComm protocol.
    walletType: 'askar-anoncreds',
    // `single-wallet-kanon` needs PostgreSQL, which the harness does not run.
    tenancyModes: { 'store-per-tenant': 'basic', 'profile-per-tenant': 'single-wallet-askar' },
    tenantNeedsApiKey: false,
    tenantRemoval: 'DELETE',
    storageLayout: 'acapy-1.7.0',
  },
}
