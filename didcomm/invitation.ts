import { decodeBase64url } from './base64url.js'
import { b64url } from './encoding.js'

/** RFC 0434 out-of-band invitations in their URL form. */

/** An invitation RFC 0434 forbids accepting, refused before anything is sent. */
export class InvitationRefused extends Error {}

/** RFC 0434 URL form; the sender SHOULD NOT pad. */
export function invitationToUrl(invitation: Record<string, unknown>, base: string): string {
  return `${base}/?oob=${b64url(JSON.stringify(invitation))}`
}

/** Reads an invitation from its URL form (padded or unpadded, as the RFC requires) or as an object. */
export function parseInvitation(input: Record<string, unknown> | string): Record<string, unknown> {
  if (typeof input !== 'string') return input
  let oob: string | null
  try {
    oob = new URL(input).searchParams.get('oob')
  } catch {
    throw new InvitationRefused(`invitation URL ${input} is not a URL`)
  }
  if (!oob) throw new InvitationRefused('invitation URL has no oob parameter')
  try {
    return JSON.parse(Buffer.from(decodeBase64url(oob, 'oob parameter')).toString('utf8')) as Record<string, unknown>
  } catch (e) {
    throw new InvitationRefused(`oob parameter does not decode to JSON: ${(e as Error).message}`)
  }
}
