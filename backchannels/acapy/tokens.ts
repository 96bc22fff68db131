/**
 * Tenant tokens as ACA-Py issues them (HS256 JWTs `{wallet_id, iat}`, multitenancy.md §1.3), read and
 * forged for the checks that the agent refuses what it did not sign. Forging is done by hand on
 * purpose: JWT libraries refuse to make `alg: none` tokens or to keep a signature over another body.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { TokenForgery } from '../capabilities.js'

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function parts(token: string): { header: string; payload: Record<string, unknown>; signature: string } {
  const [header, body, signature] = token.split('.')
  if (!header || !body || signature === undefined) throw new Error('not a JWT (three dot-separated parts expected)')
  return { header, payload: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), signature }
}

/** The token's `iat` (seconds): a token issued again within the same second is the same token. */
export function issuedAt(token: string): number {
  return Number(parts(token).payload.iat)
}

export function forgeToken(token: string, forgery: TokenForgery, otherWalletId?: string): string {
  const { header, payload, signature } = parts(token)
  switch (forgery) {
    case 'wrong-secret': {
      const signed = `${header}.${b64url(payload)}`
      return `${signed}.${createHmac('sha256', randomBytes(32)).update(signed).digest('base64url')}`
    }
    case 'alg-none':
      return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`
    case 'wallet-id-swapped':
      if (!otherWalletId) throw new Error('a wallet-id-swapped token needs the other tenant')
      return `${header}.${b64url({ ...payload, wallet_id: otherWalletId })}.${signature}`
  }
}
