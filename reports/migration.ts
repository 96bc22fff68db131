import type { MigrationResult } from '../agents/reference/storage/migration/apply.js'

/** What a migration did (or, dry, would do), one line per operation. */
export function formatMigration(result: MigrationResult): string {
  const { plan } = result
  const lines = plan.operations.map((op) => {
    const what =
      op.kind === 'put-item' || op.kind === 'remove-item'
        ? `${op.kind} ${op.category}/${op.name}`
        : op.kind === 'bind-key'
          ? `bind-key ${op.name} (key ${op.from})`
          : `tag-key ${op.name} did=${String(op.tags.did)}`
    return `  ${what}: ${op.why}`
  })
  const head = result.dryRun
    ? `dry run: ${plan.operations.length} operations would be written`
    : plan.operations.length === 0
      ? 'nothing to migrate: the store already follows the model'
      : `migrated: ${plan.operations.length} operations; items ${result.before.items} → ${result.after.items}, keys ${result.before.keys} → ${result.after.keys}`
  return [
    `${head} (${result.ms.toFixed(0)} ms)`,
    ...lines,
    ...Object.entries(plan.renamed).map(([from, to]) => `  renamed ${from} → ${to}`),
    ...plan.skipped.map((s) => `  left as it is: ${s}`),
  ].join('\n')
}
