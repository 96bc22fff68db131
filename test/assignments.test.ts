import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assignmentsFor, assignmentTagExpression, instancesNeeded } from '../runner/assignments.js'
import { indexFeatures, unknownTags } from '../runner/features.js'

describe('role assignments', () => {
  it('assigns every agent to every role, pairs of the same agent included', () => {
    const assignments = assignmentsFor([['inviter', 'invitee']], ['reference', 'acapy'])
    assert.deepEqual(
      assignments.map((a) => a.instances),
      [
        { inviter: 'reference-1', invitee: 'reference-2' },
        { inviter: 'reference-1', invitee: 'acapy-1' },
        { inviter: 'acapy-1', invitee: 'reference-1' },
        { inviter: 'acapy-1', invitee: 'acapy-2' },
      ],
    )
    assert.deepEqual(
      [...instancesNeeded(assignments)],
      [
        ['reference', 2],
        ['acapy', 2],
      ],
    )
  })

  it('leaves out scenarios that need the reference agent in a role another agent plays', () => {
    const [, refInviter] = assignmentsFor([['inviter', 'invitee']], ['reference', 'acapy'])
    assert.equal(
      assignmentTagExpression(refInviter!, '@connection'),
      '(@connection) and @roles:inviter,invitee and not @reference:invitee',
    )
  })

  it('knows the tags and role sets of the features', () => {
    const index = indexFeatures()
    assert.ok(index.tags.has('@connection'))
    assert.deepEqual(index.roleSets, [
      ['inviter', 'invitee'],
      ['rotating_party', 'observing_party'],
    ])
    assert.deepEqual(unknownTags('@connection and not @nope', index), ['@nope'])
  })
})
