// test/helpers/recording.ts — for the record / replay / verify tests: a whole instance lifecycle driven through any
// endpoint with plain signed calls (so an altered upstream's answers do not stop it), and the recordings of a folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { CdsMemcachedClient, CallResult } from '../../src/client/index.js';
import { docCreate } from './emulator.js';

export const tempDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `cds-emu-${name}-`));

type Data = Record<string, unknown>;

/** Polls DescribeTask until FINISH (bounded; generous for a loaded machine). */
async function waitTask(client: CdsMemcachedClient, TaskId: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await client.call<Data>('DescribeTask', { TaskId }, 'ccs');
    expect(r.body.Code).toBe('Success');
    if (r.body.Data.Status === 'FINISH') return;
    if (Date.now() > deadline) throw new Error(`task ${TaskId} still ${String(r.body.Data.Status)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** create → task polling → describe → list → update → clear → delete → describe (gone); every answer returned in order. */
export async function lifecycle(client: CdsMemcachedClient): Promise<CallResult<Data>[]> {
  const answers: CallResult<Data>[] = [];
  const call = async (action: string, body: Data, product: 'memcached' | 'ccs' = 'memcached') => {
    const r = await client.call<Data>(action, body, product);
    answers.push(r);
    return r;
  };
  const created = await call('CreateMemcachedInstance', { ...docCreate, InstanceName: 'rec-test' });
  expect(created.body.Code).toBe('Success');
  const InstanceId = (created.body.Data.InstanceIds as string[])[0]!;
  await waitTask(client, (created.body.Data.TaskIds as number[])[0]!);
  await call('DescribeMemcachedInstance', { InstanceId });
  await call('MemcachedInstanceList', {});
  const updated = await call('UpdateMemcachedInstance', { InstanceId, ConfSize: '2G' });
  await waitTask(client, updated.body.Data.TaskId as number);
  const cleared = await call('ClearMemcachedInstance', { InstanceId });
  // An upstream that renamed Clear's Code still answers its TaskId.
  await waitTask(client, cleared.body.Data.TaskId as number);
  const deleted = await call('DeleteMemcachedInstance', { InstanceId });
  await waitTask(client, deleted.body.Data.TaskId as number);
  const gone = await call('DescribeMemcachedInstance', { InstanceId });
  expect(gone.body.Code).toBe('ResourceNotFound');
  return answers;
}

export interface RecordingFile {
  name: string;
  text: string;
  json: {
    seq: number;
    action: string;
    product: 'memcached' | 'ccs';
    fields: Data;
    accessKeyHash: string;
    response: { status: number; body: { Code: string; [k: string]: unknown } };
    latencyMs: number;
  };
}

export function readRecordings(dir: string): RecordingFile[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name, text, json: JSON.parse(text) };
    });
}
