#!/usr/bin/env node
// The harness runs from its TypeScript sources; tsx compiles them on load, so there is no build step.
import { register } from 'tsx/esm/api'

// Loading takes a moment: a Ctrl-C meanwhile is kept for the run to act on as soon as it can (it
// then writes its summary marked interrupted) instead of ending the process with nothing written.
if (process.argv[2] === 'run') {
  const early = { signal: undefined, listener: (signal) => (early.signal ??= signal) }
  process.on('SIGINT', early.listener)
  process.on('SIGTERM', early.listener)
  process[Symbol.for('didcomm-conformance.early-interrupt')] = early
}

register()
await import('../runner/cli.ts')
