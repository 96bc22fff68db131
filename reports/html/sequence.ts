import type { Element } from 'hast'
import { s } from 'hastscript'
import { shortType } from '../scenarios.js'
import { deliveryFailed, type FlowMessage, type MessageFlow } from '../sequence.js'

const LANE = 300
const PAD = 16
const HEAD = 64
const ROW = 80
/** Labels are monospace at 11px: about this many pixels a character. */
const CHAR_PX = 6.7

/** The message sequence of a failed scenario as an inline SVG: a lane per agent, an arrow per message. */
export function sequenceDiagram(flow: MessageFlow, messageAnchor: (n: number) => string): Element {
  const lanes = flow.participants.map((p) => p.instance)
  const x = (instance: string) => PAD + LANE / 2 + Math.max(0, lanes.indexOf(instance)) * LANE
  const width = 2 * PAD + lanes.length * LANE
  const height = HEAD + flow.messages.length * ROW + PAD
  return s(
    'svg',
    {
      class: 'sequence',
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      ariaLabel: `message sequence between ${lanes.join(', ')}`,
    },
    flow.participants.map((p) => {
      const cx = x(p.instance)
      return s('g', { class: p.observed ? 'lane observed' : 'lane' }, [
        s('line', { x1: cx, y1: 48, x2: cx, y2: height - 4 }),
        s('rect', { x: cx - LANE / 2 + 12, y: 6, width: LANE - 24, height: 42, rx: 6 }),
        s('text', { x: cx, y: 24, class: 'name' }, fit(p.instance, LANE - 32)),
        s('text', { x: cx, y: 40, class: 'roles' }, fit(p.roles.join(', ') || 'no role', LANE - 32)),
      ])
    }),
    flow.messages.map((m, i) => arrow(m, i + 1, x(m.from), x(m.to), HEAD + i * ROW + 40, messageAnchor(i + 1))),
  )
}

function arrow(m: FlowMessage, n: number, x1: number, x2: number, y: number, href: string): Element {
  const classes = ['message']
  if (m.fault) classes.push('fault')
  if (m.schema && !m.schema.valid) classes.push('invalid')
  if (deliveryFailed(m)) classes.push('undelivered')
  const self = x1 === x2
  const span = self ? LANE - 40 : Math.abs(x2 - x1) - 20
  const mid = self ? x1 + span / 2 + 10 : (x1 + x2) / 2
  const dir = x2 >= x1 ? 1 : -1
  const line = self
    ? s('path', { d: `M ${x1} ${y - 6} h 40 v 12 h -34`, fill: 'none' })
    : s('line', { x1, y1: y, x2: x2 - dir * 8, y2: y })
  const tip = self ? x1 : x2
  const head = s('polygon', {
    points: self
      ? `${tip},${y + 6} ${tip + 8},${y + 2} ${tip + 8},${y + 10}`
      : `${tip},${y} ${tip - dir * 9},${y - 5} ${tip - dir * 9},${y + 5}`,
  })
  const threading = [m.thid ? `thid ${short(m.thid)}` : '', m.pthid ? `pthid ${short(m.pthid)}` : ''].filter(Boolean)
  const envelope = [m.envelope.alg, m.envelope.endpoint ?? ''].filter(Boolean).join(' → ')
  const flags = [
    m.fault ? `fault: ${m.fault}` : '',
    m.schema && !m.schema.valid ? `schema ✘ ${m.schema.schema ?? ''}` : '',
    deliveryFailed(m) ? `delivery ${m.delivery}` : '',
  ].filter(Boolean)
  const title = [
    `${n}. ${m.from} → ${m.to}`,
    m.type,
    `@id ${m.id}`,
    m.thid ? `thid ${m.thid}` : '',
    m.pthid ? `pthid ${m.pthid}` : '',
    envelope,
    ...flags,
  ].filter(Boolean)
  return s('a', { href }, [
    s('g', { class: classes.join(' '), dataId: m.id }, [
      s('title', title.join('\n')),
      s('rect', {
        class: 'hit',
        x: Math.min(x1, x2) - 4,
        y: y - 36,
        width: self ? span + 20 : Math.abs(x2 - x1) + 8,
        height: 72,
      }),
      line,
      head,
      s('text', { x: mid, y: y - 22, class: 'type' }, fit(`${n}. ${shortType(m.type)}`, span)),
      s('text', { x: mid, y: y - 8, class: 'thread' }, fit(threading.join(' · ') || 'no thread', span)),
      s('text', { x: mid, y: y + 16, class: 'envelope' }, fit(envelope, span)),
      flags.length ? s('text', { x: mid, y: y + 30, class: 'flags' }, fit(flags.join(' · '), span)) : null,
    ]),
  ])
}

/** Thread ids are UUIDs mostly: their first 8 characters tell them apart within one scenario. */
function short(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id
}

function fit(text: string, px: number): string {
  const max = Math.max(4, Math.floor(px / CHAR_PX))
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
