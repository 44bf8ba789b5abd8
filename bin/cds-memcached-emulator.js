#!/usr/bin/env node
// bin/cds-memcached-emulator.js — `npx cds-memcached-emulator`: runs the TypeScript entry through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/server.ts');
