// ui/js/faults.js — fault rules (list, add, remove) and the emulator's clock (time, advance, run pending tasks in manual mode).
import { control } from './api.js';
import { h, setText, clear, fmtTime, toast } from './dom.js';
import { field } from './dialog.js';
import { unavailable } from './journal.js';

const ACTIONS = ['*', 'CreateMemcachedInstance', 'MemcachedInstanceList', 'DescribeMemcachedInstance', 'UpdateMemcachedInstance', 'ClearMemcachedInstance', 'DeleteMemcachedInstance', 'DescribeTask'];
const EFFECTS = {
  error: 'Answer with an error',
  latency: 'Answer late',
  'task-error': 'Task ends ERROR',
  'task-hang': 'Task never finishes',
  'backend-dies': 'memcached dies after start',
};

function effectText(e) {
  switch (e.type) {
    case 'error': return `HTTP ${e.status} ${e.code}: ${e.message}`;
    case 'latency': return `+${e.ms} ms`;
    case 'task-error': return `task ERROR${e.message ? `: ${e.message}` : ''}`;
    case 'backend-dies': return `memcached dies after ${e.afterMs ?? 0} ms`;
    default: return e.type;
  }
}

function clockCard(app) {
  const now = h('div.fig-value');
  const sub = h('div.fig-sub');
  const amount = h('input', { type: 'number', name: 'amount', min: 0, step: 'any', value: '60', required: true });
  const unit = h('select', { name: 'unit' }, ['seconds', 'minutes', 'hours', 'days'].map((u) => h('option', { value: u }, u)));
  const manual = app.config.taskMode === 'manual';
  const advance = h('form.inline-form', { 'aria-label': 'Advance the clock' }, field('Advance by', amount), field('Unit', unit), h('button.btn.btn-primary', { type: 'submit' }, 'Advance'));
  const run = h('button.btn', { type: 'button' }, 'Run pending tasks');
  const el = h('section.card', { 'aria-labelledby': 'clock-title' }, h('h2.card-title', { id: 'clock-title' }, 'Emulator clock'),
    h('div.fig.wide', {}, h('div.fig-label', {}, 'Emulator time'), now, sub),
    manual ? h('div.key-forms', {}, advance, h('div.inline-form', {}, run)) : h('p.note', {}, 'Tasks run on their own timer (task mode timed). Start the emulator with --task-mode manual to drive tasks from here by advancing the clock.'));
  const show = (c) => {
    setText(now, fmtTime(c.nowMs));
    setText(sub, `${c.offsetMs ? `${Math.round(c.offsetMs / 1000).toLocaleString()} s ahead of the wall clock` : 'in step with the wall clock'} · task mode ${c.taskMode}`);
  };
  advance.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const res = await control('POST', '/_emulator/clock/advance', { [unit.value]: Number(amount.value) });
      show(res);
      toast(`Clock advanced; ${res.tasks?.length ?? 0} task(s) ran`, 'ok');
    } catch (err) {
      toast(`Could not advance: ${err.message}`, 'error');
    }
  });
  run.addEventListener('click', async () => {
    try {
      const res = await control('POST', '/_emulator/tasks/run', {});
      toast(`${res.tasks.length} task(s) ran`, 'ok');
    } catch (err) {
      toast(`Could not run tasks: ${err.message}`, 'error');
    }
  });
  return { el, refresh: async () => show(await control('GET', '/_emulator/clock')) };
}

function faultForm(onAdded) {
  const action = h('select', { name: 'action' }, ACTIONS.map((a) => h('option', { value: a }, a === '*' ? '* (any action)' : a)));
  const instanceId = h('input', { name: 'instanceId', placeholder: 'any instance', autocomplete: 'off' });
  const type = h('select', { name: 'type' }, Object.entries(EFFECTS).map(([v, l]) => h('option', { value: v }, l)));
  const status = h('input', { type: 'number', name: 'status', min: 400, max: 599, value: '503' });
  const code = h('input', { name: 'code', value: 'ServiceUnavailable', maxLength: 128 });
  const message = h('input', { name: 'message', value: 'injected by a fault rule', maxLength: 1024 });
  const ms = h('input', { type: 'number', name: 'ms', min: 0, max: 600000, value: '2000' });
  const afterMs = h('input', { type: 'number', name: 'afterMs', min: 0, value: '1000' });
  const count = h('input', { type: 'number', name: 'count', min: 1, placeholder: 'unlimited' });
  const probability = h('input', { type: 'number', name: 'probability', min: 0, max: 1, step: 'any', placeholder: '1' });
  const seed = h('input', { name: 'seed', placeholder: 'optional', autocomplete: 'off' });
  const groups = {
    error: [field('HTTP status', status), field('Code', code), field('Message', message)],
    latency: [field('Delay (ms)', ms)],
    'task-error': [field('Task error message', message.cloneNode())],
    'task-hang': [],
    'backend-dies': [field('Dies after (ms)', afterMs)],
  };
  const effectBox = h('div.form-grid');
  const showGroup = () => clear(effectBox, groups[type.value]);
  type.addEventListener('change', showGroup);
  showGroup();
  const form = h('form.fault-form', { 'aria-label': 'Add a fault rule' },
    h('div.form-grid', {}, field('Action', action), field('Instance ID', instanceId), field('Effect', type)),
    effectBox,
    h('div.form-grid', {}, field('Count', count), field('Probability (0–1)', probability), field('Seed', seed)),
    h('div', {}, h('button.btn.btn-primary', { type: 'submit' }, 'Add rule')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const effect = { type: type.value };
    if (type.value === 'error') Object.assign(effect, { status: Number(status.value), code: code.value, message: message.value });
    if (type.value === 'latency') effect.ms = Number(ms.value);
    if (type.value === 'task-error') {
      const m = effectBox.querySelector('input').value;
      if (m) effect.message = m;
    }
    if (type.value === 'backend-dies' && afterMs.value !== '') effect.afterMs = Number(afterMs.value);
    const rule = { action: action.value, effect };
    if (instanceId.value.trim()) rule.instanceId = instanceId.value.trim();
    if (count.value) rule.count = Number(count.value);
    if (probability.value) rule.probability = Number(probability.value);
    if (seed.value) rule.seed = /^-?\d+$/.test(seed.value) ? Number(seed.value) : seed.value;
    try {
      const added = await control('POST', '/_emulator/faults', rule);
      toast(`Fault rule ${added.id} added`, 'ok');
      onAdded();
    } catch (err) {
      toast(`Could not add the rule: ${err.message}`, 'error', 8000);
    }
  });
  return form;
}

export function mountFaults(main, app) {
  const { features = {} } = app.config;
  if (!features.faults && !features.clock) return unavailable(main, 'Faults & clock', '/_emulator/faults or /_emulator/clock');
  const clock = features.clock ? clockCard(app) : null;
  const tbody = h('tbody');
  const faultsCard = features.faults
    ? h('section.card', { 'aria-labelledby': 'faults-title' }, h('h2.card-title', { id: 'faults-title' }, 'Fault rules'),
      h('p.subtitle', {}, 'A rule makes matching API calls fail, slow down, or leave their task in error, so a client’s error handling can be tried.'),
      h('div.table-wrap', {}, h('table.grid', {}, h('thead', {}, h('tr', {}, ['Rule', 'Action', 'Instance', 'Effect', 'Applied / seen', 'Left', 'Probability', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody)),
      h('h3', {}, 'Add a rule'), faultForm(() => refresh()))
    : h('section.card', {}, h('h2.card-title', {}, 'Fault rules'), h('p.note', {}, 'Not available: this emulator does not serve /_emulator/faults.'));
  clear(main, h('div.page-head', {}, h('h1', {}, 'Faults & clock')), clock?.el ?? h('section.card', {}, h('h2.card-title', {}, 'Emulator clock'), h('p.note', {}, 'Not available: this emulator does not serve /_emulator/clock.')), faultsCard);
  let timer;
  let gone = false;
  let lastJson = '';

  async function refresh() {
    clearTimeout(timer);
    try {
      if (clock) await clock.refresh();
      if (features.faults) {
        const { faults } = await control('GET', '/_emulator/faults');
        const json = JSON.stringify(faults);
        if (json !== lastJson) {
          lastJson = json;
          clear(tbody, faults.length === 0 ? h('tr', {}, h('td.muted', { colSpan: 8 }, 'No fault rule: every call behaves normally.')) : faults.map((f) => h('tr', { dataset: { rule: f.id } },
            h('td', { dataset: { label: 'Rule' } }, h('code', {}, f.id)),
            h('td', { dataset: { label: 'Action' } }, f.action),
            h('td', { dataset: { label: 'Instance' } }, f.instanceId ?? 'any'),
            h('td', { dataset: { label: 'Effect' } }, effectText(f.effect)),
            h('td', { dataset: { label: 'Applied / seen' } }, `${f.hits} / ${f.seen}`),
            h('td', { dataset: { label: 'Left' } }, f.remaining === null ? '∞' : String(f.remaining)),
            h('td', { dataset: { label: 'Probability' } }, String(f.probability ?? 1)),
            h('td', { dataset: { label: '' } }, h('button.link.danger', { type: 'button', 'aria-label': `Remove rule ${f.id}`, onclick: async () => {
              await control('DELETE', `/_emulator/faults/${encodeURIComponent(f.id)}`).catch((e) => toast(e.message, 'error'));
              refresh();
            } }, 'Remove')))));
        }
      }
    } catch (e) {
      toast(`Could not refresh: ${e.message}`, 'error');
    }
    if (!gone) timer = setTimeout(refresh, 2000);
  }
  refresh();
  return { update() {}, unmount() { gone = true; clearTimeout(timer); } };
}
