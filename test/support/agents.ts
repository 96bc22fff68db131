import type { Connections, DidRotate, Messaging } from '../../backchannels/capabilities.js'
import type { AgentHost, HostSettings } from '../../backchannels/host.js'
import type { AgentRef } from '../../contract/agentId.js'

/** Agent refs for hosts that tests start by hand. */
export const REFERENCE: AgentRef = { family: 'reference', version: '0.0.0-test' }
export const CREDO: AgentRef = { family: 'credo', version: '0.5.19' }
/** Hosts started by hand wait with a fixed bound: the tests learn nothing across runs. */
export const SETTINGS: HostSettings = { timeoutMs: 10_000, calibrate: false }

export const conn = (host: AgentHost): Connections => host.driver().get('connections')
export const msg = (host: AgentHost): Messaging => host.driver().get('messaging')
export const rot = (host: AgentHost): DidRotate => host.driver().get('didRotate')
