/**
 * The `genesis` part of an indy-path upload: the pool's genesis transactions, one JSON object a line,
 * by which the uploader says on which ledger its registry is written.
 */

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)

/**
 * Why `received` is not genesis transactions (or not the run's `expected` ones, when given), or
 * undefined when it is.
 */
export function genesisProblem(received: string, expected?: string): string | undefined {
  const got = lines(received)
  if (got.length === 0) return 'the genesis part is empty'
  for (const [i, line] of got.entries()) {
    let txn: unknown
    try {
      txn = JSON.parse(line)
    } catch {
      txn = undefined
    }
    if (!txn || typeof txn !== 'object' || Array.isArray(txn))
      return `the genesis part is not Indy genesis transactions: line ${i + 1} is not a JSON object`
  }
  if (expected !== undefined && got.join('\n') !== lines(expected).join('\n'))
    return "the genesis part is not this run's pool genesis"
  return undefined
}
