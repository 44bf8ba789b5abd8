// ui/js/widgets.js — small pieces shared by the views: status badges, the copy button, an address, a sparkline.
import { h, svg, setText, copyText, toast } from './dom.js';

const STATUS_TEXT = { creating: 'creating', running: 'running', updating: 'updating', deleting: 'deleting', error: 'error' };

export function statusBadge(status) {
  const text = h('span.status-text');
  const el = h('span.status', {}, h('span.dot', { 'aria-hidden': 'true' }), text);
  updateStatus(el, status);
  return el;
}
export function updateStatus(el, status) {
  const cls = `status status-${status}`;
  if (el.className !== cls) el.className = cls;
  setText(el.querySelector('.status-text'), STATUS_TEXT[status] ?? status);
}

export function taskBadge(status) {
  return h(`span.badge.task-${String(status).toLowerCase()}`, {}, status);
}

export function copyButton(getText, label) {
  const btn = h('button.icon-btn.copy', {
    type: 'button',
    'aria-label': label,
    title: label,
    onclick: async () => {
      const ok = await copyText(getText());
      toast(ok ? `Copied ${getText()}` : 'Copy failed: select the text instead', ok ? 'ok' : 'error', 2500);
    },
  });
  btn.append(svg('svg', { viewBox: '0 0 16 16', width: 14, height: 14, 'aria-hidden': 'true' },
    svg('rect', { x: 5, y: 5, width: 9, height: 9, rx: 1.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }),
    svg('path', { d: 'M3 11V3a1 1 0 0 1 1-1h7', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 })));
  return btn;
}

export const addressOf = (inst) => (inst.address ? `${inst.address}:${inst.port}` : '');

/** An address with its copy button; `update` refreshes it in place. */
export function addressCell(inst) {
  let current = addressOf(inst);
  const text = h('code.addr');
  const btn = copyButton(() => current, 'Copy address');
  const el = h('span.address', {}, text, btn);
  const update = (i) => {
    current = addressOf(i);
    setText(text, current || '—');
    btn.hidden = !current;
  };
  update(inst);
  return { el, update };
}

/** A line of the last values (oldest first) scaled to the box; `max` fixes the top (e.g. 1 for a rate). */
export function sparkline(values, { width = 160, height = 36, max, label }) {
  const box = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'spark', role: 'img', 'aria-label': label, preserveAspectRatio: 'none' });
  const nums = values.filter((v) => v !== null && v !== undefined);
  if (nums.length < 2) {
    box.append(svg('line', { x1: 0, y1: height - 1, x2: width, y2: height - 1, class: 'spark-base' }));
    return box;
  }
  const top = max ?? Math.max(...nums, 1);
  const step = width / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - ((v ?? 0) / top) * (height - 4)).toFixed(1)}`);
  box.append(
    svg('polygon', { points: `0,${height} ${pts.join(' ')} ${width},${height}`, class: 'spark-area' }),
    svg('polyline', { points: pts.join(' '), class: 'spark-line' }),
  );
  return box;
}
