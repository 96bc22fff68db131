/** The page's only styles: inline, so the report opens from disk with nothing fetched. */
export const CSS = `
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #656d76; --line: #d0d7de; --bg2: #f6f8fa;
  --ok-bg: #dafbe1; --bad-bg: #ffebe9; --warn-bg: #fff8c5; font-family: system-ui, sans-serif; font-size: 14px; }
body { margin: 0 auto; max-width: 1400px; padding: 0 24px 48px; color: #1f2328; }
header { border-bottom: 1px solid var(--line); padding: 16px 0 8px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; } h4 { margin: 16px 0 6px; }
nav a { margin-right: 16px; }
a { color: #0969da; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre.block { background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto;
  max-height: 420px; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
pre.error { border-color: var(--bad); background: var(--bad-bg); }
.meta { color: var(--muted); margin: 4px 0; }
.totals span { margin-right: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.passed { background: var(--ok-bg); color: var(--ok); } .badge.failed { background: var(--bad-bg); color: var(--bad); }
.badge.warning { background: var(--warn-bg); color: var(--warn); } .badge.skipped, .badge.untested { background: var(--bg2); color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--bg2); }
td.cell { text-align: center; padding: 0; }
td.cell a { display: block; padding: 6px 10px; color: inherit; text-decoration: none; }
td.cell.passed { background: var(--ok-bg); } td.cell.failed { background: var(--bad-bg); }
td.cell.warning { background: var(--warn-bg); } td.cell.none { color: var(--muted); text-align: center; }
.count { margin: 0 4px; white-space: nowrap; } .count.passed { color: var(--ok); } .count.failed { color: var(--bad); }
.count.warning { color: var(--warn); } .count.skipped, .count.untested { color: var(--muted); }
.expected { display: block; font-size: 11px; color: var(--muted); }
.version, .roles, .feature, .hint, .note { color: var(--muted); }
.cell-list { display: none; border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px; margin: 8px 0; }
.cell-list:target { display: block; }
li.failed a, td.verdict.failed a { color: var(--bad); }
td.verdict.passed { color: var(--ok); } td.verdict.failed { color: var(--bad); background: var(--bad-bg); }
td.verdict.warning { color: var(--warn); background: var(--warn-bg); } td.verdict.untested { color: var(--muted); }
td.check { max-width: 520px; }
details.failure { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px; margin: 8px 0; }
details.failure.warning { border-left-color: var(--warn); }
details.failure > summary { padding: 8px 12px; cursor: pointer; }
details.failure > .body { padding: 0 16px 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-all; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
svg.sequence { display: block; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; }
svg.sequence .lane line { stroke: #8c959f; stroke-dasharray: 4 4; }
svg.sequence .lane rect { fill: var(--bg2); stroke: #8c959f; } svg.sequence .lane.observed rect { fill: #ddf4ff; stroke: #54aeff; }
svg.sequence text { text-anchor: middle; fill: #1f2328; } svg.sequence .name { font-weight: 700; }
svg.sequence .roles, svg.sequence .thread, svg.sequence .envelope { fill: var(--muted); }
svg.sequence .message line, svg.sequence .message path { stroke: #1f2328; stroke-width: 1.5; }
svg.sequence .message polygon { fill: #1f2328; } svg.sequence .type { font-weight: 700; }
svg.sequence .hit { fill: transparent; } svg.sequence a:hover .hit { fill: #0969da14; }
svg.sequence .fault line, svg.sequence .fault path { stroke: var(--warn); stroke-dasharray: 6 3; }
svg.sequence .fault polygon, svg.sequence .flags { fill: var(--warn); }
svg.sequence .invalid line, svg.sequence .invalid path, svg.sequence .undelivered line { stroke: var(--bad); }
svg.sequence .invalid polygon, svg.sequence .undelivered polygon, svg.sequence .invalid .flags { fill: var(--bad); }
details.message, details.log, details.stack { margin: 4px 0; }
details.message > summary, details.log > summary, details.stack > summary { cursor: pointer; }
details.message:target > summary { background: var(--warn-bg); }
.flag { margin-left: 8px; font-size: 12px; font-weight: 600; } .flag.fault { color: var(--warn); }
.flag.invalid, .flag.undelivered { color: var(--bad); }
table.scenarios td.duration { text-align: right; white-space: nowrap; }
`

/** Opens the <details> a link points into, so a link to a failure or a message shows it. */
export const SCRIPT = `
function openTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var el = id && document.getElementById(id);
  for (var d = el; d; d = d.parentElement) if (d.tagName === 'DETAILS') d.open = true;
  if (el) el.scrollIntoView();
}
addEventListener('hashchange', openTarget);
openTarget();
`
