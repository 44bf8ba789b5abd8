// ui/js/app.js — boots the console: reads its config and the fixtures, routes #/… to a view, and refreshes the instances every second.
import { control, setContract, setCredential, onTokenNeeded } from './api.js';
import { h, $, clear, setText } from './dom.js';
import { askValue } from './dialog.js';
import { mountInstances } from './instances.js';
import { mountDetail } from './detail.js';
import { mountJournal } from './journal.js';
import { mountFaults } from './faults.js';
import { mountClients } from './clients.js';

const POLL_MS = 1000;
const app = { config: {}, fixtures: { regions: [], vdcs: [] }, snapshot: null };
let view;
let viewKey = '';

onTokenNeeded(() => askValue('Admin token required', 'Token', 'This emulator was started with --admin-token. The token is kept for this tab only.'));

function route() {
  const hash = location.hash || '#/instances';
  const [, name = 'instances', arg] = hash.split('/');
  const key = `${name}/${arg ?? ''}`;
  if (key === viewKey) return;
  view?.unmount();
  viewKey = key;
  const main = $('#main');
  for (const a of document.querySelectorAll('[data-nav]')) {
    const on = a.dataset.nav === (name === 'instance' ? 'instances' : name);
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (name === 'instance' && arg) view = mountDetail(main, app, decodeURIComponent(arg));
  else if (name === 'journal') view = mountJournal(main, app, arg);
  else if (name === 'faults') view = mountFaults(main, app);
  else if (name === 'clients') view = mountClients(main, app);
  else view = mountInstances(main, app);
  if (app.snapshot) view.update(app.snapshot);
  document.title = `${{ instance: 'Instance', journal: 'Journal', faults: 'Faults & clock', clients: 'Clients' }[name] ?? 'Instances'} · Memcached · CDS emulator console`;
}

function showTopInfo(ok, detail) {
  const c = app.config;
  clear($('#topinfo'),
    h('span.pill', {}, `backend ${c.backend ?? '?'}`),
    h('span.pill', {}, `auth ${c.auth ?? '?'}`),
    h('span.pill', {}, `tasks ${c.taskMode ?? '?'}`),
    h(`span.live.${ok ? 'live-ok' : 'live-bad'}`, { title: detail }, ok ? 'live' : 'offline'));
}

let pollTimer;
let polling = false;
let again = false;
async function poll() {
  clearTimeout(pollTimer);
  if (polling) {
    again = true;
    return;
  }
  polling = true;
  let ok = true;
  try {
    app.snapshot = await control('GET', '/_emulator/instances');
    view?.update(app.snapshot);
    showTopInfo(true, `updated ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    ok = false;
    showTopInfo(false, e.message);
  }
  polling = false;
  const soon = again;
  again = false;
  // Slower while the tab is hidden or the emulator is unreachable (each failed fetch is a line in the browser console).
  pollTimer = setTimeout(poll, soon ? 0 : document.hidden || !ok ? POLL_MS * 5 : POLL_MS);
}
document.addEventListener('cds:changed', () => poll());

async function boot() {
  try {
    [app.config, app.fixtures] = await Promise.all([control('GET', '/_emulator/console-config'), control('GET', '/_emulator/fixtures')]);
  } catch (e) {
    clear($('#main'), h('section.card.empty', {}, h('h2', {}, 'The console cannot reach the emulator'), h('p', {}, e.message)));
    return;
  }
  setContract(app.config.contract);
  // No credential at all: the fixtures accept no key, so any call the page signs is refused, and says why.
  const cred = app.config.credential ?? { accessKeyId: '', accessKeySecret: null };
  setCredential(cred, (id) => askValue('AccessKeySecret needed', `Secret of ${id}`, 'The emulator does not use the well-known pair, so it does not hand out the secret. It is kept for this tab only.'));
  showTopInfo(true, '');
  window.addEventListener('hashchange', route);
  route();
  poll();
  setText($('.brand .tag'), `emulator ${app.config.version ?? ''}`.trim());
}

boot();
