// ui/js/journal.js — the API requests (GET /_emulator/requests), 50 a page, newest first: status and Code at a glance, and for a refused signature the server's StringToSign.
import { control } from './api.js';
import { h, setText, clear, fmtTime } from './dom.js';
import { field } from './dialog.js';

const ACTIONS = ['', 'CreateMemcachedInstance', 'MemcachedInstanceList', 'DescribeMemcachedInstance', 'UpdateMemcachedInstance', 'ClearMemcachedInstance', 'DeleteMemcachedInstance', 'DescribeTask'];

export function unavailable(main, what, endpoint) {
  clear(main, h('div.page-head', {}, h('h1', {}, what)),
    h('section.card.empty', {}, h('h2', {}, 'Not available'),
      h('p', {}, `This emulator does not serve ${endpoint}, so there is nothing to show here. A newer build of the emulator has it.`)));
  return { update() {}, unmount() {} };
}

function detail(entry) {
  const rows = [
    ['Request', `${entry.method} ${entry.path}`],
    ['Request id', entry.requestId],
    ['AccessKeyId', entry.accessKeyId ?? '—'],
    ['Answer', `HTTP ${entry.status} · ${entry.code} · ${entry.message}`],
    ['Took', `${entry.ms.toFixed(1)} ms`],
    ['Instances', entry.instanceIds.join(', ') || '—'],
    ['Tasks', entry.taskIds.map((t) => `#${t}`).join(', ') || '—'],
  ];
  if (entry.fault) rows.push(['Fault rule', `${entry.fault.ruleId} (${entry.fault.effect})`]);
  if (entry.truncated) rows.push(['Kept', 'cut to fit the journal\'s bounds: look for [journal: …] in the texts']);
  const auth = entry.auth;
  return h('div.journal-detail', {},
    h('dl.facts', {}, rows.map(([k, v]) => h('div.fact', {}, h('dt', {}, k), h('dd', {}, v)))),
    h('h3', {}, 'Business fields'),
    h('pre.value', { tabIndex: 0 }, JSON.stringify(entry.fields, null, 2)),
    auth ? h('div.auth', {},
      h('h3', {}, `Signature check: ${auth.code}${auth.accepted ? ' (accepted in report mode)' : ''}`),
      h('p', {}, auth.message),
      auth.signatureMethod ? h('p.card-meta', {}, `SignatureMethod ${auth.signatureMethod}`) : null,
      auth.stringToSign ? [h('h4', {}, 'StringToSign the server computed'), h('pre.value.sts', { tabIndex: 0 }, auth.stringToSign),
        h('p.hint', {}, 'Compare it with the string your client signed: they must be equal byte for byte.')] : null,
      auth.canonicalQuery ? [h('h4', {}, 'Canonical query'), h('pre.value', { tabIndex: 0 }, auth.canonicalQuery)] : null) : null,
    entry.deviations?.length ? h('div.deviations', {},
      h('h3', {}, 'Where the call strayed from the vendor\'s rules'),
      h('ul', {}, entry.deviations.map((d) => h('li', {}, h('code', {}, d.code), ` ${d.detail}`))),
      h('p.hint', {}, h('a', { href: '#/clients' }, 'Clients'), ' counts these per client, with the rule each one breaks.')) : null);
}

/** The instance's name while it exists (a link to it), else the start of its id. */
function instanceName(app, id) {
  const inst = app.snapshot?.instances.find((i) => i.id === id);
  return inst ? h('a', { href: `#/instance/${encodeURIComponent(id)}`, title: id }, inst.name) : h('code.id', { title: id }, `${id.slice(0, 8)}…`);
}

export function mountJournal(main, app, arg) {
  if (!app.config.features?.journal) return unavailable(main, 'Request journal', 'GET /_emulator/requests');
  const action = h('select', { name: 'action' }, ACTIONS.map((a) => h('option', { value: a }, a || 'Any action')));
  const code = h('input', { name: 'code', placeholder: 'e.g. SignatureDoesNotMatch', autocomplete: 'off' });
  const meta = h('span.card-meta', { 'aria-live': 'off' });
  const tbody = h('tbody');
  // Paging: `before` is the cursor of the page shown (undefined: the newest; a linked entry opens on its page); the
  // cursors of newer pages stack so Newer can go back.
  let before = /^\d+$/.test(arg ?? '') ? String(Number(arg) + 1) : undefined;
  const newerCursors = [];
  const older = h('button.btn', { type: 'button', disabled: true, onclick: () => { newerCursors.push(before); before = older.dataset.before; refresh(); } }, 'Older');
  const newer = h('button.btn', { type: 'button', disabled: true, onclick: () => { before = newerCursors.pop(); refresh(); } }, 'Newer');
  const toNewest = () => { before = undefined; newerCursors.length = 0; };
  const detailBox = h('section.card', { hidden: true, 'aria-labelledby': 'jd-title' }, h('h2.card-title', { id: 'jd-title' }, 'Request detail'), h('div'));
  const clearBtn = h('button.btn', { type: 'button', onclick: async () => {
    await control('DELETE', '/_emulator/requests');
    toNewest();
    refresh();
  } }, 'Clear journal');
  clear(main,
    h('div.page-head', {}, h('div', {}, h('h1', {}, 'Request journal'), h('p.subtitle', {}, 'The latest signed API calls, newest first. Select one to see why it was answered so.')), clearBtn),
    h('section.card', { 'aria-label': 'Requests' },
      h('form.toolbar', { role: 'search', onsubmit: (e) => { e.preventDefault(); toNewest(); refresh(); } }, field('Action', action), field('Code', code), h('button.btn', { type: 'submit' }, 'Filter'), meta),
      h('div.table-wrap', {}, h('table.grid.journal', {}, h('thead', {}, h('tr', {}, ['Time', 'Action', 'HTTP', 'Code', 'ms', 'Instance', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody)),
      h('div.toolbar', { role: 'navigation', 'aria-label': 'Journal pages' }, newer, older)),
    detailBox);
  action.addEventListener('change', () => { toNewest(); refresh(); });
  let timer;
  let gone = false;
  // #/journal/<entry id> opens that entry: a refused call can be linked to.
  let selected = arg ? Number(arg) : undefined;
  let shown;
  let lastIds = '';

  async function refresh() {
    clearTimeout(timer);
    try {
      const q = new URLSearchParams({ limit: '50' });
      if (action.value) q.set('action', action.value);
      if (code.value.trim()) q.set('code', code.value.trim());
      if (before) q.set('before', before);
      const page = await control('GET', `/_emulator/requests?${q}`);
      setText(meta, `${page.entries.length} shown${before ? ' (an older page)' : ''} · ${page.size} kept of ${page.capacity}`);
      // An emulator without paging answers no `next`: the buttons stay off.
      const cursor = page.next ? new URLSearchParams(page.next.slice(page.next.indexOf('?') + 1)).get('before') : null;
      older.disabled = !cursor;
      if (cursor) older.dataset.before = cursor;
      newer.disabled = before === undefined;
      const ids = page.entries.map((e) => `${e.id}`).join(',');
      // Rebuild only when the list changed, so a focused row keeps its focus.
      if (ids !== lastIds) {
        lastIds = ids;
        clear(tbody, page.entries.length === 0 ? h('tr', {}, h('td.muted', { colSpan: 7 }, 'No request recorded yet.')) : page.entries.map((e) => {
          const ok = e.code === 'Success';
          const open = () => {
            selected = shown = e.id;
            history.replaceState(null, '', `#/journal/${e.id}`);
            for (const tr of tbody.children) tr.classList.toggle('selected', tr.dataset.entry === String(e.id));
            detailBox.hidden = false;
            detailBox.replaceChild(detail(e), detailBox.lastChild);
            setText(detailBox.querySelector('h2'), `Request detail · ${e.action ?? e.path} · ${e.code}`);
            detailBox.scrollIntoView({ block: 'nearest' });
          };
          if (selected === e.id && shown !== e.id) queueMicrotask(open);
          return h('tr', { dataset: { entry: e.id, code: e.code }, class: selected === e.id ? 'selected' : undefined },
            h('td', { dataset: { label: 'Time' } }, fmtTime(Date.parse(e.at))),
            h('td', { dataset: { label: 'Action' } }, e.action ?? h('span.muted', {}, e.path)),
            h('td', { dataset: { label: 'HTTP' } }, h(`span.badge.${ok ? 'task-finish' : 'task-error'}`, {}, String(e.status))),
            h('td', { dataset: { label: 'Code' } }, h(ok ? 'span' : 'strong.err-text', {}, e.code), e.fault ? h('span.mine-tag', {}, 'fault') : null, e.deviations?.length ? h('span.mine-tag', { title: e.deviations.map((d) => d.code).join(', ') }, 'deviation') : null),
            h('td', { dataset: { label: 'ms' } }, e.ms.toFixed(1)),
            h('td', { dataset: { label: 'Instance' } }, e.instanceIds.length ? instanceName(app, e.instanceIds[0]) : '—'),
            h('td', { dataset: { label: '' } }, h('button.link', { type: 'button', onclick: open, 'aria-label': `Details of request ${e.id}` }, 'Details')));
        }));
      }
    } catch (e) {
      setText(meta, `Could not read the journal: ${e.message}`);
    }
    if (!gone) timer = setTimeout(refresh, 2000);
  }
  refresh();
  return { update() {}, unmount() { gone = true; clearTimeout(timer); } };
}
