import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  assignmentsFor,
  assignmentTagExpression,
  instancesNeeded,
  shardOf,
  type Assignment,
} from '../runner/assignments.js'
import { indexFeatures, selectionHas, unknownTags } from '../runner/features.js'

describe('role assignments', () => {
  it('assigns every agent to every role, pairs of the same agent included', () => {
    const assignments = assignmentsFor([['inviter', 'invitee']], ['reference@0.1.0', 'acapy@1.7.0'])
    assert.deepEqual(
      assignments.map((a) => a.instances),
      [
        { inviter: 'reference-0.1.0-1', invitee: 'reference-0.1.0-2' },
        { inviter: 'reference-0.1.0-1', invitee: 'acapy-1.7.0-1' },
        { inviter: 'acapy-1.7.0-1', invitee: 'reference-0.1.0-1' },
        { inviter: 'acapy-1.7.0-1', invitee: 'acapy-1.7.0-2' },
      ],
    )
    assert.deepEqual(
      [...instancesNeeded(assignments)],
      [
        ['reference@0.1.0', 2],
        ['acapy@1.7.0', 2],
      ],
    )
  })

  it('pairs by default each agent with the reference agent and itself, and real agents only at their newest', () => {
    const agents = ['reference@0.1.0', 'acapy@1.7.0', 'acapy@0.12.8', 'credo@0.5.19']
    const newest = new Set(['reference@0.1.0', 'acapy@1.7.0', 'credo@0.5.19'])
    const pairs = (pairing: 'default' | 'all') =>
      assignmentsFor([['inviter', 'invitee']], agents, pairing, (id) => newest.has(id)).map(
        (a) => `${a.agents.inviter}→${a.agents.invitee}`,
      )
    const byDefault = pairs('default')
    assert.equal(byDefault.length, 12)
    for (const kept of ['acapy@0.12.8→acapy@0.12.8', 'reference@0.1.0→acapy@0.12.8', 'acapy@1.7.0→credo@0.5.19']) {
      assert.ok(byDefault.includes(kept), kept)
    }
    for (const left of ['acapy@0.12.8→acapy@1.7.0', 'credo@0.5.19→acapy@0.12.8'])
      assert.ok(!byDefault.includes(left), left)
    assert.equal(pairs('all').length, 16)
  })

  it('leaves out scenarios that need the reference agent in a role another agent plays', () => {
    const [, refInviter] = assignmentsFor([['inviter', 'invitee']], ['reference@0.1.0', 'acapy@1.7.0'])
    assert.equal(
      assignmentTagExpression(refInviter!, '@connection'),
      '(@connection) and @roles:inviter,invitee and not @reference:invitee and not @same-agent',
    )
  })

  it('runs @same-agent scenarios only where one agent id plays every role', () => {
    const assignments = assignmentsFor([['agent', 'peer']], ['reference@0.1.0', 'acapy@1.7.0'])
    const same = assignments.filter((a) => !assignmentTagExpression(a, undefined).includes('not @same-agent'))
    assert.deepEqual(
      same.map((a) => Object.values(a.agents)),
      [
        ['reference@0.1.0', 'reference@0.1.0'],
        ['acapy@1.7.0', 'acapy@1.7.0'],
      ],
    )
  })

  it('knows the tags and role sets of the features', () => {
    const index = indexFeatures()
    assert.ok(index.tags.has('@connection'))
    assert.deepEqual(index.roleSets, [
      ['inviter', 'invitee'],
      ['agent', 'peer'],
      ['rotating_party', 'observing_party'],
      ['author', 'endorser'],
      ['agency', 'peer'],
    ])
    assert.deepEqual(unknownTags('@connection and not @nope', index), ['@nope'])
  })

  it('knows which selections need the ledger, scenario by scenario', () => {
    const index = indexFeatures()
    assert.equal(selectionHas('@ledger', undefined, index), true, 'every feature is selected')
    assert.equal(selectionHas('@ledger', '@endorsement', index), true)
    assert.equal(selectionHas('@ledger', '@TXN-01', index), true, 'a scenario tag with the feature’s @ledger')
    assert.equal(selectionHas('@ledger', '@connection or @RFC0794', index), false)
    assert.equal(selectionHas('@ledger', '@endorsement and not @ledger', index), false)
  })
})

describe('shards', () => {
  const roleSets = [
    ['inviter', 'invitee'],
    ['rotating_party', 'observing_party'],
  ]
  const all = assignmentsFor(roleSets, ['reference@0.1.0', 'acapy@1.7.0', 'credo@0.6.3'])
  const shards = (total: number, assignments = all, weight?: (a: Assignment) => number) =>
    Array.from({ length: total }, (_, i) => shardOf(assignments, { index: i + 1, total }, weight))
  const underTest = (a: Assignment) =>
    [...new Set(Object.values(a.agents).filter((id) => !id.startsWith('reference')))].sort().join(',')

  it('run every assignment once between them, for any number of shards', () => {
    for (const total of [1, 2, 3, 4, 7, 18, 25]) {
      const dealt = shards(total).flat()
      assert.equal(dealt.length, all.length, `${total} shards`)
      assert.deepEqual(new Set(dealt), new Set(all), `${total} shards`)
    }
  })

  it('keep assignments that need the same agents under test together, so each starts them once', () => {
    const groups = shards(4).map((s) => [...new Set(s.map(underTest))])
    assert.deepEqual(groups.map((g) => g.length).sort(), [1, 1, 1, 1], JSON.stringify(groups))
    assert.deepEqual(groups.flat().sort(), ['', 'acapy@1.7.0', 'acapy@1.7.0,credo@0.6.3', 'credo@0.6.3'])
  })

  it('halve the heaviest group while a shard would otherwise idle', () => {
    const acapyOnly = assignmentsFor(roleSets, ['reference@0.1.0', 'acapy@1.7.0'])
    const dealt = shards(4, acapyOnly)
    assert.ok(
      dealt.every((s) => s.length > 0),
      JSON.stringify(dealt.map((s) => s.length)),
    )
  })

  it('deal by weight: the heaviest group first, to the shard with the least work', () => {
    const weight = (a: Assignment) => (underTest(a) === 'acapy@1.7.0,credo@0.6.3' ? 20 : 1)
    const [first, second] = shards(2, all, weight)
    assert.deepEqual([...new Set(first?.map(underTest))], ['acapy@1.7.0,credo@0.6.3'])
    assert.equal(second?.length, all.length - (first?.length ?? 0))
  })

  it('are the same however often they are computed', () => {
    assert.deepEqual(shards(3), shards(3))
  })
})
