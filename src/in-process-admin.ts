// in-process-admin.ts — the Admin interface in this process: each method calls what the control-plane route of the same
// name calls (the emulator, its fault rules, journalPage), with no HTTP in between, so no guard and no admin token. A
// refusal becomes the EmulatorAdminError the HTTP client would throw: same status, same envelope, same words.
import { ApiError, Errors } from './errors.js';
import { storageFailure } from './store/failure.js';
import type { Emulator } from './emulator.js';
import { faultInputProblem } from './harness/faults.js';
import { journalPage } from './harness/journal-query.js';
import type { ClockAdvance, FaultRuleInput, JournalQuery } from './harness/types.js';
import type { Admin } from './harness/control-plane.js';
import { EmulatorAdminError } from './client/admin.js';
import { openApiJson } from './http/openapi.js';

export class InProcessAdmin implements Admin {
  constructor(private readonly emulator: Emulator) {}

  health() {
    return this.call('GET /_emulator/health', () => this.emulator.health());
  }
  state(options: { tasks?: number } = {}) {
    return this.call('GET /_emulator/state', () => this.emulator.state(options));
  }
  reset() {
    return this.call('POST /_emulator/reset', () => this.emulator.reset());
  }
  runTasks(taskId?: number) {
    return this.call('POST /_emulator/tasks/run', () => this.emulator.runTasks(taskId));
  }

  listFaults() {
    return this.call('GET /_emulator/faults', () => this.emulator.faults.list());
  }
  addFault(rule: FaultRuleInput) {
    return this.call('POST /_emulator/faults', () => {
      const bad = faultInputProblem(rule);
      if (bad) throw Errors.invalidParameter('fault rule', bad);
      return this.emulator.faults.add(rule);
    });
  }
  removeFault(id: string) {
    return this.call(`DELETE /_emulator/faults/${encodeURIComponent(id)}`, () => {
      if (!this.emulator.faults.remove(id)) throw Errors.resourceNotFound(`fault rule ${id}`);
    });
  }
  clearFaults() {
    return this.call('DELETE /_emulator/faults', () => void this.emulator.faults.clear());
  }

  requests(filter: JournalQuery = {}) {
    // As the HTTP client sends it: every value as query text.
    const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    return this.call('GET /_emulator/requests', () => journalPage(this.emulator.journal, query));
  }
  clearRequests() {
    return this.call('DELETE /_emulator/requests', () => this.emulator.journal.clear());
  }

  clock() {
    return this.call('GET /_emulator/clock', () => this.emulator.clock());
  }
  advanceClock(by: ClockAdvance) {
    return this.call('POST /_emulator/clock/advance', () => this.emulator.advance(by));
  }

  conformance() {
    return this.call('GET /_emulator/conformance', () => this.emulator.conformance.report());
  }
  clearConformance() {
    return this.call('DELETE /_emulator/conformance', () => this.emulator.conformance.clear());
  }

  openapi() {
    return this.call('GET /_emulator/openapi.json', () => JSON.parse(openApiJson()) as Record<string, unknown>);
  }

  private async call<T>(what: string, work: () => T | Promise<T>): Promise<T> {
    try {
      // What the HTTP answer would carry, as a copy of its own (the state's lists are live).
      const value = await work();
      return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
    } catch (e) {
      const storage = e instanceof ApiError ? undefined : storageFailure(e);
      const api = e instanceof ApiError ? e : storage ? Errors.storageUnavailable(storage) : undefined;
      if (!api) throw e;
      throw new EmulatorAdminError(api.httpStatus, { Code: api.code, Message: api.message, Data: {} }, what);
    }
  }
}
