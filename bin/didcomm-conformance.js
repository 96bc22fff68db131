#!/usr/bin/env node
// The harness runs from its TypeScript sources; tsx compiles them on load, so there is no build step.
import { register } from 'tsx/esm/api'

register()
await import('../runner/cli.ts')
