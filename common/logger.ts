import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { pino, type Logger } from 'pino'

export type { Logger }

/** Field names whose values never reach a log line. */
export const SECRET_FIELDS = ['walletKey', 'apiKey', 'passKey', 'seed', 'token', 'secret', 'privateKey']

/** One log file per agent instance; secrets are redacted wherever they appear as fields. */
export function fileLogger(file: string, name: string): Logger {
  mkdirSync(path.dirname(file), { recursive: true })
  return pino(
    {
      name,
      level: process.env.DIDCOMM_CONFORMANCE_LOG_LEVEL ?? 'debug',
      redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
      base: undefined,
    },
    pino.destination({ dest: file, sync: true }),
  )
}

/** A logger for code paths that run without a report directory (unit tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
