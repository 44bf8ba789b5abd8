// contract/index.ts — the wire contract in one place: what a client and the server must agree on (the well-known key
// pair, the common parameters and API version, product paths and their actions, instance statuses, task kinds, sizes
// and the status rules). The server, the client, the CLI, the console (through /_emulator/console-config) and the
// tests import it; nothing here runs a server. The rules themselves are the domain's, named here, not copied.
export { WELL_KNOWN_KEY } from './credentials.js';
export { API_VERSION, COMMON_PARAMS, SIGNATURE_VERSION, commonParams, type CommonParam, type CommonValues } from './common-params.js';
export { ACTION_ALIASES, PRODUCTS, baseUrlOf, canonicalAction, productOf, type Product, type ProductPaths } from './products.js';
export {
  CONF_SIZES,
  HEALTH_RULES,
  STATUSES,
  TASK_KINDS,
  TASK_RULES,
  TASK_STATUSES,
  type InstanceStatus,
  type TaskKind,
  type TaskRule,
  type TaskStatus,
} from '../domain/instance.js';
