import { backendSuite } from '../helpers/backend-suite.js';
import { dockerAvailable } from '../helpers/backend-env.js';

backendSuite('docker', dockerAvailable);
