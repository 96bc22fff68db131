import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { it } from 'node:test'

it('a library that cannot be loaded fails start-up with one line naming the fix', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'askar-broken-'))
  try {
    // The wrapper looks in $LIB_ASKAR_PATH first; a file that is not a shared library stands in for a broken install.
    writeFileSync(path.join(dir, 'libaries_askar.so'), 'not a library')
    const script =
      "import('./agents/reference/native/askarLibrary.ts').then(m => m.ensureAskarLibrary()).then(() => console.log('loaded'), e => { console.error(e.constructor.name + ': ' + e.message); process.exit(3) })"
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, LIB_ASKAR_PATH: dir },
      encoding: 'utf8',
    })
    assert.equal(result.status, 3, result.stdout + result.stderr)
    const line = result.stderr.trim().split('\n').at(-1) ?? ''
    assert.match(line, /^AskarUnavailableError: Askar native library could not be loaded .*: run `npm run setup`/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
