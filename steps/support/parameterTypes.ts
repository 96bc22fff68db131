import { defineParameterType } from '@cucumber/cucumber'

/** Role names as the features use them; each maps to an agent through the run's role assignment. */
defineParameterType({
  name: 'role',
  regexp: /inviter|invitee|rotating party|observing party|author|endorser/,
  transformer: (s: string) => s.replace(' ', '_'),
})

defineParameterType({
  name: 'numalgo',
  regexp: /did:peer:([24])/,
  transformer: (n: string) => Number(n) as 2 | 4,
})
