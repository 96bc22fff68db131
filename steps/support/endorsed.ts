import assert from 'node:assert/strict'
import { ledgerOfRun } from '../../runner/context.js'
import type { ConformanceWorld } from './world.js'

/** What the endorsement and revocation steps share: the scenario's parties and the read-back of an endorsed write. */
export function endorsement(world: ConformanceWorld): NonNullable<ConformanceWorld['endorsement']> {
  if (!world.endorsement) throw new Error('the author and the endorser are not set up in this scenario')
  return world.endorsement
}

export function schemaOf(world: ConformanceWorld) {
  const schema = endorsement(world).schema
  if (!schema) throw new Error('no schema was asked for in this scenario')
  return schema
}

/**
 * The transaction at `seqNo`, read back from the pool: of `type`, written as `author`, the endorser's
 * DID as `endorser`, signed by both. An agent's word alone is never the verdict.
 */
export async function endorsedWrite(
  world: ConformanceWorld,
  seqNo: number,
  expected: { type: string; what: string; author: string; as: string },
) {
  const { endorserDid } = endorsement(world)
  const txn = await ledgerOfRun().transaction(seqNo)
  world.observations.push(`read back: ${expected.what} at seqNo ${seqNo}: ${JSON.stringify(txn)}`)
  assert.equal(txn.type, expected.type, `the transaction at that seqNo is not ${expected.what}`)
  assert.equal(txn.from, expected.author, `${expected.what} was not written as ${expected.as}`)
  assert.equal(txn.endorser, endorserDid, `${expected.what} was not endorsed by the endorser`)
  assert.deepEqual(
    [...txn.signers].sort(),
    [expected.author, endorserDid].sort(),
    'not signed by the author and the endorser',
  )
  return txn
}
