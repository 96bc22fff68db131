/**
 * Store values can hold secrets: a tenant's wallet key in a multitenant base wallet, a private key in
 * Credo's `KeyPairRecord`, a link secret. A snapshot keeps their shape and drops their content, so that a
 * run's `stores/` folder can be read and shared like the rest of its reports.
 */
export const REDACTED = '«redacted»'

/** Field names whose values are secrets in the layouts the harness reads. */
const SECRET_FIELD = /private|secret|seed|passkey|pass_key|password|token|jwt|^key$|wallet\.key|wallet_key/i

/** Categories whose whole value is a secret. */
const SECRET_CATEGORIES = new Set([
  'master_secret',
  'link_secret',
  'credential_def_private',
  'revocation_reg_def_private',
])

export function redactValue(category: string, value: unknown): unknown {
  if (SECRET_CATEGORIES.has(category)) return REDACTED
  return redact(value)
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) && v !== null && v !== '' ? REDACTED : redact(v)]),
  )
}
