/**
 * Installs Debian's chromium for the browser test of report.html (Playwright's own browser
 * download is not reachable everywhere; playwright-core drives the system browser instead).
 * Idempotent: does nothing when /usr/bin/chromium is there.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'

const step = (msg: string) => console.log(`[setup-browser] ${msg}`)

if (existsSync(CHROMIUM)) {
  step(`chromium found at ${CHROMIUM}`)
} else {
  step('installing chromium with apt-get')
  const apt = (...args: string[]) =>
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  try {
    apt('update', '-qq')
    apt('install', '-y', '-qq', 'chromium')
  } catch (e) {
    console.error(
      `[setup-browser] installing chromium failed (needs root and Debian's package lists): ${(e as Error).message}`,
    )
    process.exit(1)
  }
  step(`chromium installed at ${CHROMIUM}`)
}
