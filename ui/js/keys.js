// ui/js/keys.js — the key browser of one instance: list keys by prefix (lru_crawler metadump), read one (get), delete one.
import { control } from './api.js';
import { h, setText, clear, fmtBytes, fmtTime, toast } from './dom.js';
import { confirmDialog, field } from './dialog.js';

const keyPath = (id, key) => `/_emulator/instances/${encodeURIComponent(id)}/keys/${encodeURIComponent(key)}`;

function expiry(exp) {
  if (exp === -1 || exp === 0) return 'never';
  return fmtTime(exp * 1000);
}

export function mountKeys(id) {
  const prefix = h('input', { type: 'search', name: 'prefix', placeholder: 'Key prefix (empty = all)', autocomplete: 'off' });
  const limit = h('select', { name: 'limit' }, [50, 100, 500, 1000].map((n) => h('option', { value: n, selected: n === 100 }, `${n} keys`)));
  const listBtn = h('button.btn', { type: 'submit' }, 'List keys');
  const lookup = h('input', { type: 'search', name: 'key', placeholder: 'Exact key', autocomplete: 'off', required: true });
  const getBtn = h('button.btn', { type: 'submit' }, 'Get');
  const note = h('p.note', { hidden: true });
  const summary = h('p.card-meta', { 'aria-live': 'polite' });
  const tbody = h('tbody');
  const table = h('table.grid.keys', { hidden: true }, h('thead', {}, h('tr', {}, ['Key', 'Size', 'Slab', 'Expires', 'Last access', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))), tbody);
  const valueBox = h('div.value-box', { hidden: true, 'aria-live': 'polite' });
  const listForm = h('form.inline-form', { role: 'search', 'aria-label': 'List keys' }, field('Prefix', prefix), field('Show', limit), listBtn);
  const getForm = h('form.inline-form', { 'aria-label': 'Look up a key' }, field('Look up a key', lookup), getBtn);
  const el = h('section.card.keys-card', { 'aria-labelledby': 'keys-title' },
    h('h2.card-title', { id: 'keys-title' }, 'Key browser'), note, h('div.key-forms', {}, listForm, getForm), summary, h('div.table-wrap', {}, table), valueBox);
  let usable = false;
  let listedOnce = false;

  async function list() {
    listBtn.disabled = true;
    try {
      const q = new URLSearchParams({ prefix: prefix.value, limit: limit.value });
      const res = await control('GET', `/_emulator/instances/${encodeURIComponent(id)}/keys?${q}`);
      table.hidden = res.keys.length === 0;
      // A search cut short by its time limit looked at only part of the dump: say so, rather than "no key".
      const partial = res.partial ? ` Only the first ${res.scanned.toLocaleString()} keys were searched before the time limit; narrow the prefix or try again.` : '';
      setText(summary, (res.keys.length === 0 ? (prefix.value ? `No key ${res.partial ? 'found that starts' : 'starts'} with “${prefix.value}”.` : `memcached ${res.partial ? 'sent no key in time' : 'holds no key'}.`)
        : `${res.keys.length} key${res.keys.length === 1 ? '' : 's'}${res.truncated ? ` (the first ${res.limit}; narrow the prefix to see others)` : ''}, sorted by name.`) + partial);
      clear(tbody, res.keys.map((k) => h('tr', { dataset: { key: k.key } },
        h('td', { dataset: { label: 'Key' } }, h('button.link.key-name', { type: 'button', onclick: () => show(k.key) }, k.key)),
        h('td', { dataset: { label: 'Size' } }, fmtBytes(k.size)),
        h('td', { dataset: { label: 'Slab' } }, String(k.slab)),
        h('td', { dataset: { label: 'Expires' } }, expiry(k.exp)),
        h('td', { dataset: { label: 'Last access' } }, fmtTime(k.lastAccess * 1000)),
        h('td', { dataset: { label: 'Actions' } }, h('span.actions', {},
          h('button.link', { type: 'button', onclick: () => show(k.key), 'aria-label': `View ${k.key}` }, 'View'),
          h('button.link.danger', { type: 'button', onclick: () => remove(k.key), 'aria-label': `Delete ${k.key}` }, 'Delete'))))));
    } catch (e) {
      table.hidden = true;
      setText(summary, `Could not list keys: ${e.message}`);
    } finally {
      listBtn.disabled = !usable;
    }
  }

  async function show(key) {
    try {
      const v = await control('GET', keyPath(id, key));
      clear(valueBox,
        h('div.value-head', {}, h('code.key-name', {}, v.key),
          h('span.card-meta', {}, `${fmtBytes(v.size)} · flags ${v.flags} · ${v.encoding === 'utf8' ? 'UTF-8 text' : 'binary, shown as hex'}`),
          h('button.link.danger', { type: 'button', onclick: () => remove(v.key) }, 'Delete key')),
        h('pre.value', { tabIndex: 0 }, v.value),
        v.truncated ? h('p.card-meta', {}, `Showing the first ${v.shownBytes.toLocaleString()} of ${v.size.toLocaleString()} bytes.`) : null);
    } catch (e) {
      clear(valueBox, h('p.note', {}, e.code === 'ResourceNotFound' ? `No key “${key}” in this memcached.` : `Could not read “${key}”: ${e.message}`));
    }
    valueBox.hidden = false;
  }

  async function remove(key) {
    if (!(await confirmDialog(`Delete key “${key}”?`, 'The key is deleted from this memcached at once (memcached’s delete).', 'Delete key'))) return;
    try {
      await control('DELETE', keyPath(id, key));
      toast(`Deleted ${key}`, 'ok');
      valueBox.hidden = true;
      await list();
    } catch (e) {
      toast(`Could not delete ${key}: ${e.message}`, 'error');
    }
  }

  listForm.addEventListener('submit', (e) => {
    e.preventDefault();
    list();
  });
  getForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (lookup.value) show(lookup.value);
  });

  const setUsable = (yes, why) => {
    if (yes === usable && listedOnce) return;
    usable = yes;
    for (const c of [prefix, limit, listBtn, lookup, getBtn]) c.disabled = !yes;
    note.hidden = yes;
    setText(note, yes ? '' : why);
    if (yes && !listedOnce) {
      listedOnce = true;
      list();
    }
  };
  return { el, setUsable, disable: (why) => setUsable(false, why) };
}
