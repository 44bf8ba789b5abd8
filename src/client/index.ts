// client/index.ts — a small typed client of the emulated API (and of the cloud: same signing); no emulator internals.
import { randomUUID } from 'node:crypto';
import { signedQueryString, timestampNow, type QueryPairs } from '../signing/index.js';

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

export interface InstanceItem {
  Address: string;
  AppName: string;
  BillMethod: string;
  ConfName: string;
  CreateTime: string;
  InstanceConf: string;
  InstanceId: string;
  InstanceName: string;
  Port: string;
  SiteName: string;
  Status: 'creating' | 'running' | 'updating' | 'deleting' | 'error';
  UpdateTime: string;
  Version: string;
}
export interface InstanceDetail extends InstanceItem {
  Coon: number;
  GoodsId: string;
  RunningTime: string;
  SiteId: string;
}
export interface InstanceList {
  CreatingTotal: number;
  DeletingTotal: number;
  ErrorTotal: number;
  RunningTotal: number;
  UpdatingTotal: number;
  Total: number;
  InstanceList: InstanceItem[];
}
export interface CreateInput {
  ConfSize: string;
  VdcId: string;
  PipeId: string;
  RegionId: string;
  InstanceName?: string;
  Amount?: number;
}

export const WELL_KNOWN_KEY = { accessKeyId: 'emulator-access-key-id', accessKeySecret: 'emulator-access-key-secret' };

export class CdsMemcachedClient {
  private readonly base: string;
  constructor(private readonly opts: ClientOptions) {
    this.base = opts.endpoint.replace(/\/+$/, '');
  }

  /** The signed query string for one call (every query parameter is signed). */
  signedQuery(action: string, method = 'POST', extra: Record<string, string> = {}): string {
    const pairs: QueryPairs = [
      ['Action', action],
      ['AccessKeyId', this.opts.accessKeyId ?? WELL_KNOWN_KEY.accessKeyId],
      ['SignatureMethod', this.opts.signatureMethod ?? 'HMAC-SHA1'],
      ['SignatureNonce', randomUUID()],
      ['SignatureVersion', '1.0'],
      ['Timestamp', timestampNow()],
      ['Version', '2019-08-08'],
      ...Object.entries(extra),
    ];
    return signedQueryString(method, pairs, this.opts.accessKeySecret ?? WELL_KNOWN_KEY.accessKeySecret, this.opts.signatureMethod);
  }

  /** One raw call; never throws for an API error, so tests can look at any answer. */
  async call<D = unknown>(action: string, body: Record<string, unknown> = {}, product: 'memcached' | 'ccs' = 'memcached'): Promise<CallResult<D>> {
    const res = await fetch(`${this.base}/${product}?${this.signedQuery(action)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as Envelope<D> };
  }

  private async ok<D>(action: string, body: Record<string, unknown>, product: 'memcached' | 'ccs' = 'memcached'): Promise<Envelope<D>> {
    const r = await this.call<D>(action, body, product);
    if (r.body.Code !== 'Success') throw new CdsApiError(r as CallResult);
    return r.body;
  }

  async createMemcachedInstance(input: CreateInput) {
    return (await this.ok<{ InstanceIds: string[]; TaskIds: number[] }>('CreateMemcachedInstance', { ...input })).Data;
  }
  async memcachedInstanceList(input: { VdcId?: string; Keyword?: string } = {}) {
    return (await this.ok<InstanceList>('MemcachedInstanceList', input)).Data;
  }
  async describeMemcachedInstance(InstanceId: string) {
    return (await this.ok<InstanceDetail>('DescribeMemcachedInstance', { InstanceId })).Data;
  }
  async deleteMemcachedInstance(InstanceId: string) {
    return (await this.ok<{ TaskId: number }>('DeleteMemcachedInstance', { InstanceId })).Data;
  }
  async clearMemcachedInstance(InstanceId: string) {
    return (await this.ok<{ TaskId: number }>('ClearMemcachedInstance', { InstanceId })).Data;
  }
  async updateMemcachedInstance(InstanceId: string, ConfSize: string) {
    return (await this.ok<{ TaskId: number }>('UpdateMemcachedInstance', { InstanceId, ConfSize })).Data;
  }
  async describeTask(TaskId: number) {
    const env = await this.ok<{ Status: string; ResourceId: string; TaskType: string }>('DescribeTask', { TaskId }, 'ccs');
    return { ...env.Data, TaskId: String(env.TaskId) };
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
export * from './admin.js';
