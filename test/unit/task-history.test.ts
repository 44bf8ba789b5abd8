import { describe, it, expect } from 'vitest';
import { createStore } from '../../src/store/index.js';

describe('task history', () => {
  it('pruneFinished keeps the newest finished tasks and every pending one', async () => {
    const store = createStore(':memory:');
    try {
      const ids: number[] = [];
      for (let i = 0; i < 30; i++) ids.push(store.tasks.insert(`inst-${i}`, 'clear', {}, i));
      // The first 25 finish (some in ERROR), the last 5 stay pending.
      for (const id of ids.slice(0, 25)) store.tasks.finish(id, id % 7 === 0 ? 'ERROR' : 'FINISH', 100);
      expect(store.tasks.pruneFinished(10)).toBe(15);
      const left = store.tasks.all().map((t) => t.id);
      expect(left).toEqual([...ids.slice(15, 25), ...ids.slice(25)]);
      expect(store.tasks.pending().map((t) => t.id)).toEqual(ids.slice(25));
      // Nothing more to forget, and fewer finished than `keep` forgets nothing.
      expect(store.tasks.pruneFinished(10)).toBe(0);
      expect(store.tasks.pruneFinished(1000)).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('a task read twice', () => {
  it('shows every change the repo makes to it (start, finish, the clock capped, prune, reset), never an older copy', async () => {
    const store = createStore(':memory:');
    try {
      const id = store.tasks.insert('inst-1', 'create', {}, 1000);
      expect(store.tasks.get(id)?.status).toBe('NEW');
      expect(store.tasks.start(id, 5000)).toBe(true);
      expect(store.tasks.get(id)).toMatchObject({ status: 'DOING', dueAt: 5000 });
      store.tasks.capDue(2000);
      expect(store.tasks.get(id)?.dueAt).toBe(2000);
      expect(store.tasks.finish(id, 'ERROR', 3000, 'no memcached')).toBe(true);
      expect(store.tasks.get(id)).toMatchObject({ status: 'ERROR', error: 'no memcached', finishedAt: 3000 });
      const later = store.tasks.insert('inst-2', 'clear', {}, 4000);
      store.tasks.finish(later, 'FINISH', 4100);
      expect(store.tasks.pruneFinished(1)).toBe(1);
      expect(store.tasks.get(id)).toBeUndefined();
      expect(store.tasks.get(later)?.status).toBe('FINISH');
      store.tasks.removeAll();
      expect(store.tasks.get(later)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
