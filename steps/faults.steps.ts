import { Given, When } from '@cucumber/cucumber'
import type { Fault } from '../agents/reference/faults/faults.js'
import type { ConformanceWorld } from './support/world.js'

/** Named faults of the reference agent, armed for its next message of a type (`protocol/name`). */
function arm(world: ConformanceWorld, role: string, fault: Fault, messageType: string): void {
  world.reference(role).agent.faults.arm(fault, messageType)
}

Given(
  'the {role} will drop the field {string} of its next {string}',
  function (this: ConformanceWorld, role: string, path: string, type: string) {
    arm(this, role, { name: 'drop-field', path }, type)
  },
)

Given(
  'the {role} will corrupt the field {string} of its next {string}',
  function (this: ConformanceWorld, role: string, path: string, type: string) {
    arm(this, role, { name: 'corrupt-field', path }, type)
  },
)

Given(
  'the {role} will set the field {string} of its next {string} to {string}',
  function (this: ConformanceWorld, role: string, path: string, type: string, value: string) {
    arm(this, role, { name: 'set-field', path, value }, type)
  },
)

Given(
  'the {role} will send its next {string} anoncrypted',
  function (this: ConformanceWorld, role: string, type: string) {
    arm(this, role, { name: 'anoncrypt' }, type)
  },
)

Given('the {role} will hold back its next {string}', function (this: ConformanceWorld, role: string, type: string) {
  arm(this, role, { name: 'hold' }, type)
})

When('the {role} releases the messages it held back', async function (this: ConformanceWorld, role: string) {
  await this.reference(role).agent.faults.release()
})

Given(
  'the {role} will refuse the next rotate with {string}',
  function (this: ConformanceWorld, role: string, code: string) {
    arm(this, role, { name: 'refuse-rotate', code }, 'did-rotate/rotate')
  },
)
