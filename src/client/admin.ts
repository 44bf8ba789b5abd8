// client/admin.ts — the Admin interface over HTTP: a typed client of the emulator's unsigned control plane
// (/_emulator/*); fetch only, no server code (the types come from the server's schemas, type-only).
import type { ClockAdvance, ClockState, FaultRule, FaultRuleInput, JournalPage, JournalQuery, TaskView } from '../harness/types.js';
import type { Admin, ClockAdvanced, ConformanceReport, EmulatorHealth, EmulatorState, ResetResult } from '../harness/control-plane.js';
import { baseUrlOf } from '../contract/index.js';

// The wire types a user of this client meets, from the schemas they are made of (type-only: no server code).
export type { ClockAdvance, ClockState, FaultEffect, FaultRule, FaultRuleInput, JournalEntry, JournalPage, JournalQuery, TaskView } from '../harness/types.js';
export type { Admin, ClockAdvanced, ConformanceReport, EmulatorHealth, EmulatorState, InstanceRecord, ResetResult } from '../harness/control-plane.js';

export interface AdminOptions {
  /** The emulator's base URL, e.g. http://127.0.0.1:11210 (a trailing /memcached or /ccs is ignored). */
  endpoint: string;
  /** Sent as `Authorization: Bearer <token>` when the emulator runs with --admin-token. */
  adminToken?: string | undefined;
}

/** A control-plane call that did not answer 2xx (in-process: that the emulator refused, with the same status and envelope). */
export class EmulatorAdminError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} answered HTTP ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'EmulatorAdminError';
  }
}

export class EmulatorAdmin implements Admin {
  private readonly base: string;
  constructor(private readonly opts: AdminOptions) {
    this.base = baseUrlOf(opts.endpoint);
  }

  health(): Promise<EmulatorHealth> {
    return this.request('GET', '/health');
  }
  state(options: { tasks?: number } = {}): Promise<EmulatorState> {
    return this.request('GET', options.tasks === undefined ? '/state' : `/state?tasks=${encodeURIComponent(options.tasks)}`);
  }
  reset(): Promise<ResetResult> {
    return this.request('POST', '/reset', {});
  }
  async runTasks(taskId?: number): Promise<TaskView[]> {
    const r = await this.request<{ tasks: TaskView[] }>('POST', '/tasks/run', taskId === undefined ? {} : { taskId });
    return r.tasks;
  }

  async listFaults(): Promise<FaultRule[]> {
    return (await this.request<{ faults: FaultRule[] }>('GET', '/faults')).faults;
  }
  addFault(rule: FaultRuleInput): Promise<FaultRule> {
    return this.request('POST', '/faults', rule);
  }
  async removeFault(id: string): Promise<void> {
    await this.request('DELETE', `/faults/${encodeURIComponent(id)}`);
  }
  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  requests(filter: JournalQuery = {}): Promise<JournalPage> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return this.request('GET', `/requests${qs ? `?${qs}` : ''}`);
  }
  async clearRequests(): Promise<number> {
    return (await this.request<{ removed: number }>('DELETE', '/requests')).removed;
  }

  clock(): Promise<ClockState> {
    return this.request('GET', '/clock');
  }
  advanceClock(by: ClockAdvance): Promise<ClockAdvanced> {
    return this.request('POST', '/clock/advance', by);
  }

  conformance(): Promise<ConformanceReport> {
    return this.request('GET', '/conformance');
  }
  async clearConformance(): Promise<number> {
    return (await this.request<{ cleared: number }>('DELETE', '/conformance')).cleared;
  }

  openapi(): Promise<Record<string, unknown>> {
    return this.request('GET', '/openapi.json');
  }

  private async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.adminToken) headers['authorization'] = `Bearer ${this.opts.adminToken}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${this.base}/_emulator${path}`, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text for the error.
    }
    if (!res.ok) throw new EmulatorAdminError(res.status, parsed, `${method} /_emulator${path}`);
    return parsed as T;
  }
}
