import { randomUUID } from 'node:crypto'

/** A DIDComm v1 plaintext message: `@type`, `@id`, decorators and body fields side by side. */
export type DidCommMessage = Record<string, unknown> & { '@type': string; '@id': string }

export interface ThreadDecorator {
  thid?: string
  pthid?: string
}

export function newMessage(type: string, body: Record<string, unknown> = {}, thread?: ThreadDecorator): DidCommMessage {
  const message: DidCommMessage = { '@type': type, '@id': randomUUID(), ...body }
  if (thread && (thread.thid || thread.pthid)) message['~thread'] = { ...thread }
  return message
}

export function threadOf(message: Record<string, unknown>): ThreadDecorator {
  const t = message['~thread']
  if (!t || typeof t !== 'object') return {}
  const { thid, pthid } = t as Record<string, unknown>
  return {
    ...(typeof thid === 'string' ? { thid } : {}),
    ...(typeof pthid === 'string' ? { pthid } : {}),
  }
}

/** RFC 0008: without `~thread.thid` the thread id is the message's own `@id`. */
export function threadIdOf(message: Record<string, unknown>): string | undefined {
  return threadOf(message).thid ?? (typeof message['@id'] === 'string' ? message['@id'] : undefined)
}

export function isDidCommMessage(value: unknown): value is DidCommMessage {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  return typeof v['@type'] === 'string' && typeof v['@id'] === 'string'
}
