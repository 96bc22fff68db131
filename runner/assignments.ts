/** Which agent instance plays which role, for one pass over the scenarios of a role set. */
export interface Assignment {
  /** Role names in the order the feature declares them (`@roles:inviter,invitee`). */
  roleSet: string[]
  /** Role → agent family. */
  agents: Record<string, string>
  /** Role → agent instance (`reference-1`, `reference-2`, …). */
  instances: Record<string, string>
}

/**
 * Every assignment of the chosen agents to the roles, with repetition: with `reference,acapy` and
 * two roles that is four, ACA-Py↔ACA-Py included. An agent that plays two roles at once runs as two
 * instances, so each role has an agent of its own.
 */
export function assignmentsFor(roleSets: string[][], agents: string[]): Assignment[] {
  const result: Assignment[] = []
  for (const roleSet of roleSets) {
    for (const combo of tuples(agents, roleSet.length)) {
      const seen = new Map<string, number>()
      const assignment: Assignment = { roleSet, agents: {}, instances: {} }
      roleSet.forEach((role, i) => {
        const agent = combo[i] as string
        const n = (seen.get(agent) ?? 0) + 1
        seen.set(agent, n)
        assignment.agents[role] = agent
        assignment.instances[role] = `${agent}-${n}`
      })
      result.push(assignment)
    }
  }
  return result
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

/** The scenarios of a role set that this assignment can run: @reference:<role> needs the reference agent there. */
export function assignmentTagExpression(assignment: Assignment, userTags: string | undefined): string {
  const parts = [`@roles:${assignment.roleSet.join(',')}`]
  if (userTags?.trim()) parts.unshift(`(${userTags})`)
  for (const role of assignment.roleSet) {
    if (assignment.agents[role] !== 'reference') parts.push(`not @reference:${role}`)
  }
  return parts.join(' and ')
}

export function describeAssignment(a: Assignment): string {
  return a.roleSet.map((r) => `${r}=${a.agents[r]}`).join(' ')
}

function tuples<T>(items: T[], length: number): T[][] {
  if (length === 0) return [[]]
  return tuples(items, length - 1).flatMap((t) => items.map((i) => [...t, i]))
}
