import { instanceName, isReference } from '../contract/agentId.js'

/** Which agent instance plays which role, for one pass over the scenarios of a role set. */
export interface Assignment {
  /** Role names in the order the feature declares them (`@roles:inviter,invitee`). */
  roleSet: string[]
  /** Role → agent id (`acapy@1.7.0`). */
  agents: Record<string, string>
  /** Role → agent instance (`acapy-1.7.0-1`, `acapy-1.7.0-2`, …). */
  instances: Record<string, string>
}

/**
 * `all`: every assignment of the agents to the roles. `default`: each agent under test against the
 * reference agent in every role and with itself, plus the pairs of real agents across families at
 * their newest versions — enough for a meaningful matrix without every n-tuple.
 */
export type Pairing = 'default' | 'all'

/**
 * The assignments of the chosen agents to the roles, with repetition: with `reference,acapy@1.7.0`
 * and two roles that is four, ACA-Py↔ACA-Py included. An agent that plays two roles at once runs as
 * two instances, so each role has an agent of its own. `isNewest` says whether an agent id is the
 * newest version of its family in the run.
 */
export function assignmentsFor(
  roleSets: string[][],
  agents: string[],
  pairing: Pairing = 'all',
  isNewest: (id: string) => boolean = () => true,
): Assignment[] {
  const result: Assignment[] = []
  for (const roleSet of roleSets) {
    for (const combo of tuples(agents, roleSet.length)) {
      if (pairing === 'default' && !meaningful(combo, isNewest)) continue
      const seen = new Map<string, number>()
      const assignment: Assignment = { roleSet, agents: {}, instances: {} }
      roleSet.forEach((role, i) => {
        const agent = combo[i] as string
        const n = (seen.get(agent) ?? 0) + 1
        seen.set(agent, n)
        assignment.agents[role] = agent
        assignment.instances[role] = instanceName(agent, n)
      })
      result.push(assignment)
    }
  }
  return result
}

/** One agent under test beside the reference agent (or itself), or only newest versions together. */
function meaningful(combo: string[], isNewest: (id: string) => boolean): boolean {
  const underTest = [...new Set(combo.filter((id) => !isReference(id)))]
  return underTest.length <= 1 || underTest.every(isNewest)
}

/** How many instances of each agent the assignments need at once. */
export function instancesNeeded(assignments: Assignment[]): Map<string, number> {
  const needed = new Map<string, number>()
  for (const a of assignments) {
    const counts = new Map<string, number>()
    for (const agent of Object.values(a.agents)) counts.set(agent, (counts.get(agent) ?? 0) + 1)
    for (const [agent, n] of counts) needed.set(agent, Math.max(needed.get(agent) ?? 0, n))
  }
  return needed
}

/**
 * The scenarios of a role set that this assignment can run: @reference:<role> needs the reference agent
 * there; @same-agent needs one agent id in every role (instances of it).
 */
export function assignmentTagExpression(assignment: Assignment, userTags: string | undefined): string {
  const parts = [`@roles:${assignment.roleSet.join(',')}`]
  if (userTags?.trim()) parts.unshift(`(${userTags})`)
  for (const role of assignment.roleSet) {
    if (!isReference(assignment.agents[role] as string)) parts.push(`not @reference:${role}`)
  }
  if (new Set(Object.values(assignment.agents)).size > 1) parts.push('not @same-agent')
  return parts.join(' and ')
}

export function describeAssignment(a: Assignment): string {
  return a.roleSet.map((r) => `${r}=${a.agents[r]}`).join(' ')
}

function tuples<T>(items: T[], length: number): T[][] {
  if (length === 0) return [[]]
  return tuples(items, length - 1).flatMap((t) => items.map((i) => [...t, i]))
}

/**
 * The share of the assignments shard `index` of `total` runs; the shards together run each assignment
 * once, and every shard of a matrix computes the same partition. Each shard starts the agents its
 * assignments need, and starting agents is much of a run's CPU, so assignments that need the same
 * agents under test stay together: such groups are dealt, heaviest first (`weight`: the scenarios an
 * assignment runs), to the shard with the least work. While there are fewer groups than shards the
 * heaviest is halved, so that no shard idles.
 */
export function shardOf(
  assignments: Assignment[],
  shard?: { index: number; total: number },
  weight: (a: Assignment) => number = () => 1,
): Assignment[] {
  if (!shard) return assignments
  const byAgents = new Map<string, Assignment[]>()
  for (const a of assignments) {
    const key = [...new Set(Object.values(a.agents).filter((id) => !isReference(id)))].sort().join(',')
    byAgents.set(key, [...(byAgents.get(key) ?? []), a])
  }
  const sum = (group: Assignment[]) => group.reduce((n, a) => n + weight(a), 0)
  const groups = [...byAgents.values()]
  while (groups.length < shard.total) {
    const heaviest = groups.filter((g) => g.length > 1).sort((a, b) => sum(b) - sum(a))[0]
    if (!heaviest) break
    groups.splice(groups.indexOf(heaviest), 1, ...halves(heaviest, weight))
  }
  const load = Array.from({ length: shard.total }, () => 0)
  const mine = new Set<Assignment>()
  // A stable sort: groups of equal weight keep the order of the assignments, so the deal is deterministic.
  for (const group of [...groups].sort((a, b) => sum(b) - sum(a))) {
    const least = load.indexOf(Math.min(...load))
    load[least] = (load[least] ?? 0) + sum(group)
    if (least === shard.index - 1) for (const a of group) mine.add(a)
  }
  return assignments.filter((a) => mine.has(a))
}

/** A group split where the two parts weigh most alike, the order kept. */
function halves(group: Assignment[], weight: (a: Assignment) => number): [Assignment[], Assignment[]] {
  const total = group.reduce((n, a) => n + weight(a), 0)
  let at = 1
  let first = weight(group[0] as Assignment)
  while (at < group.length - 1 && first + weight(group[at] as Assignment) <= total / 2) {
    first += weight(group[at] as Assignment)
    at++
  }
  return [group.slice(0, at), group.slice(at)]
}

/** Reads `i/n` (1 ≤ i ≤ n) as given to `--shard`. */
export function parseShard(text: string): { index: number; total: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const [index, total] = m ? [Number(m[1]), Number(m[2])] : [0, 0]
  if (!m || total < 1 || index < 1 || index > total) throw new Error(`--shard ${text}: expected i/n with 1 ≤ i ≤ n`)
  return { index, total }
}
