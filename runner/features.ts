import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import parseTagExpression from '@cucumber/tag-expressions'

export const FEATURES_DIR = path.resolve(import.meta.dirname, '..', 'features')

export interface FeatureIndex {
  files: string[]
  /** Every tag used anywhere in the features. */
  tags: Set<string>
  /** The distinct role sets the features declare with `@roles:a,b`. */
  roleSets: string[][]
  /** The tags each scenario (each Examples block of an outline) carries, its feature's included. */
  scenarioTags: string[][]
}

/** Reads the tags of our own feature files, to check a tag expression, find the role sets and what a selection needs. */
export function indexFeatures(dir = FEATURES_DIR): FeatureIndex {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.feature'))
    .map((f) => path.join(dir, f))
  const tags = new Set<string>()
  const roleSets = new Map<string, string[]>()
  const scenarioTags: string[][] = []
  for (const file of files) {
    // Tags stand on the lines before the keyword they belong to.
    let pending: string[] = []
    let feature: string[] = []
    let scenario: string[] = []
    let outline = false
    for (const raw of readFileSync(file, 'utf8').split('\n')) {
      const line = raw.trim()
      if (line.startsWith('@')) {
        for (const tag of line.split(/\s+/)) {
          if (!tag.startsWith('@')) break
          tags.add(tag)
          pending.push(tag)
          if (tag.startsWith('@roles:')) roleSets.set(tag, tag.slice('@roles:'.length).split(','))
        }
        continue
      }
      const keyword = /^(Feature|Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios):/.exec(
        line,
      )?.[1]
      if (!keyword) continue
      if (keyword === 'Feature') feature = pending
      else if (keyword === 'Examples' || keyword === 'Scenarios')
        scenarioTags.push([...feature, ...scenario, ...pending])
      else {
        scenario = pending
        outline = keyword !== 'Scenario' && keyword !== 'Example'
        if (!outline) scenarioTags.push([...feature, ...scenario])
      }
      pending = []
    }
  }
  return { files, tags, roleSets: [...roleSets.values()], scenarioTags }
}

/** Tags in the expression that no feature uses: almost always a typo that would select nothing. */
export function unknownTags(expression: string | undefined, index: FeatureIndex): string[] {
  const used = expression?.match(/@[^\s()]+/g) ?? []
  return used.filter((t) => !index.tags.has(t))
}

/** Whether any scenario the expression selects carries `tag` (e.g. `@ledger`: the run needs a ledger). */
export function selectionHas(tag: string, expression: string | undefined, index: FeatureIndex): boolean {
  return selectionCount(tag, expression, index) > 0
}

/** How many scenarios with `tag` the tag expression selects. */
export function selectionCount(tag: string, expression: string | undefined, index: FeatureIndex): number {
  const selects = expression?.trim() ? parseTagExpression(expression) : undefined
  return index.scenarioTags.filter((t) => t.includes(tag) && (!selects || selects.evaluate(t))).length
}
