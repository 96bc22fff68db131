import { Given as given, Then as then, When as when } from '@cucumber/cucumber'
import { NotOffered } from '../../backchannels/capabilities.js'
import { UNTESTED_MEDIA_TYPE } from '../../contract/evidence.js'
import type { ConformanceWorld } from './world.js'

type Step = (this: ConformanceWorld, ...args: string[]) => unknown

/**
 * Step definitions for a suite whose checks an agent may not offer (NotOffered: no tokens, no admin
 * API, no restart on a migrated store): such a scenario is `untested` for the agent in `role`, with
 * the reason, instead of failed.
 */
export function offeredSteps(role: string) {
  const offered = (step: Step): Step => {
    const wrapped = async function (this: ConformanceWorld, ...args: string[]) {
      try {
        return await step.apply(this, args)
      } catch (e) {
        if (!(e instanceof NotOffered)) throw e
        this.attach(`${this.as(role).agentId}: ${e.message}`, UNTESTED_MEDIA_TYPE)
        return 'skipped'
      }
    }
    // Cucumber checks a step function's arity against its pattern's parameters.
    return Object.defineProperty(wrapped, 'length', { value: step.length })
  }
  return {
    Given: (pattern: string | RegExp, step: Step) => given(pattern, offered(step)),
    When: (pattern: string | RegExp, step: Step) => when(pattern, offered(step)),
    Then: (pattern: string | RegExp, step: Step) => then(pattern, offered(step)),
  }
}
