/** Message type URIs (RFC 0003) with the two prefixes DIDComm v1 agents use (RFC 0348). */
export const DIDCOMM_PREFIX = 'https://didcomm.org/'
export const LEGACY_PREFIX = 'did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/'

export interface MessageType {
  uri: string
  prefix: string
  protocol: string
  major: number
  minor: number
  name: string
}

const MTURI = /^(.*?)([a-z0-9._-]+)\/(\d+)\.(\d+)\/([a-z0-9._-]+)$/

export function parseMessageType(uri: string): MessageType | undefined {
  const m = MTURI.exec(uri)
  if (!m) return undefined
  const [, prefix = '', protocol = '', major = '', minor = '', name = ''] = m
  return { uri, prefix, protocol, major: Number(major), minor: Number(minor), name }
}

/** `protocol/major/name`: the key handlers register under, so any minor version of a major is routed alike. */
export function handlerKey(t: Pick<MessageType, 'protocol' | 'major' | 'name'>): string {
  return `${t.protocol}/${t.major}/${t.name}`
}

export function messageTypeUri(protocol: string, version: string, name: string): string {
  return `${DIDCOMM_PREFIX}${protocol}/${version}/${name}`
}

/** The reference agent sends these; receivers must accept both prefixes and any minor version. */
export const MessageTypes = {
  oobInvitation: messageTypeUri('out-of-band', '1.1', 'invitation'),
  didexchangeRequest: messageTypeUri('didexchange', '1.1', 'request'),
  didexchangeResponse: messageTypeUri('didexchange', '1.1', 'response'),
  didexchangeComplete: messageTypeUri('didexchange', '1.1', 'complete'),
  didexchangeProblemReport: messageTypeUri('didexchange', '1.1', 'problem_report'),
  trustPing: messageTypeUri('trust_ping', '1.0', 'ping'),
  trustPingResponse: messageTypeUri('trust_ping', '1.0', 'ping_response'),
  basicMessage: messageTypeUri('basicmessage', '1.0', 'message'),
  problemReport: messageTypeUri('notification', '1.0', 'problem-report'),
  rotate: messageTypeUri('did-rotate', '1.0', 'rotate'),
  rotateAck: messageTypeUri('did-rotate', '1.0', 'ack'),
  rotateProblemReport: messageTypeUri('did-rotate', '1.0', 'problem-report'),
  hangup: messageTypeUri('did-rotate', '1.0', 'hangup'),
} as const

export const DIDEXCHANGE_1_1 = 'https://didcomm.org/didexchange/1.1'
export const DIDEXCHANGE_1_0 = 'https://didcomm.org/didexchange/1.0'
