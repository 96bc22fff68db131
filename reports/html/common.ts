import type { Element } from 'hast'
import { h } from 'hastscript'
import type { Outcome } from '../scenarios.js'

export const MARK: Record<Outcome, string> = { passed: '✔', failed: '✘', warning: '⚠', skipped: '–', untested: '○' }

export function outcomeBadge(outcome: Outcome, expected = false): Element {
  return h(`span.badge.${outcome}`, `${MARK[outcome]} ${outcome}${expected ? ' (expected)' : ''}`)
}

/** The anchor of a failed scenario's details, by its position in summary.json. */
export function failureAnchor(index: number): string {
  return `failure-${index + 1}`
}

/** A `<pre>` of untrusted text (a log, an error, a message): the serializer escapes it. */
export function pre(text: string, className = 'block'): Element {
  return h('pre', { class: className }, text)
}

/** A link only where the target is a web page or a file of the run; anything else stays text. */
export function link(href: string, text = href): Element | string {
  const web = /^https?:\/\//i.test(href)
  const runFile = /^[\w.-]+(\/[\w.-]+)*$/.test(href) && !href.split('/').includes('..')
  return web || runFile ? h('a', { href }, text) : text
}
