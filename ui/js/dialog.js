// ui/js/dialog.js — the one modal: a native <dialog> (Esc closes it, focus stays inside and returns to the opener).
import { h, $, clear } from './dom.js';

/**
 * Opens a form dialog. `onSubmit(form)` may throw to show an error and stay open; resolves with its result,
 * or undefined when cancelled.
 */
export function openDialog({ title, content = [], submitLabel = 'OK', danger = false, onSubmit = async () => true, host = 'dialog' }) {
  // `prompt` is a second dialog that can open over the first (a secret asked for in the middle of a create).
  const dlg = $(`#${host}`);
  if (dlg.open) dlg.close();
  const error = h('p.dialog-error', { role: 'alert', hidden: true });
  const submit = h(`button.btn.${danger ? 'btn-danger' : 'btn-primary'}`, { type: 'submit' }, submitLabel);
  const cancel = h('button.btn', { type: 'button', onclick: () => dlg.close() }, 'Cancel');
  const form = h('form.dialog-form', { novalidate: false },
    h('div.dialog-head', {}, h('h2', { id: `${host}-title` }, title),
      h('button.icon-btn', { type: 'button', 'aria-label': 'Close', onclick: () => dlg.close() }, '×')),
    h('div.dialog-body', {}, content, error),
    h('div.dialog-foot', {}, cancel, submit),
  );
  clear(dlg, form);
  return new Promise((resolve) => {
    let result;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      submit.disabled = true;
      error.hidden = true;
      try {
        result = await onSubmit(form);
        dlg.close();
      } catch (err) {
        error.textContent = err.message ?? String(err);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    // A close queued for an earlier form of this dialog must not settle this one.
    const onClose = () => {
      const replaced = dlg.firstChild !== form;
      if (!replaced && dlg.open) return;
      dlg.removeEventListener('close', onClose);
      resolve(replaced ? undefined : result);
    };
    dlg.addEventListener('close', onClose);
    dlg.showModal();
    const first = form.querySelector('.dialog-body input, .dialog-body select, .dialog-body textarea') ?? submit;
    first.focus();
  });
}

export function confirmDialog(title, text, submitLabel, danger = true) {
  return openDialog({ title, content: [h('p', {}, text)], submitLabel, danger, onSubmit: async () => true }).then((r) => r === true);
}

/** Asks for one secret value (admin token, AccessKeySecret); resolves with it, or null. */
export async function askValue(title, label, hint) {
  const input = h('input', { type: 'password', name: 'value', required: true, autocomplete: 'off' });
  const value = await openDialog({
    title,
    content: [field(label, input, hint)],
    submitLabel: 'Continue',
    onSubmit: async () => input.value,
    host: 'prompt',
  });
  return value || null;
}

/** A labelled form field. */
let fieldSeq = 0;
/** A label tied to its control by id (so its name is just the label), with an optional hint tied by aria-describedby. */
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++fieldSeq}`;
  const note = hint ? h('small.hint', { id: `${control.id}-hint` }, hint) : null;
  if (note) control.setAttribute('aria-describedby', note.id);
  return h('div.field', {}, h('label', { for: control.id }, label), control, note);
}
