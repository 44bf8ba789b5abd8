import { backendSuite } from '../helpers/backend-suite.js';
import { hasMemcached } from '../helpers/backend-env.js';

backendSuite('process', async () => {
  if (!hasMemcached) throw new Error('the process backend tests need the memcached binary (apt-get install memcached)');
  return true;
});
