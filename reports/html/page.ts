import type { Element, Root } from 'hast'
import { toHtml } from 'hast-util-to-html'
import { h } from 'hastscript'
import type { Summary } from '../../contract/summary.js'
import type { RunData } from '../load.js'
import { outcomeOf, rolesText, scenarioAnchor } from '../scenarios.js'
import { failureAnchor, outcomeBadge } from './common.js'
import { failureDetails } from './failure.js'
import { matrixSection } from './matrix.js'
import { statementsSection } from './statements.js'
import { tenancySection } from './tenancy.js'
import { versionsSection } from './versions.js'
import { CSS, SCRIPT } from './style.js'

/**
 * report.html: one self-contained page per run, built only from summary.json and the evidence
 * files. Every value from the run is a text node or an attribute of the tree, which the serializer
 * escapes; the only raw text is the page's own style and script.
 */
export function reportPage(run: RunData): string {
  const { summary } = run
  const failed = summary.scenarios.flatMap((s, i) => (s.status === 'failed' ? [{ s, i }] : []))
  const tree: Root = h(null, [
    { type: 'doctype' },
    h('html', { lang: 'en' }, [
      h('head', [
        h('meta', { charset: 'utf-8' }),
        h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
        h('title', `DIDComm conformance: ${summary.agents.map((a) => a.id).join(', ')} — ${summary.startedAt}`),
        h('style', CSS),
      ]),
      h('body', [
        header(summary),
        h('nav', [
          h('a', { href: '#matrix' }, 'Interop matrix'),
          h('a', { href: '#statements' }, 'Statements'),
          h('a', { href: '#versions' }, 'Versions compared'),
          h('a', { href: '#failures' }, `Failures (${failed.length})`),
          h('a', { href: '#scenarios' }, `All scenarios (${summary.scenarios.length})`),
        ]),
        h('section', { id: 'matrix' }, [h('h2', 'Interop matrix'), ...matrixSection(summary)]),
        summary.flaky?.length
          ? h('section', { id: 'flaky' }, [
              h('h2', `Flaky scenarios (${summary.flaky.length})`),
              h(
                'p.note',
                'Their verdict was not the same in every repetition of the run (run --repeat); each fails it.',
              ),
              h(
                'ul',
                summary.flaky.map((f) =>
                  h('li', `${f.feature} › ${f.name} [${rolesText(f.roles)}]: ${f.statuses.join(', ')}`),
                ),
              ),
            ])
          : null,
        h('section', { id: 'statements' }, [h('h2', 'Statements'), ...statementsSection(summary)]),
        summary.scenarios.some((s) => s.tags.includes('@multitenancy'))
          ? h('section', { id: 'tenancy' }, [
              h('h2', 'Tenancy (per agent and tenancy mode)'),
              ...tenancySection(summary),
            ])
          : null,
        h('section', { id: 'versions' }, [h('h2', 'Versions compared'), ...versionsSection(summary)]),
        h('section', { id: 'failures' }, [
          h('h2', 'Failures'),
          failed.length
            ? failed.map(({ s, i }) => failureDetails(run, s, i))
            : h('p.note', 'Every scenario that ran passed.'),
        ]),
        h('section', { id: 'scenarios' }, [h('h2', 'All scenarios'), scenarioTable(summary)]),
        h('script', SCRIPT),
      ]),
    ]),
  ])
  return toHtml(tree)
}

function header(summary: Summary): Element {
  const t = summary.totals
  const expectations = summary.expectations
  return h('header', [
    h('h1', 'DIDComm conformance report'),
    h(
      'p.meta',
      `${summary.startedAt} · ${(summary.durationMs / 1000).toFixed(1)} s · ${summary.harness.name} ${summary.harness.version}` +
        (summary.tags ? ` · tags ${summary.tags}` : ''),
    ),
    h('p.meta', [
      'agents: ',
      summary.agents
        .map((a) => (a.version === a.id.split('@')[1] ? a.id : `${a.id} (reports ${a.version})`))
        .join(', ') || '—',
    ]),
    summary.interrupted ? h('p.note', 'The run was interrupted: only the scenarios that finished are reported.') : null,
    h('p.totals', [
      h('span.badge.passed', `✔ ${t.passed} passed`),
      h(
        'span.badge.failed',
        `✘ ${t.failed} failed${expectations ? ` (${expectations.expectedFailures} expected)` : ''}`,
      ),
      h('span.badge.warning', `⚠ ${t.warnings} warnings`),
      t.skipped ? h('span.badge.skipped', `– ${t.skipped} skipped`) : null,
      t.untested ? h('span.badge.untested', `○ ${t.untested} untested`) : null,
    ]),
    expectations
      ? h('p.meta', [
          `known deviations from ${expectations.file}`,
          expectations.unexpectedPasses.length
            ? h(
                'ul',
                expectations.unexpectedPasses.map((u) =>
                  h(
                    'li',
                    `unexpected pass: ${u.agent} was expected to fail ${u.expectation} but “${u.scenario}” passed`,
                  ),
                ),
              )
            : null,
        ])
      : null,
  ])
}

function scenarioTable(summary: Summary): Element {
  return h('table.scenarios', [
    h(
      'thead',
      h('tr', [
        h('th', '#'),
        h('th', 'outcome'),
        h('th', 'feature'),
        h('th', 'scenario'),
        h('th', 'roles'),
        h('th', 'time'),
      ]),
    ),
    h(
      'tbody',
      summary.scenarios.map((s, i) =>
        h('tr', { id: scenarioAnchor(i) }, [
          h('td', String(i + 1)),
          h('td', outcomeBadge(outcomeOf(s), Boolean(s.expected))),
          h('td', s.feature),
          h('td', s.status === 'failed' ? h('a', { href: `#${failureAnchor(i)}` }, s.name) : s.name),
          h('td.roles', rolesText(s.roles)),
          h('td.duration', `${(s.durationMs / 1000).toFixed(2)} s`),
        ]),
      ),
    ),
  ])
}
