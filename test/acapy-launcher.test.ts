import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AcapyPythonMissingError, ensureAcapyInstalled, findPython } from '../agents/acapy/install.js'
import { AcapyLaunchError, launchAcapy, type AcapyProcess } from '../agents/acapy/launcher.js'
import { ACAPY_VERSION_SPECS, ACAPY_VERSIONS, type PythonCandidate } from '../agents/acapy/versions.js'

/** Command lines (NUL-separated) of live processes that run `aca-py` with `port` among their arguments. */
function acapyProcessesOnPort(port: number): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let args: string[]
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    if (args.some((a) => a.endsWith('aca-py')) && args.includes(String(port))) found.push(args.join(' '))
  }
  return found
}

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

async function holdPort(): Promise<net.Server> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  return server
}

/** A fake interpreter that reports `version` for any `-c` probe (and so passes the venv check too). */
function fakePython(dir: string, version: string): string {
  const file = path.join(dir, 'bin', 'python')
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, `#!/bin/sh\necho ${version}\n`, { mode: 0o755 })
  return file
}

describe('ACA-Py Python discovery', () => {
  const spec = ACAPY_VERSION_SPECS['1.7.0']
  const withCandidates = (candidates: PythonCandidate[]) => ({ ...spec, python: { ...spec.python, candidates } })
  let pyenvRoot: string
  const savedPyenvRoot = process.env.PYENV_ROOT

  before(() => {
    pyenvRoot = mkdtempSync(path.join(os.tmpdir(), 'pyenv-fake-'))
    process.env.PYENV_ROOT = pyenvRoot
  })

  after(() => {
    if (savedPyenvRoot === undefined) delete process.env.PYENV_ROOT
    else process.env.PYENV_ROOT = savedPyenvRoot
    rmSync(pyenvRoot, { recursive: true, force: true })
  })

  it('names the fix in one line when no candidate exists', async () => {
    const candidates: PythonCandidate[] = [
      { kind: 'path', command: 'python3.13-not-installed' },
      { kind: 'env', variable: 'DIDCOMM_CONFORMANCE_TEST_UNSET' },
      { kind: 'pyenv', prefix: '3.13' },
    ]
    await assert.rejects(findPython(withCandidates(candidates)), (err: Error) => {
      assert.ok(err instanceof AcapyPythonMissingError)
      assert.equal(err.message, spec.python.missing)
      assert.ok(!err.message.includes('\n'))
      return true
    })
  })

  it('passes over an interpreter outside the range and says which it saw', async () => {
    const wrong = fakePython(path.join(pyenvRoot, 'versions', '3.13.0'), '3.12')
    try {
      await assert.rejects(findPython(withCandidates([{ kind: 'pyenv', prefix: '3.13' }])), (err: Error) => {
        assert.ok(err instanceof AcapyPythonMissingError)
        assert.equal(err.message, `${spec.python.missing} (${wrong} is 3.12)`)
        return true
      })
    } finally {
      rmSync(path.join(pyenvRoot, 'versions'), { recursive: true, force: true })
    }
  })

  it('takes candidates in order, skipping those that do not run, and the newest pyenv version', async () => {
    fakePython(path.join(pyenvRoot, 'versions', '3.13.2'), '3.13')
    const newest = fakePython(path.join(pyenvRoot, 'versions', '3.13.10'), '3.13')
    const fromEnv = fakePython(mkdtempSync(path.join(pyenvRoot, 'env-')), '3.14')
    const notRunning: PythonCandidate = { kind: 'path', command: 'python3.13-not-installed' }
    const env: PythonCandidate = { kind: 'env', variable: 'DIDCOMM_CONFORMANCE_TEST_PYTHON' }
    const pyenv: PythonCandidate = { kind: 'pyenv', prefix: '3.13' }
    process.env.DIDCOMM_CONFORMANCE_TEST_PYTHON = fromEnv
    try {
      assert.equal(await findPython(withCandidates([notRunning, env, pyenv])), fromEnv)
      assert.equal(await findPython(withCandidates([notRunning, pyenv, env])), newest)
    } finally {
      delete process.env.DIDCOMM_CONFORMANCE_TEST_PYTHON
    }
  })
})

describe('ACA-Py launcher', () => {
  it('refuses an unsupported version before starting anything', async () => {
    await assert.rejects(launchAcapy({ label: 'bad-version', runDir: os.tmpdir(), version: '9.9.9' }), (err: Error) => {
      assert.ok(err instanceof AcapyLaunchError)
      assert.equal(err.message, 'ACA-Py 9.9.9 is not supported: use one of 0.12.8, 1.7.0')
      return true
    })
  })
})

for (const version of ACAPY_VERSIONS) {
  describe(`ACA-Py ${version} launcher`, { timeout: 15 * 60_000 }, () => {
    let runDir: string

    // Every supported release is under test: one whose Python is missing fails here with the line
    // that names the fix, rather than being passed over.
    before(async () => {
      await ensureAcapyInstalled({ version })
      runDir = mkdtempSync(path.join(os.tmpdir(), 'acapy-launcher-test-'))
    })

    after(() => rmSync(runDir, { recursive: true, force: true }))

    it('launches, reports ready and its version over the admin API, and stops without leftovers', async () => {
      const started = Date.now()
      const agent: AcapyProcess = await launchAcapy({ label: 'launcher-test', runDir, version })
      console.log(`[acapy] ${version} start-to-ready ${Date.now() - started} ms`)
      try {
        const ready = await fetch(`${agent.adminUrl}/status/ready`)
        assert.deepEqual(await ready.json(), { ready: true })

        const unauthorised = await fetch(`${agent.adminUrl}/status`)
        assert.equal(unauthorised.status, 401)
        const status = (await (
          await fetch(`${agent.adminUrl}/status`, { headers: { 'X-API-Key': agent.apiKey } })
        ).json()) as {
          version: string
          label: string
        }
        assert.equal(status.version, version)
        assert.equal(agent.version, version)
        assert.equal(status.label, 'launcher-test')
        assert.match(agent.inboundUrl, /^http:\/\/127\.0\.0\.1:\d+$/)

        // The wallet key is not exposed by the launcher; the child's environment is readable by its owner.
        const walletKey = readFileSync(`/proc/${agent.pid}/environ`, 'utf8')
          .split('\0')
          .find((v) => v.startsWith('ACAPY_WALLET_KEY='))
          ?.slice('ACAPY_WALLET_KEY='.length)
        assert.ok(walletKey)
        const raw = readFileSync(agent.logFile, 'utf8')
        assert.ok(raw.includes(`ver: ${version}`), 'the log has no banner with the version')
        assert.ok(!raw.includes(agent.apiKey) && !raw.includes(walletKey), 'ACA-Py wrote a secret into its log')
        appendFileSync(agent.logFile, `leak check api=${agent.apiKey} wallet=${walletKey}\n`)
        const tail = await agent.logTail()
        assert.match(tail, /leak check api=\[REDACTED\] wallet=\[REDACTED\]/)
        assert.ok(!tail.includes(agent.apiKey) && !tail.includes(walletKey))
      } finally {
        await agent.stop()
      }
      assert.equal(processGroupAlive(agent.pid), false)
      assert.deepEqual(acapyProcessesOnPort(Number(new URL(agent.inboundUrl).port)), [])
    })

    it('refuses an inbound port that is already taken, naming it, and starts nothing', async () => {
      const blocker = await holdPort()
      const port = (blocker.address() as net.AddressInfo).port
      try {
        await assert.rejects(launchAcapy({ label: 'port-clash', runDir, inboundPort: port, version }), (err: Error) => {
          assert.match(err.message, new RegExp(`inbound port ${port}\\b`))
          return true
        })
        assert.deepEqual(acapyProcessesOnPort(port), [])
      } finally {
        await new Promise((resolve) => blocker.close(resolve))
      }
    })

    it('fails fast with the port and a redacted log tail when ACA-Py itself cannot bind', async () => {
      // An extra inbound transport bypasses the launcher's own port check, so the failure must come from the log.
      const blocker = await holdPort()
      const port = (blocker.address() as net.AddressInfo).port
      const extraArgs = ['--inbound-transport', 'http', '127.0.0.1', String(port)]
      try {
        await assert.rejects(
          launchAcapy({ label: 'late-clash', runDir, extraArgs, readyTimeoutMs: 60_000, version }),
          (err: Error) => {
            assert.match(err.message, new RegExp(`cannot listen on port ${port} on 127\\.0\\.0\\.1`))
            assert.match(err.message, /--- log tail/)
            return true
          },
        )
        assert.deepEqual(acapyProcessesOnPort(port), [])
      } finally {
        await new Promise((resolve) => blocker.close(resolve))
      }
    })
  })
}
