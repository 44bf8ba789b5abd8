// ui/js/detail.js — one instance: its facts, its memcached's live figures with sparklines, the key browser and its task history.
import { control } from './api.js';
import { h, setText, clear, fmtBytes, fmtTime, humanDuration } from './dom.js';
import { statusBadge, updateStatus, addressCell, taskBadge, sparkline, copyButton } from './widgets.js';
import { resizeInstance, clearInstance, deleteInstance, allowed } from './actions.js';
import { mountKeys } from './keys.js';

const SAMPLE_MS = 2000;
const KEEP = 150; // five minutes of samples
/** Samples survive switching between instances while the page is open. */
const history = new Map();

function figureTile(label) {
  const value = h('div.fig-value');
  const sub = h('div.fig-sub');
  const chart = h('div.fig-chart');
  const el = h('div.fig', {}, h('div.fig-label', {}, label), value, sub, chart);
  return { el, value, sub, chart };
}

export function mountDetail(main, app, id) {
  let inst;
  let timer;
  let gone = false;
  const title = h('h1');
  const status = statusBadge('creating');
  const btn = (label, act, key, cls = '') => h(`button.btn${cls}`, { type: 'button', dataset: { act: key }, onclick: () => inst && act(inst) }, label);
  const buttons = { resize: btn('Resize', resizeInstance, 'resize'), clear: btn('Clear data', clearInstance, 'clear'), delete: btn('Delete', deleteInstance, 'delete', '.btn-danger') };
  const addr = addressCell({ address: '', port: 0 });
  const idText = h('code', {}, id);
  const facts = {};
  const fact = (label, node) => {
    facts[label] = node ?? h('dd');
    return h('div.fact', {}, h('dt', {}, label), node ? h('dd', {}, node) : facts[label]);
  };
  const info = h('dl.facts', {},
    fact('Instance ID', h('span.address', {}, idText, copyButton(() => id, 'Copy instance ID'))), fact('Status'), fact('Memory'), fact('Address', addr.el), fact('Region'), fact('VDC'), fact('Pipe'),
    fact('Created'), fact('Running time'), fact('Version'), fact('Error'));
  const tiles = { items: figureTile('Items'), memory: figureTile('Memory used'), hit: figureTile('Hit rate'), evictions: figureTile('Evictions'), conns: figureTile('Connections') };
  const monitorNote = h('p.note', { hidden: true });
  const monitorMeta = h('span.card-meta');
  const figs = h('div.figs', {}, Object.values(tiles).map((t) => t.el));
  const keys = mountKeys(id);
  const taskBody = h('tbody');
  clear(main,
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/instances' }, 'Memcached instances'), h('span', { 'aria-hidden': 'true' }, ' / '), h('span', { 'aria-current': 'page' })),
    h('div.page-head', {}, h('div.title-line', {}, title, status), h('div.head-actions', {}, Object.values(buttons))),
    h('section.card', { 'aria-labelledby': 'basic-title' }, h('h2.card-title', { id: 'basic-title' }, 'Basic information'), info),
    h('section.card', { 'aria-labelledby': 'mon-title' }, h('h2.card-title', { id: 'mon-title' }, 'Monitoring ', monitorMeta), monitorNote, figs),
    keys.el,
    h('section.card', { 'aria-labelledby': 'hist-title' }, h('h2.card-title', { id: 'hist-title' }, 'Task history'),
      h('div.table-wrap', {}, h('table.grid', {}, h('thead', {}, h('tr', {}, ['Task', 'Type', 'Status', 'Parameters', 'Created', 'Finished', 'Error'].map((c) => h('th', { scope: 'col' }, c)))), taskBody))),
  );
  const crumb = main.querySelector('.crumbs [aria-current]');

  const samples = history.get(id) ?? [];
  history.set(id, samples);

  function renderFigures() {
    const f = samples.at(-1);
    if (!f) return;
    const series = (fn) => samples.map(fn);
    setText(tiles.items.value, f.items.toLocaleString());
    setText(tiles.items.sub, `${f.cmdSet.toLocaleString()} sets · ${f.cmdGet.toLocaleString()} gets`);
    setText(tiles.memory.value, `${fmtBytes(f.bytes)} / ${fmtBytes(f.limitBytes)}`);
    setText(tiles.memory.sub, f.limitBytes ? `${((f.bytes / f.limitBytes) * 100).toFixed(2)} % of the limit` : '');
    setText(tiles.hit.value, f.hitRate === null ? '—' : `${(f.hitRate * 100).toFixed(1)} %`);
    setText(tiles.hit.sub, `${f.getHits.toLocaleString()} hits · ${f.getMisses.toLocaleString()} misses`);
    setText(tiles.evictions.value, f.evictions.toLocaleString());
    setText(tiles.evictions.sub, 'items pushed out to make room');
    setText(tiles.conns.value, f.connections.toLocaleString());
    setText(tiles.conns.sub, `${f.totalConnections.toLocaleString()} since start`);
    const mins = Math.max(1, Math.round((samples.length * SAMPLE_MS) / 60000));
    setText(monitorMeta, `memcached ${f.version} · up ${f.uptime} s · last ${mins} min, every ${SAMPLE_MS / 1000} s`);
    clear(tiles.items.chart, sparkline(series((s) => s.items), { label: 'Items over the last minutes' }));
    clear(tiles.memory.chart, sparkline(series((s) => s.bytes), { max: Math.max(...series((s) => s.bytes), 1), label: 'Memory used over the last minutes' }));
    clear(tiles.hit.chart, sparkline(series((s) => s.hitRate), { max: 1, label: 'Hit rate over the last minutes' }));
    clear(tiles.evictions.chart, sparkline(series((s) => s.evictions), { label: 'Evictions over the last minutes' }));
    clear(tiles.conns.chart, sparkline(series((s) => s.connections), { label: 'Connections over the last minutes' }));
  }

  /** Reads the figures only when there is a memcached to read; otherwise says why not. */
  async function sample() {
    timer = undefined;
    if (gone) return;
    const why = app.config.backend === 'none' ? 'The none backend runs no memcached: there are no figures to read.'
      : !inst ? '' : inst.status === 'creating' ? 'Figures appear once the instance is running.'
      : inst.status === 'deleting' ? 'The instance is being deleted.' : '';
    monitorNote.hidden = !why;
    setText(monitorNote, why);
    figs.hidden = !!why && samples.length === 0;
    if (inst && !why) {
      try {
        samples.push(await control('GET', `/_emulator/instances/${encodeURIComponent(id)}/stats`));
        if (samples.length > KEEP) samples.splice(0, samples.length - KEEP);
        renderFigures();
      } catch (e) {
        monitorNote.hidden = false;
        setText(monitorNote, `Could not read the figures: ${e.message}`);
      }
    }
    if (!gone) timer = setTimeout(sample, SAMPLE_MS);
  }

  function update(snap) {
    const found = snap.instances.find((i) => i.id === id);
    if (!found) {
      if (inst) {
        setText(title, `${inst.name} (deleted)`);
        updateStatus(status, 'deleted');
        Object.values(buttons).forEach((b) => (b.disabled = true));
        keys.disable('The instance is gone.');
      } else setText(title, 'Instance not found');
      inst = undefined;
      return;
    }
    const first = !inst;
    inst = found;
    setText(title, inst.name);
    setText(crumb, inst.name);
    updateStatus(status, inst.status);
    for (const [key, b] of Object.entries(buttons)) b.disabled = !allowed[key](inst.status);
    setText(facts.Status, inst.status);
    setText(facts.Memory, inst.confSize);
    addr.update(inst);
    setText(facts.Region, `${inst.siteName} (${inst.regionId})`);
    setText(facts.VDC, `${inst.vdcName} (${inst.vdcId})`);
    setText(facts.Pipe, `${inst.pipeName || '—'} (${inst.pipeId})`);
    setText(facts.Created, `${fmtTime(inst.createdAt)}  (CreateTime ${inst.createTime}, UTC+8)`);
    setText(facts['Running time'], `${humanDuration(snap.now - inst.createdAt)}  (RunningTime ${inst.runningTime})`);
    setText(facts.Version, 'Memcached1.6 · Memcached单机版');
    setText(facts.Error, inst.errorReason ?? '—');
    keys.setUsable(app.config.backend !== 'none' && !!inst.address && inst.status !== 'creating',
      app.config.backend === 'none' ? 'The none backend runs no memcached: there are no keys to browse.' : 'Keys can be browsed once the instance is running.');
    renderTasks(snap.tasks.filter((t) => t.instanceId === id));
    if (first && timer === undefined) sample();
  }

  function renderTasks(tasks) {
    clear(taskBody, tasks.length === 0 ? h('tr', {}, h('td.muted', { colSpan: 7 }, 'No task yet.')) : tasks.map((t) => h('tr', { dataset: { task: t.id } },
      h('td', { dataset: { label: 'Task' } }, `#${t.id}`),
      h('td', { dataset: { label: 'Type' } }, t.kind),
      h('td', { dataset: { label: 'Status' } }, taskBadge(t.status)),
      h('td', { dataset: { label: 'Parameters' } }, Object.keys(t.params).length ? h('code', {}, JSON.stringify(t.params)) : '—'),
      h('td', { dataset: { label: 'Created' } }, fmtTime(t.createdAt)),
      h('td', { dataset: { label: 'Finished' } }, t.finishedAt ? fmtTime(t.finishedAt) : '—'),
      h('td', { dataset: { label: 'Error' } }, t.error ?? '—'))));
  }

  return {
    update,
    unmount() {
      gone = true;
      clearTimeout(timer);
    },
  };
}
