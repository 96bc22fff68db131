import { Given, When } from '@cucumber/cucumber'
import type { ConformanceWorld } from './support/world.js'

/** Named faults of the reference agent, armed for its next message of a type (`protocol/name`). */
Given(
  'the {role} will drop the field {string} of its next {string}',
  function (this: ConformanceWorld, role: string, path: string, type: string) {
    this.instrument(role).arm({ name: 'drop-field', path }, type)
  },
)

Given(
  'the {role} will corrupt the field {string} of its next {string}',
  function (this: ConformanceWorld, role: string, path: string, type: string) {
    this.instrument(role).arm({ name: 'corrupt-field', path }, type)
  },
)

Given(
  'the {role} will set the field {string} of its next {string} to {string}',
  function (this: ConformanceWorld, role: string, path: string, type: string, value: string) {
    this.instrument(role).arm({ name: 'set-field', path, value }, type)
  },
)

Given(
  'the {role} will send its next {string} anoncrypted',
  function (this: ConformanceWorld, role: string, type: string) {
    this.instrument(role).arm({ name: 'anoncrypt' }, type)
  },
)

Given('the {role} will hold back its next {string}', function (this: ConformanceWorld, role: string, type: string) {
  this.instrument(role).arm({ name: 'hold' }, type)
})

When('the {role} releases the messages it held back', async function (this: ConformanceWorld, role: string) {
  await this.instrument(role).release()
})

Given(
  'the {role} will refuse the next rotate with {string}',
  function (this: ConformanceWorld, role: string, code: string) {
    this.instrument(role).arm({ name: 'refuse-rotate', code }, 'did-rotate/rotate')
  },
)

Given(
  'the {role} will send its next endorse over its second connection',
  function (this: ConformanceWorld, role: string) {
    const connectionId = this.connections[`${role} second`]
    if (!connectionId) throw new Error(`the ${role} has no second connection in this scenario`)
    this.instrument(role).arm({ name: 'endorse-on-connection', connectionId }, 'transactions/endorse')
  },
)

Given(
  "the {role} will endorse another author's request in place of the next one it endorses",
  function (this: ConformanceWorld, role: string) {
    this.instrument(role).arm({ name: 'endorse-another-request' }, 'transactions/endorse')
  },
)
