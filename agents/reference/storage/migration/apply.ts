import { Store, type Session } from '@openwallet-foundation/askar-nodejs'
import { lostKeys, type StoreAccess } from '../../../../contract/storeSnapshot.js'
import { readStore, sqliteUri } from '../../../../common/askarStore.js'
import type { ItemRow, KeyRow } from '../../../../common/askarStore.js'
import { planMigration, type MigrationPlan } from './plan.js'

/** The store could not be opened (wrong key, not an Askar store, no such file): nothing was written. */
export class MigrationInputError extends Error {}

/** The migrated store did not keep what it held: the transaction was rolled back, nothing was written. */
export class MigrationCheckError extends Error {}

export interface MigrationResult {
  plan: MigrationPlan
  dryRun: boolean
  before: { items: number; keys: number }
  after: { items: number; keys: number }
  ms: number
}

const read = (session: Session) => readStore(session, { forUpdate: true })

/**
 * Migrates a store in one transaction: the plan is applied, the result is checked against what the
 * store held before (every key kept with the same public key, bound keys holding their DIDComm key,
 * item counts changed only by the plan), and only then committed. A process killed before the commit
 * leaves the store as it was; run again, it does the whole migration.
 */
export async function migrateStore(
  access: StoreAccess,
  options: { dryRun?: boolean; onProgress?: (line: string) => void } = {},
): Promise<MigrationResult> {
  const started = performance.now()
  const say = options.onProgress ?? (() => {})
  let store: Store
  try {
    store = await Store.open({ uri: sqliteUri(access.sqlitePath), passKey: access.passKey, profile: access.profile })
  } catch (e) {
    throw new MigrationInputError(
      `cannot open ${access.sqlitePath} as an Askar store with that key: ${(e as Error).message.split('\n')[0]}`,
    )
  }
  try {
    const session = await store.transaction(access.profile).open()
    try {
      const before = await read(session)
      say(`read ${before.items.length} items and ${before.keys.length} keys`)
      const plan = planMigration(before.items, before.keys)
      say(
        `planned ${plan.operations.length} operations (${plan.nyms.length} nym records, ${Object.keys(plan.renamed).length} DIDs renamed)`,
      )
      if (options.dryRun || plan.operations.length === 0) {
        await session.rollback()
        const count = { items: before.items.length, keys: before.keys.length }
        return { plan, dryRun: Boolean(options.dryRun), before: count, after: count, ms: performance.now() - started }
      }
      for (const op of plan.operations) await apply(session, op)
      const after = await read(session)
      check(before, after, plan)
      await session.commit()
      say(`committed`)
      return {
        plan,
        dryRun: false,
        before: { items: before.items.length, keys: before.keys.length },
        after: { items: after.items.length, keys: after.keys.length },
        ms: performance.now() - started,
      }
    } catch (e) {
      await session.rollback().catch(() => undefined)
      throw e
    }
  } finally {
    await store.close()
  }
}

async function apply(session: Session, op: MigrationPlan['operations'][number]): Promise<void> {
  switch (op.kind) {
    case 'put-item': {
      const entry = { category: op.category, name: op.name, value: op.value, tags: op.tags }
      await (op.exists ? session.replace(entry) : session.insert(entry))
      return
    }
    case 'remove-item':
      await session.remove({ category: op.category, name: op.name })
      return
    case 'bind-key': {
      const from = await session.fetchKey({ name: op.from, forUpdate: true })
      if (!from) throw new MigrationCheckError(`key ${op.from} disappeared during the migration`)
      try {
        await session.insertKey({ name: op.name, key: from.key, metadata: from.metadata ?? undefined, tags: op.tags })
      } finally {
        from.key.handle.free()
      }
      return
    }
    case 'tag-key':
      await session.updateKey({ name: op.name, metadata: op.metadata ?? undefined, tags: op.tags })
      return
  }
}

/** Nothing lost: every key kept, every bound key holding its source's key, item counts changed by the plan only. */
function check(
  before: { items: ItemRow[]; keys: KeyRow[] },
  after: { items: ItemRow[]; keys: KeyRow[] },
  plan: MigrationPlan,
): void {
  const problems = lostKeys(before.keys, after.keys)
  const afterKeys = new Map(after.keys.map((k) => [k.name, k]))
  const beforeKeys = new Map(before.keys.map((k) => [k.name, k]))
  for (const op of plan.operations.filter((o) => o.kind === 'bind-key')) {
    if (afterKeys.get(op.name)?.publicKey !== beforeKeys.get(op.from)?.publicKey) {
      problems.push(`bound key ${op.name} does not hold the key of ${op.from}`)
    }
  }
  const binds = plan.operations.filter((o) => o.kind === 'bind-key').length
  if (after.keys.length !== before.keys.length + binds) {
    problems.push(`${after.keys.length} keys, expected ${before.keys.length} + ${binds} bound`)
  }
  const count = (items: ItemRow[], category: string) => items.filter((i) => i.category === category).length
  const categories = new Set([...before.items, ...after.items].map((i) => i.category))
  const renamedOut = Object.keys(plan.renamed).length
  const didsIn = new Set(Object.values(plan.renamed)).size
  for (const category of categories) {
    const expected =
      count(before.items, category) +
      (category === 'nym' ? plan.nyms.length : 0) +
      (category === 'did' ? didsIn - renamedOut : 0)
    if (count(after.items, category) !== expected) {
      problems.push(`${category}: ${count(after.items, category)} records, expected ${expected}`)
    }
  }
  if (problems.length > 0) throw new MigrationCheckError(`the migration would lose data:\n  ${problems.join('\n  ')}`)
}
