/**
 * Native pieces `npm ci --ignore-scripts` leaves out (the wrappers' install scripts download from
 * GitHub, which is not reachable everywhere): the ffi addons the Askar and indy-vdr wrappers bind
 * through, and the shared libraries themselves, taken from the PyPI wheel of exactly the version a
 * wrapper binds and cached per user, so later installs need no download. Every step checks first.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** `$XDG_CACHE_HOME/didcomm-conformance`, or `~/.cache/didcomm-conformance`. */
export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache')
  return path.join(base, 'didcomm-conformance')
}

/** Runs a command; its output goes to `log` line by line. Rejects with the exit and the last lines. */
export function runLogged(command: string, args: string[], cwd: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const tail: string[] = []
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue
        log(`  ${line}`)
        tail.push(line)
        if (tail.length > 20) tail.shift()
      }
    }
    child.stdout.on('data', relay)
    child.stderr.on('data', relay)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      if (code === 0) return resolve()
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
      reject(new Error(`${command} ${args.join(' ')} ${how}:\n${tail.join('\n')}`))
    })
  })
}

const FFI_ADDONS = ['@2060.io/ffi-napi', '@2060.io/ref-napi']

/** Builds the ffi-napi and ref-napi addons under `packageDir`'s node_modules with node-gyp, if not built. */
export async function buildFfiAddons(packageDir: string, log: (msg: string) => void): Promise<void> {
  const missing = FFI_ADDONS.filter(
    (name) => !existsSync(path.join(packageDir, 'node_modules', name, 'build', 'Release')),
  )
  if (missing.length === 0) return log('ffi addons already built')
  log(`building ${missing.join(', ')} (node-gyp, about 10 s; needs python3, make and g++)`)
  await runLogged('npm', ['rebuild', '--ignore-scripts=false', '--foreground-scripts', ...missing], packageDir, log)
}

export interface WheelLibrary {
  /** The PyPI distribution (`aries-askar`, `indy-vdr`) and its version. */
  wheel: string
  version: string
  /** The library's path inside the wheel (`aries_askar/libaries_askar.so`). */
  member: string
  /** Where the wrapper looks for it. */
  target: string
}

/** Idempotent: downloads the wheel only when the cache lacks the library, copies it only when missing. */
export async function provisionWheelLibrary(lib: WheelLibrary, log: (msg: string) => void): Promise<void> {
  const file = path.basename(lib.member)
  const cached = path.join(userCacheDir(), lib.wheel.replace(/^aries-/, ''), lib.version, file)
  if (existsSync(cached)) {
    log(`${lib.wheel} ${lib.version} found in cache ${path.dirname(cached)}`)
  } else {
    log(`downloading the ${lib.wheel} ${lib.version} wheel from PyPI`)
    const tmp = mkdtempSync(path.join(os.tmpdir(), `${lib.wheel}-wheel-`))
    try {
      const pip = ['-m', 'pip', 'download', `${lib.wheel}==${lib.version}`, '--no-deps', '--only-binary=:all:']
      pip.push('--platform', 'manylinux2014_x86_64', '--disable-pip-version-check', '-d', tmp, '-q')
      await runLogged('python3', pip, tmp, log)
      const wheel = readdirSync(tmp).find((f) => f.endsWith('.whl'))
      if (!wheel) throw new Error('pip downloaded no wheel')
      await runLogged('python3', ['-m', 'zipfile', '-e', path.join(tmp, wheel), path.join(tmp, 'x')], tmp, log)
      mkdirSync(path.dirname(cached), { recursive: true })
      copyFileSync(path.join(tmp, 'x', lib.member), cached)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  if (!existsSync(lib.target)) {
    mkdirSync(path.dirname(lib.target), { recursive: true })
    copyFileSync(cached, lib.target)
    log(`installed ${file} into ${path.dirname(lib.target)}`)
  }
}
