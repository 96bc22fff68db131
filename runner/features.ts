import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const FEATURES_DIR = path.resolve(import.meta.dirname, '..', 'features')

export interface FeatureIndex {
  files: string[]
  /** Every tag used anywhere in the features. */
  tags: Set<string>
  /** The distinct role sets the features declare with `@roles:a,b`. */
  roleSets: string[][]
}

/** Reads the tags of our own feature files, to check a tag expression and to find the role sets. */
export function indexFeatures(dir = FEATURES_DIR): FeatureIndex {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.feature'))
    .map((f) => path.join(dir, f))
  const tags = new Set<string>()
  const roleSets = new Map<string, string[]>()
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim().startsWith('@')) continue
      for (const tag of line.trim().split(/\s+/)) {
        if (!tag.startsWith('@')) break
        tags.add(tag)
        if (tag.startsWith('@roles:')) roleSets.set(tag, tag.slice('@roles:'.length).split(','))
      }
    }
  }
  return { files, tags, roleSets: [...roleSets.values()] }
}

/** Tags in the expression that no feature uses: almost always a typo that would select nothing. */
export function unknownTags(expression: string | undefined, index: FeatureIndex): string[] {
  const used = expression?.match(/@[^\s()]+/g) ?? []
  return used.filter((t) => !index.tags.has(t))
}
