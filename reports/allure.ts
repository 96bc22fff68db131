import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * Turns a run's allure-results/ into an Allure HTML report with the Allure CLI that the
 * allure-commandline package bundles (it needs Java). `--single-file` makes one page that opens
 * from disk, as report.html does; ALLURE_NO_ANALYTICS leaves out the page's call to an analytics service.
 */
export async function generateAllureReport(runDir: string): Promise<string> {
  const results = path.join(runDir, 'allure-results')
  if (!existsSync(results)) throw new Error(`${runDir} has no allure-results/ to build an Allure report from`)
  const output = path.join(runDir, 'allure-report')
  const cli = path.join(
    path.dirname(createRequire(import.meta.url).resolve('allure-commandline')),
    'dist',
    'bin',
    'allure',
  )
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cli, ['generate', '--clean', '--single-file', results, '-o', output], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ALLURE_NO_ANALYTICS: 'true' },
    })
    child.on('error', reject)
    child.on('exit', resolve)
  })
  if (code !== 0) throw new Error(`allure generate exited with ${code}`)
  return path.join(output, 'index.html')
}
