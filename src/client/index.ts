// client/index.ts — a small typed client of the emulated API (and of the cloud: same signing); no emulator internals.
import type { Static } from '@sinclair/typebox';
import type * as R from '../actions/responses.js';
import type { InstanceDetail, InstanceItem, InstanceList, ErrorEnvelope } from '../actions/responses.js';
import type { CreateRequest } from '../actions/create-request.js';
import { signedQueryString } from '../signing/index.js';
import { commonParams, productOf, WELL_KNOWN_KEY, type Product } from '../contract/index.js';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:11210 — the product path is added per call. */
  endpoint: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  signatureMethod?: 'HMAC-SHA1' | 'HmacSHA256';
}

export interface Envelope<D = unknown> {
  Code: string;
  Message: string;
  Data: D;
  RequestId?: string;
  [extra: string]: unknown;
}

export interface CallResult<D = unknown> {
  status: number;
  requestId: string | null;
  body: Envelope<D>;
}

export class CdsApiError extends Error {
  constructor(readonly result: CallResult) {
    super(`${result.body.Code}: ${result.body.Message} (HTTP ${result.status})`);
    this.name = 'CdsApiError';
  }
}

// The answers' types come from the server's own schemas (type-only: the bundle loads nothing of the server).
export type { InstanceDetail, InstanceItem, InstanceList, ErrorEnvelope };

/** The success envelope of each Action, as the server's schemas declare it. */
export interface ActionResponses {
  CreateMemcachedInstance: Static<typeof R.CreateResponse>;
  CreateMemcached: Static<typeof R.CreateResponse>;
  MemcachedInstanceList: Static<typeof R.ListResponse>;
  DescribeMemcachedInstance: Static<typeof R.DescribeResponse>;
  DeleteMemcachedInstance: Static<typeof R.DeleteResponse>;
  ClearMemcachedInstance: Static<typeof R.ClearResponse>;
  UpdateMemcachedInstance: Static<typeof R.UpdateResponse>;
  DescribeTask: Static<typeof R.DescribeTaskResponse>;
}
export type ActionName = keyof ActionResponses;

/** Create's input, as the server's schema takes it; ConfSize stays a plain string, checked by the server ("1G" … "10G"). */
export type CreateInput = Omit<Static<typeof CreateRequest>, 'ConfSize'> & { ConfSize: string };

export class CdsMemcachedClient {
  private readonly base: string;
  constructor(private readonly opts: ClientOptions) {
    this.base = opts.endpoint.replace(/\/+$/, '');
  }

  /** The signed query string for one call (every query parameter is signed). */
  signedQuery(action: string, method = 'POST', extra: Record<string, string> = {}): string {
    const pairs = [
      ...commonParams({ action, accessKeyId: this.opts.accessKeyId ?? WELL_KNOWN_KEY.accessKeyId, signatureMethod: this.opts.signatureMethod }),
      ...Object.entries(extra),
    ];
    return signedQueryString(method, pairs, this.opts.accessKeySecret ?? WELL_KNOWN_KEY.accessKeySecret, this.opts.signatureMethod);
  }

  /** One raw call, to the product path given (memcached unless told); never throws for an API error, so tests can look at any answer. */
  async call<D = unknown>(action: string, body: Record<string, unknown> = {}, product: Product = 'memcached'): Promise<CallResult<D>> {
    const res = await fetch(`${this.base}/${product}?${this.signedQuery(action)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as Envelope<D> };
  }

  private async ok<A extends ActionName>(action: A, body: Record<string, unknown>): Promise<ActionResponses[A]> {
    const r = await this.call(action, body, productOf(action));
    if (r.body.Code !== 'Success') throw new CdsApiError(r);
    return r.body as unknown as ActionResponses[A];
  }

  async createMemcachedInstance(input: CreateInput) {
    return (await this.ok('CreateMemcachedInstance', { ...input })).Data;
  }
  async memcachedInstanceList(input: { VdcId?: string; Keyword?: string } = {}) {
    return (await this.ok('MemcachedInstanceList', input)).Data;
  }
  async describeMemcachedInstance(InstanceId: string) {
    return (await this.ok('DescribeMemcachedInstance', { InstanceId })).Data;
  }
  async deleteMemcachedInstance(InstanceId: string) {
    return (await this.ok('DeleteMemcachedInstance', { InstanceId })).Data;
  }
  async clearMemcachedInstance(InstanceId: string) {
    return (await this.ok('ClearMemcachedInstance', { InstanceId })).Data;
  }
  async updateMemcachedInstance(InstanceId: string, ConfSize: string) {
    return (await this.ok('UpdateMemcachedInstance', { InstanceId, ConfSize })).Data;
  }
  async describeTask(TaskId: number) {
    const env = await this.ok('DescribeTask', { TaskId });
    return { ...env.Data, TaskId: env.TaskId };
  }

  /** Poll Describe until the instance has one of `statuses`, or the deadline passes. */
  waitForStatus(InstanceId: string, statuses: string[], timeoutMs = 30_000, intervalMs = 50): Promise<InstanceDetail> {
    return poll(() => this.describeMemcachedInstance(InstanceId), (d) => statuses.includes(d.Status), `instance ${InstanceId}`, timeoutMs, intervalMs);
  }

  /** Poll DescribeTask until the task is FINISH or ERROR. */
  waitForTask(TaskId: number, timeoutMs = 30_000, intervalMs = 50) {
    return poll(() => this.describeTask(TaskId), (t) => t.Status === 'FINISH' || t.Status === 'ERROR', `task ${TaskId}`, timeoutMs, intervalMs);
  }
}

async function poll<T extends { Status: string }>(get: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs: number, intervalMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} is still ${v.Status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export { sign, canonicalQuery, stringToSign, percentEncode } from '../signing/index.js';
export * from '../contract/index.js';
export * from './admin.js';
