import type { Element } from 'hast'
import { h } from 'hastscript'
import type { ScenarioResult } from '../../contract/summary.js'
import { evidenceOf, isUnreadable, type RunData } from '../load.js'
import { errorMessage, outcomeOf, rolesText, shortType, statementIds } from '../scenarios.js'
import { deliveryFailed, messageFlow, type FlowMessage, type MessageFlow } from '../sequence.js'
import { failureAnchor, link, outcomeBadge, pre } from './common.js'
import { sequenceDiagram } from './sequence.js'

/** A failed scenario opened up: what failed, the messages on the wire as a sequence diagram, the logs. */
export function failureDetails(run: RunData, s: ScenarioResult, index: number): Element {
  const anchor = failureAnchor(index)
  const evidence = evidenceOf(run, s.evidence)
  const body: Element[] = [
    h('dl.facts', [
      fact('feature', s.feature),
      fact('roles', rolesText(s.roles)),
      fact('statements', statementIds(s).join(', ') || '—'),
      fact('duration', `${(s.durationMs / 1000).toFixed(2)} s`),
      s.expected
        ? fact('expected', [link(s.expected.reference), s.expected.reason ? h('div', s.expected.reason) : null])
        : null,
      s.evidence ? fact('evidence', link(s.evidence)) : null,
    ]),
    h('h4', 'Failed assertion'),
    pre(s.error ? errorMessage(s.error) : 'no error message was recorded', 'block error'),
  ]
  if (s.error && s.error !== errorMessage(s.error)) {
    body.push(h('details.stack', [h('summary', 'stack'), pre(s.error)]))
  }
  if (!evidence) {
    body.push(h('p.note', 'No evidence was filed for this scenario.'))
  } else if (isUnreadable(evidence)) {
    body.push(h('p.note', `The evidence file ${s.evidence} could not be read: ${evidence.unreadable}`))
  } else {
    const flow = messageFlow(evidence)
    const violations = flow.messages.filter((m) => m.schema && !m.schema.valid)
    if (violations.length) {
      body.push(
        h('h4', 'Schema errors'),
        h(
          'ul.schema-errors',
          violations.map((m) =>
            h('li', [
              h('code', shortType(m.type)),
              ` ${m.id} from ${m.from} fails schema ${m.schema?.schema ?? '(none)'}${m.fault ? ` (sent malformed on purpose: ${m.fault})` : ''}: `,
              h('code', m.schema?.errors.join('; ') ?? ''),
            ]),
          ),
        ),
      )
    }
    body.push(h('h4', `Message sequence (${flow.messages.length})`))
    if (flow.messages.length === 0) {
      body.push(
        h(
          'p.note',
          flow.participants.some((p) => p.observed)
            ? 'No message was sent or received by a reference agent during this scenario.'
            : 'No reference agent took part, so no message was observed.',
        ),
      )
    } else {
      body.push(
        h(
          'div.diagram',
          sequenceDiagram(flow, (n) => messageAnchor(index, n)),
        ),
        h(
          'div.messages',
          flow.messages.map((m, i) => messageDetails(m, messageAnchor(index, i + 1), i + 1)),
        ),
      )
    }
    body.push(h('h4', 'Log tails'), ...logTails(flow, evidence.logs))
  }
  return h(`details.failure.${outcomeOf(s)}`, { id: anchor }, [
    h('summary', [
      outcomeBadge(outcomeOf(s), Boolean(s.expected)),
      ' ',
      h('span.feature', s.feature),
      ' › ',
      h('strong', s.name),
      ' ',
      h('span.roles', `[${rolesText(s.roles)}]`),
    ]),
    h('div.body', body),
  ])
}

function messageAnchor(index: number, n: number): string {
  return `${failureAnchor(index)}-message-${n}`
}

function messageDetails(m: FlowMessage, anchor: string, n: number): Element {
  const env = m.envelope
  return h('details.message', { id: anchor }, [
    h('summary', [
      `${n}. ${m.from} → ${m.to} `,
      h('code', shortType(m.type)),
      m.fault ? h('span.flag.fault', `fault: ${m.fault}`) : null,
      m.schema && !m.schema.valid ? h('span.flag.invalid', 'schema ✘') : null,
      deliveryFailed(m) ? h('span.flag.undelivered', m.delivery ?? '') : null,
    ]),
    h('dl.facts', [
      fact('@type', m.type),
      fact('@id', m.id),
      fact('thid', m.thid ?? '—'),
      fact('pthid', m.pthid ?? '—'),
      fact('envelope', env.alg),
      fact('sender key', env.senderKey ?? '—'),
      fact('recipient keys', env.recipientKeys.join(', ') || '—'),
      fact('endpoint', env.endpoint ?? '—'),
      fact('content type', env.contentType ?? '—'),
      fact(
        'schema',
        m.schema
          ? `${m.schema.schema ?? '(no schema)'}: ${m.schema.valid ? 'valid' : m.schema.errors.join('; ')}`
          : 'not checked (not received by a reference agent)',
      ),
      m.delivery ? fact('delivery', m.delivery) : null,
      fact('time', m.time),
    ]),
    pre(JSON.stringify(m.message, null, 2), 'block json'),
  ])
}

function logTails(flow: MessageFlow, logs: Record<string, string>): Element[] {
  const entries = Object.entries(logs)
  if (entries.length === 0) return [h('p.note', 'No log was captured.')]
  return entries.map(([instance, log]) => {
    const roles = flow.participants.find((p) => p.instance === instance)?.roles ?? []
    return h('details.log', [
      h('summary', `${instance}${roles.length ? ` (${roles.join(', ')})` : ''}`),
      pre(log || '(empty)', 'block log'),
    ])
  })
}

function fact(name: string, value: Element | string | Array<Element | string | null>): Element[] {
  return [h('dt', name), h('dd', value)]
}
