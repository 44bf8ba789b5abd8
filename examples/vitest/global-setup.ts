// examples/vitest/global-setup.ts — one emulator for the whole vitest run: started before the first test file, closed after the last.
import { startEmulator, type RunningEmulator } from 'cds-memcached-emulator';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cdsEndpoint: string;
  }
}

let emulator: RunningEmulator | undefined;

export async function setup(project: TestProject): Promise<void> {
  // taskDelayMs 0: tasks finish as soon as the scheduler sees them; backend 'auto' uses memcached if it is installed.
  emulator = await startEmulator({ taskDelayMs: 0 });
  project.provide('cdsEndpoint', emulator.url);
}

export async function teardown(): Promise<void> {
  await emulator?.close();
}
