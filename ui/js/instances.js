// ui/js/instances.js — the instance list: a live table with a Keyword-like filter, row actions, the empty state and the recent tasks.
import { h, setText, clear, fmtTime, humanDuration } from './dom.js';
import { statusBadge, updateStatus, addressCell, taskBadge, copyButton } from './widgets.js';
import { createInstance, resizeInstance, clearInstance, deleteInstance, allowed, startedHere } from './actions.js';

/** Keyword as MemcachedInstanceList applies it: case-insensitive substring of address, name or id. */
export function matches(inst, keyword) {
  const k = keyword.trim().toLowerCase();
  return !k || [inst.address, inst.name, inst.id].some((f) => String(f ?? '').toLowerCase().includes(k));
}

const COLUMNS = ['Name / ID', 'Status', 'Size', 'Address', 'Region / VDC / Pipe', 'Created / running', 'Actions'];

function makeRow(app, inst) {
  // Running time is counted on the emulator's clock (it may be advanced), so it comes from the snapshot's `now`.
  let cur = inst;
  const name = h('a.name', { href: `#/instance/${encodeURIComponent(inst.id)}` });
  const id = h('code.id');
  const status = statusBadge(inst.status);
  const reason = h('span.reason.err-text');
  const size = h('span');
  const addr = addressCell(inst);
  const region = h('span.region');
  const vdc = h('span.sub');
  const pipe = h('span.sub');
  const created = h('span');
  const running = h('span.sub');
  const btn = (label, act, key) => h('button.link', { type: 'button', dataset: { act: key }, onclick: () => act(cur) }, label);
  const resize = btn('Resize', resizeInstance, 'resize');
  const clr = btn('Clear', clearInstance, 'clear');
  const del = btn('Delete', deleteInstance, 'delete');
  const cell = (label, ...kids) => h('td', { dataset: { label } }, ...kids);
  const tr = h('tr', { dataset: { id: inst.id } },
    cell('Name / ID', name, h('br'), id, copyButton(() => cur.id, 'Copy instance ID')),
    cell('Status', status, reason),
    cell('Size', size),
    cell('Address', addr.el),
    cell('Region / VDC / Pipe', region, h('br'), vdc, h('span.sep', {}, ' · '), pipe),
    cell('Created', created, h('br'), running),
    cell('Actions', h('span.actions', {}, resize, clr, del)),
  );
  const update = (i, now) => {
    cur = i;
    setText(name, i.name);
    setText(id, i.id);
    updateStatus(status, i.status);
    status.title = i.errorReason ?? '';
    setText(reason, i.errorReason ?? '');
    reason.title = i.errorReason ?? '';
    reason.hidden = !i.errorReason;
    setText(size, i.confSize);
    addr.update(i);
    setText(region, i.regionId);
    region.title = i.siteName;
    setText(vdc, i.vdcName || i.vdcId);
    setText(pipe, i.pipeName || i.pipeId);
    setText(created, fmtTime(i.createdAt));
    created.title = `CreateTime ${i.createTime} (UTC+8, as the API reports it)`;
    setText(running, `running ${humanDuration(now - i.createdAt)}`);
    running.title = `RunningTime ${i.runningTime}`;
    for (const [b, key] of [[resize, 'resize'], [clr, 'clear'], [del, 'delete']]) {
      const off = !allowed[key](i.status);
      if (b.disabled !== off) b.disabled = off;
      b.title = off ? `Not while ${i.status}` : '';
    }
  };
  return { tr, update };
}

export function mountInstances(main, app) {
  const filter = h('input.search', { type: 'search', placeholder: 'Filter by name, ID or address', 'aria-label': 'Filter instances (like the API’s Keyword)' });
  const counts = h('span.counts', { 'aria-live': 'polite' });
  const tbody = h('tbody');
  const table = h('table.grid.instances', {}, h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))), tbody);
  const noMatch = h('p.nomatch', { hidden: true });
  const empty = h('section.card.empty', { hidden: true, 'aria-label': 'No instance yet' });
  const tableCard = h('section.card', { 'aria-label': 'Instances' }, h('div.toolbar', {}, filter, counts), h('div.table-wrap', {}, table), noMatch);
  const taskBody = h('tbody');
  const tasksCard = h('section.card', { 'aria-labelledby': 'tasks-title' },
    h('h2.card-title', { id: 'tasks-title' }, 'Recent tasks'),
    h('div.table-wrap', {}, h('table.grid.tasks', {},
      h('thead', {}, h('tr', {}, ['Task', 'Type', 'Instance', 'Status', 'Created', 'Finished'].map((c) => h('th', { scope: 'col' }, c)))), taskBody)));
  const createBtn = h('button.btn.btn-primary', { type: 'button', onclick: () => createInstance(app.fixtures) }, '+ Create instance');
  clear(main,
    h('div.page-head', {}, h('div', {}, h('h1', {}, 'Memcached instances'), h('p.subtitle', {}, 'Each instance is a real memcached run by the emulator’s backend.')), createBtn),
    empty, tableCard, tasksCard);

  const rows = new Map();
  let last;
  filter.addEventListener('input', () => last && update(last));

  function renderEmpty() {
    const vdc = app.fixtures.vdcs[0];
    const body = vdc ? `{"ConfSize":"1G","RegionId":"${vdc.RegionId}","VdcId":"${vdc.VdcId}","PipeId":"${vdc.Pipes[0].PipeId}"}` : '{…}';
    clear(empty,
      h('div.empty-art', { 'aria-hidden': 'true' }, '∅'),
      h('h2', {}, 'No Memcached instance yet'),
      h('p', {}, 'Create one here, or from your code through the signed API, as against the cloud:'),
      h('button.btn.btn-primary', { type: 'button', onclick: () => createInstance(app.fixtures) }, 'Create your first instance'),
      h('pre.hint-code', {}, `import { CdsMemcachedClient } from 'cds-memcached-emulator/client';\n` +
        `const cds = new CdsMemcachedClient({ endpoint: '${location.origin}' });\n` +
        `await cds.createMemcachedInstance(${body});`),
      h('p.hint', {}, `Or call POST ${location.origin}/memcached?Action=CreateMemcachedInstance&… signed with ${app.config.credential ? `AccessKeyId ${app.config.credential.accessKeyId}` : 'a key of your credentials.json'}.`),
    );
  }

  function update(snap) {
    last = snap;
    const all = snap.instances;
    empty.hidden = all.length > 0;
    tableCard.hidden = all.length === 0;
    if (all.length === 0 && !empty.firstChild) renderEmpty();
    const shown = all.filter((i) => matches(i, filter.value));
    const by = ['running', 'creating', 'updating', 'deleting', 'error'].map((st) => [st, all.filter((i) => i.status === st).length]).filter(([, n]) => n > 0);
    setText(counts, [`${shown.length} of ${all.length} shown`, ...by.map(([st, n]) => `${n} ${st}`)].join(' · '));
    noMatch.hidden = !(all.length > 0 && shown.length === 0);
    setText(noMatch, `No instance matches “${filter.value}”.`);
    const keep = new Set(shown.map((i) => i.id));
    for (const [id, row] of rows) if (!keep.has(id)) { row.tr.remove(); rows.delete(id); }
    shown.forEach((inst, idx) => {
      let row = rows.get(inst.id);
      if (!row) rows.set(inst.id, (row = makeRow(app, inst)));
      row.update(inst, snap.now);
      // Move only when out of place: moving a row would drop the keyboard focus inside it.
      if (tbody.children[idx] !== row.tr) tbody.insertBefore(row.tr, tbody.children[idx] ?? null);
    });
    renderTasks(snap);
  }

  function renderTasks(snap) {
    const names = new Map(snap.instances.map((i) => [i.id, i.name]));
    const tasks = snap.tasks.slice(0, 10);
    clear(taskBody, tasks.length === 0 ? h('tr', {}, h('td.muted', { colSpan: 6 }, 'No task yet.')) : tasks.map((t) =>
      h('tr', { dataset: { task: t.id }, class: startedHere.has(t.id) ? 'mine' : undefined },
        h('td', { dataset: { label: 'Task' } }, `#${t.id}`, startedHere.has(t.id) ? h('span.mine-tag', {}, 'this page') : null),
        h('td', { dataset: { label: 'Type' } }, t.kind),
        h('td', { dataset: { label: 'Instance' } }, names.get(t.instanceId) ?? h('span.muted', {}, `${t.instanceId.slice(0, 8)}… (gone)`)),
        h('td', { dataset: { label: 'Status' } }, taskBadge(t.status), t.error ? h('span.err-text', {}, ` ${t.error}`) : null),
        h('td', { dataset: { label: 'Created' } }, fmtTime(t.createdAt)),
        h('td', { dataset: { label: 'Finished' } }, t.finishedAt ? fmtTime(t.finishedAt) : '—'))));
  }

  return { update, unmount() {} };
}
