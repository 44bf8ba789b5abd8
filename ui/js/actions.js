// ui/js/actions.js — create, resize, clear and delete, each a dialog and then one signed API call, exactly as a client would make it.
import { contract, signed } from './api.js';
import { h, toast } from './dom.js';
import { openDialog, confirmDialog, field } from './dialog.js';

/** Task ids this page started, so the task list can mark them. */
export const startedHere = new Set();

function started(what, data) {
  const ids = data.TaskIds ?? (data.TaskId !== undefined ? [data.TaskId] : []);
  ids.forEach((id) => startedHere.add(Number(id)));
  toast(`${what}: task ${ids.join(', ')} started`, 'ok');
  // Refresh now rather than at the next tick, so the new status shows at once.
  document.dispatchEvent(new CustomEvent('cds:changed'));
}

function options(list, selected) {
  return list.map(([value, label]) => h('option', { value, selected: value === selected }, label));
}

export async function createInstance(fixtures) {
  const withVdc = new Set(fixtures.vdcs.map((v) => v.RegionId));
  const regions = [...fixtures.regions].sort((a, b) => Number(withVdc.has(b.RegionId)) - Number(withVdc.has(a.RegionId)));
  const name = h('input', { name: 'InstanceName', placeholder: 'memcached-…  (optional)', autocomplete: 'off' });
  const region = h('select', { name: 'RegionId', required: true },
    options(regions.map((r) => [r.RegionId, `${r.SiteName} (${r.RegionId})${withVdc.has(r.RegionId) ? '' : ' — no VDC'}`]), regions[0]?.RegionId));
  const vdc = h('select', { name: 'VdcId', required: true });
  const pipe = h('select', { name: 'PipeId', required: true });
  const size = h('select', { name: 'ConfSize', required: true }, options(contract().confSizes.map((s) => [s, s]), contract().confSizes[0]));
  const amount = h('input', { name: 'Amount', type: 'number', min: 1, max: 10, value: '1', required: true });
  const fillPipes = () => {
    const v = fixtures.vdcs.find((x) => x.VdcId === vdc.value);
    pipe.replaceChildren(...options((v?.Pipes ?? []).map((p) => [p.PipeId, `${p.PipeName || p.PipeId} (${p.Segment})`])));
  };
  const fillVdcs = () => {
    const list = fixtures.vdcs.filter((v) => v.RegionId === region.value);
    vdc.replaceChildren(...(list.length ? options(list.map((v) => [v.VdcId, v.VdcName])) : [h('option', { value: '' }, 'No VDC in this region')]));
    fillPipes();
  };
  region.addEventListener('change', fillVdcs);
  vdc.addEventListener('change', fillPipes);
  fillVdcs();
  return openDialog({
    title: 'Create Memcached instance',
    content: [
      field('Instance name', name),
      field('Region', region),
      field('VDC', vdc, 'The fixtures’ virtual data centres in this region.'),
      field('Private network (pipe)', pipe),
      h('div.row2', {}, field('Memory', size), field('Amount', amount)),
    ],
    submitLabel: 'Create',
    onSubmit: async () => {
      const body = { ConfSize: size.value, RegionId: region.value, VdcId: vdc.value, PipeId: pipe.value, Amount: Number(amount.value) };
      if (name.value.trim()) body.InstanceName = name.value.trim();
      const res = await signed('CreateMemcachedInstance', body);
      started('CreateMemcachedInstance', res.Data);
      return res.Data;
    },
  });
}

export async function resizeInstance(inst) {
  const size = h('select', { name: 'ConfSize' }, options(contract().confSizes.map((s) => [s, s === inst.confSize ? `${s} (current)` : s]), inst.confSize));
  return openDialog({
    title: `Resize ${inst.name}`,
    content: [field('New memory size', size, 'memcached keeps its data: the limit changes with cache_memlimit.')],
    submitLabel: 'Resize',
    onSubmit: async () => {
      const res = await signed('UpdateMemcachedInstance', { InstanceId: inst.id, ConfSize: size.value });
      started('UpdateMemcachedInstance', res.Data);
      return res.Data;
    },
  });
}

async function confirmed(action, inst, title, text, label) {
  if (!(await confirmDialog(title, text, label))) return undefined;
  try {
    const res = await signed(action, { InstanceId: inst.id });
    started(action, res.Data);
    return res.Data;
  } catch (e) {
    toast(`${action} failed — ${e.message}`, 'error', 8000);
    return undefined;
  }
}

export const clearInstance = (inst) =>
  confirmed('ClearMemcachedInstance', inst, `Clear ${inst.name}?`, `Every key in ${inst.name} (${inst.id}) is flushed (flush_all). The instance keeps running.`, 'Clear data');

export const deleteInstance = (inst) =>
  confirmed('DeleteMemcachedInstance', inst, `Delete ${inst.name}?`, `${inst.name} (${inst.id}) and its memcached are removed. This cannot be undone.`, 'Delete');

/** The task kind each button starts. */
const KIND_OF = { resize: 'update', clear: 'clear', delete: 'delete' };

/** Which buttons a status allows, read from the server's status rules, so they are disabled rather than refused. */
export const allowed = Object.fromEntries(
  Object.entries(KIND_OF).map(([button, kind]) => [button, (status) => contract().taskRules[kind]?.from.includes(status) ?? false]),
);
