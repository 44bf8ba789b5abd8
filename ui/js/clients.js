// ui/js/clients.js — the conformance report (GET /_emulator/conformance): each client (AccessKeyId + User-Agent) that signed a call, and each way its calls departed from the vendor's rules, with an example call to copy.
import { control, CallError } from './api.js';
import { h, setText, clear, fmtTime, toast } from './dom.js';
import { copyButton } from './widgets.js';
import { unavailable } from './journal.js';

const REFRESH_MS = 2000;
const keyOf = (c) => `${c.accessKeyId}\n${c.userAgent ?? ''}`;
const when = (iso) => fmtTime(Date.parse(iso));
const totalOf = (c) => c.deviations.reduce((n, d) => n + d.count, 0);

/** A block of code with its copy button: what the client sent, or what the server computed. */
function codeBlock(label, text, copyLabel) {
  return [h('h4', {}, label, ' ', copyButton(() => text, copyLabel)), h('pre.value', { tabIndex: 0 }, text)];
}

function deviationCard(d) {
  const ex = d.example ?? {};
  const count = d.afterErrorCount ? `${d.count} (${d.afterErrorCount} after an error answer: a retry that re-sent its nonce)` : String(d.count);
  return h('article.deviation', { dataset: { code: d.code }, 'aria-labelledby': `dev-${d.code}` },
    h('h3', { id: `dev-${d.code}` }, h('code', {}, d.code)),
    h('dl.facts', {},
      [['Count', count], ['First seen', when(d.firstSeen)], ['Last seen', when(d.lastSeen)]].map(([k, v]) => h('div.fact', {}, h('dt', {}, k), h('dd', {}, v)))),
    d.rule ? h('p.rule', {}, d.rule) : null,
    h('p.hint', {}, `docs/conformance.md lists ${d.code}: what the vendor's document says, and a request that shows it.`),
    h('h4', {}, 'Example call'),
    ex.detail ? h('p.example-detail', {}, ex.detail) : null,
    codeBlock('Request', `${ex.method ?? 'POST'} ${ex.path ?? ''}`, 'Copy request'),
    ex.canonicalQuery ? codeBlock('Canonical query the server computed', ex.canonicalQuery, 'Copy canonical query') : null,
    ex.stringToSign ? [codeBlock('StringToSign the server computed', ex.stringToSign, 'Copy StringToSign'),
      h('p.hint', {}, 'Compare it with the string your client signed: where they differ is the deviation.')] : null);
}

function clientDetail(c) {
  const head = `${c.accessKeyId} · ${c.userAgent ?? 'no User-Agent'}`;
  return [
    h('h2.card-title', { id: 'cd-title' }, 'Deviations of ', h('span.sub-mono', {}, head)),
    h('p.card-meta', {}, `${c.calls} call(s) from ${when(c.firstSeen)} to ${when(c.lastSeen)}`),
    c.deviations.length === 0
      ? h('p.note', {}, 'No deviation: every call of this client followed the vendor’s rules.')
      : c.deviations.map(deviationCard),
  ];
}

function emptyState() {
  return h('section.card.empty', { 'aria-label': 'No client yet' },
    h('div.empty-art', { 'aria-hidden': 'true' }, '∅'),
    h('h2', {}, 'No client has called the API yet'),
    h('p', {}, 'This page lists each client that signs calls (its AccessKeyId and User-Agent), and every way its calls departed from the vendor’s rules: a space signed as +, a reused SignatureNonce, a Timestamp in another format, a business field in the query, and more. The calls are still answered as usual; this page only reports.'),
    h('p.muted', {}, 'A conforming client is listed with its calls and no deviation.'));
}

export function mountClients(main, app) {
  if (app.config.features?.conformance === false) return unavailable(main, 'Clients', 'GET /_emulator/conformance');
  const meta = h('span.card-meta', { 'aria-live': 'off' });
  const tbody = h('tbody');
  const detailBox = h('section.card', { hidden: true, 'aria-labelledby': 'cd-title' });
  const listCard = h('section.card', { 'aria-label': 'Clients' },
    h('div.toolbar', {}, meta),
    h('div.table-wrap', {}, h('table.grid.clients', {}, h('thead', {}, h('tr', {}, ['AccessKeyId', 'User-Agent', 'Calls', 'Deviations', 'Last seen', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody)));
  const empty = h('div');
  let timer;
  let gone = false;
  let selected;
  let last = '';

  const clearBtn = h('button.btn', { type: 'button', onclick: async () => {
    try {
      await control('DELETE', '/_emulator/conformance');
      selected = undefined;
      toast('Conformance report cleared', 'ok', 2500);
    } catch (e) {
      toast(`Could not clear: ${e.message}`, 'error');
    }
    refresh();
  } }, 'Clear report');
  clear(main,
    h('div.page-head', {}, h('div', {}, h('h1', {}, 'Clients'), h('p.subtitle', {}, 'Who called the API, and where their calls departed from the vendor’s rules.')), clearBtn),
    empty, listCard, detailBox);

  function show(report) {
    const clients = report.clients;
    setText(meta, `${clients.length} client(s) · ${report.deviations} deviation(s) · since ${when(report.since)}`);
    listCard.hidden = clients.length === 0;
    clearBtn.disabled = clients.length === 0;
    if (clients.length === 0) {
      if (!empty.firstChild) clear(empty, emptyState());
      detailBox.hidden = true;
      selected = undefined;
      return;
    }
    clear(empty);
    if (!clients.some((c) => keyOf(c) === selected)) selected = keyOf(clients.find((c) => c.deviations.length > 0) ?? clients[0]);
    const open = (c) => {
      selected = keyOf(c);
      last = '';
      show(report);
    };
    clear(tbody, clients.map((c) => {
      const n = totalOf(c);
      return h('tr', { dataset: { client: c.accessKeyId }, class: keyOf(c) === selected ? 'selected' : undefined },
        h('td', { dataset: { label: 'AccessKeyId' } }, h('code', {}, c.accessKeyId)),
        h('td', { dataset: { label: 'User-Agent' } }, c.userAgent ?? h('span.muted', {}, 'none')),
        h('td', { dataset: { label: 'Calls' } }, String(c.calls)),
        h('td', { dataset: { label: 'Deviations' } }, n ? h('strong.err-text', {}, `${n} (${c.deviations.length} kind${c.deviations.length > 1 ? 's' : ''})`) : h('span.ok-text', {}, 'none')),
        h('td', { dataset: { label: 'Last seen' } }, when(c.lastSeen)),
        h('td', { dataset: { label: '' } }, h('button.link', { type: 'button', onclick: () => open(c), 'aria-label': `Deviations of ${c.accessKeyId} · ${c.userAgent ?? 'no User-Agent'}` }, 'Details')));
    }));
    detailBox.hidden = false;
    clear(detailBox, clientDetail(clients.find((c) => keyOf(c) === selected)));
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const report = await control('GET', '/_emulator/conformance');
      const text = JSON.stringify(report);
      // Rebuild only when the report changed, so a selection or a focused copy button stays put.
      if (text !== last) {
        last = text;
        show(report);
      }
    } catch (e) {
      if (e instanceof CallError && e.status === 404) {
        // An emulator without the report: say so once, and stop asking.
        gone = true;
        unavailable(main, 'Clients', 'GET /_emulator/conformance');
        return;
      }
      setText(meta, `Could not read the conformance report: ${e.message}`);
    }
    if (!gone) timer = setTimeout(refresh, REFRESH_MS);
  }
  refresh();
  return { update() {}, unmount() { gone = true; clearTimeout(timer); } };
}
