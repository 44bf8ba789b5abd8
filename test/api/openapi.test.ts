// GET /_emulator/openapi.json: a valid OpenAPI 3.1 document (standard validator), whose schemas are strict JSON Schema
// 2020-12 and describe the answers the emulator really gives (checked with Ajv, independently of TypeBox).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startEmulator, createRunning, docCreate, runTasks, signedQuery, type Emulator } from '../helpers/emulator.js';
import { ACTIONS } from '../../src/actions/index.js';
import { COMMON_PARAMS } from '../../src/contract/index.js';
import { errorCatalog } from '../../src/http/openapi.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import fs from 'node:fs';
import path from 'node:path';

type Doc = {
  openapi: string;
  paths: Record<string, { post: { parameters: Array<{ name?: string; $ref?: string; schema?: { enum?: string[] } }>; responses: Record<string, unknown>; 'x-actions': Record<string, { request: string; response: string }> } }>;
  components: { schemas: Record<string, unknown>; parameters: Record<string, { name: string; in: string; description: string }>; securitySchemes: Record<string, { description: string }> };
};

let emu: Emulator;
let doc: Doc;

beforeAll(async () => {
  emu = await startEmulator();
  const res = await emu.http().get('/_emulator/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body as Doc;
});
afterAll(() => emu.close());

async function validateDocument(d: unknown) {
  const validator = new Validator();
  return validator.validate(structuredClone(d) as Parameters<Validator['validate']>[0]);
}

/** The document's schemas in one Ajv (refs resolve against the document itself), as a user would load it. */
function schemaValidator(d: Doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...d, $id: 'https://emulator.local/openapi.json' });
  return (name: string) => {
    const check = ajv.getSchema(`https://emulator.local/openapi.json#/components/schemas/${name}`);
    if (!check) throw new Error(`no schema ${name}`);
    return (value: unknown) => (check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
  };
}

describe('GET /_emulator/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document under a standard validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validateDocument(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('the validator does reject a broken copy (so the test above can fail)', async () => {
    const broken = structuredClone(doc);
    (broken.paths['/memcached']!.post as Record<string, unknown>).responses = { 200: { content: 'not an object' } };
    expect((await validateDocument(broken)).valid).toBe(false);
    const noSlash = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
    noSlash.paths['memcached'] = noSlash.paths['/memcached'];
    expect((await validateDocument(noSlash)).valid).toBe(false);
  });

  it('every schema is strict JSON Schema 2020-12: no TypeBox leftovers, custom keywords only as x-*', () => {
    const ajv = new Ajv2020({ strict: true, keywords: ['x-why'] });
    // Strict mode refuses unknown keywords (such as TypeBox's `why`); refs are moved under $defs to compile alone.
    const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'));
    ajv.addSchema({ $id: 'https://emulator.local/defs.json', $defs: defs });
    for (const name of Object.keys(defs)) expect(() => ajv.getSchema(`https://emulator.local/defs.json#/$defs/${name}`), name).not.toThrow();
    expect(JSON.stringify(doc)).not.toMatch(/"why"/);
    // …and the same check does catch a keyword that is not JSON Schema.
    const bad = new Ajv2020({ strict: true });
    expect(() => bad.compile({ type: 'string', why: 'nope' })).toThrow(/unknown keyword/);
  });

  it('has both product paths, every Action of each, the signing parameters and every error status', () => {
    for (const [path, product] of [['/memcached', 'memcached'], ['/ccs', 'ccs']] as const) {
      const op = doc.paths[path]!.post;
      const action = op.parameters.find((p) => p.name === 'Action');
      expect(action?.schema?.enum?.sort()).toEqual([...ACTIONS[product].keys()].sort());
      expect(Object.keys(op['x-actions']).sort()).toEqual([...ACTIONS[product].keys()].sort());
      const refs = op.parameters.map((p) => p.$ref?.split('/').pop()).filter(Boolean);
      expect(refs.sort()).toEqual(COMMON_PARAMS.filter((p) => p !== 'Action').sort());
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '409', '413', '500', 'default']));
    }
    for (const p of COMMON_PARAMS.filter((n) => n !== 'Action')) {
      expect(doc.components.parameters[p]).toMatchObject({ name: p, in: 'query' });
      expect(doc.components.parameters[p]!.description.length).toBeGreaterThan(5);
    }
    expect(doc.components.securitySchemes['CdsSignature']!.description).toContain('StringToSign');
    // Each error status lists its codes, taken from the Errors catalog.
    const responses = (doc.components as unknown as { responses: Record<string, { description: string }> }).responses;
    expect(responses['Error401']!.description).toMatch(/InvalidAccessKeyId.*SignatureDoesNotMatch.*RequestExpired.*SignatureNonceUsed/);
    expect(responses['Error400']!.description).toMatch(/20001.*ParamParseError.*UnsupportedAction.*MissingParameter/);
    expect(responses['Error404']!.description).toContain('ResourceNotFound');
    expect(responses['Error409']!.description).toContain('ResourceInUse');
    expect(responses['Error413']!.description).toContain('RequestEntityTooLarge');
    expect(responses['Error500']!.description).toContain('InternalError');
    // Control-plane refusals are never answers of the signed API.
    const all = JSON.stringify(responses);
    for (const code of ['AdminTokenRequired', 'CrossSiteRequestRefused', 'UnsupportedMediaType', 'NoMemcached', 'NotThisMemcached', 'FixturesUnusable']) expect(all).not.toContain(code);
    expect(Object.values(responses).every((r) => !r.description.startsWith('Error.'))).toBe(true);
    expect(doc.paths['/memcached']!.post['x-actions']['CreateMemcached']).toEqual(doc.paths['/memcached']!.post['x-actions']['CreateMemcachedInstance']);
  });

  it("describes the emulator's real answers: a full lifecycle and its errors validate against the document's schemas", async () => {
    const schema = schemaValidator(doc);
    const [id] = await createRunning(emu);
    const answers: Array<[string, unknown]> = [];
    const call = async (action: string, body: Record<string, unknown>, product: 'memcached' | 'ccs' = 'memcached') => {
      const r = await emu.client.call(action, body, product);
      const entry = doc.paths[`/${product}`]!.post['x-actions'][action]!;
      answers.push([r.status === 200 ? entry.response.split('/').pop()! : 'ErrorEnvelope', r.body]);
      return r;
    };
    await call('CreateMemcached', docCreate);
    await call('MemcachedInstanceList', {});
    await call('DescribeMemcachedInstance', { InstanceId: id });
    await call('ClearMemcachedInstance', { InstanceId: id });
    await runTasks(emu);
    const update = await call('UpdateMemcachedInstance', { InstanceId: id, ConfSize: '2G' });
    await call('DescribeTask', { TaskId: (update.body.Data as { TaskId: number }).TaskId }, 'ccs');
    await call('DeleteMemcachedInstance', { InstanceId: id }); // 409: still updating
    await call('DescribeMemcachedInstance', { InstanceId: 'no-such-id' }); // 404
    await call('CreateMemcachedInstance', { ...docCreate, ConfSize: '11G' }); // 400
    const unsigned = await emu.http().post('/memcached?Action=MemcachedInstanceList').send({});
    answers.push(['ErrorEnvelope', unsigned.body]);
    const wrongSig = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList', { secret: 'wrong' })}`).send({});
    answers.push(['ErrorEnvelope', wrongSig.body]);

    expect(answers.map(([name]) => name)).toContain('UpdateMemcachedInstanceResponse');
    for (const [name, body] of answers) expect({ name, errors: schema(name)(body) }).toEqual({ name, errors: [] });
    // The 200 union picks exactly one envelope for each success (oneOf).
    const ok = doc.paths['/memcached']!.post.responses['200'] as { content: { 'application/json': { schema: { oneOf: unknown[] } } } };
    expect(ok.content['application/json'].schema.oneOf.length).toBe(6);
    // A drifted answer would be caught: a Port as a number is not an InstanceDetail.
    const detail = answers.find(([n]) => n === 'DescribeMemcachedInstanceResponse')![1] as { Data: Record<string, unknown> };
    expect(schema('DescribeMemcachedInstanceResponse')({ ...detail, Data: { ...detail.Data, Port: 11211 } })).not.toEqual([]);
  });
});

describe('docs/openapi.md and the served document', () => {
  type Response = { $ref?: string; content?: { 'application/json': { examples?: Record<string, unknown> } } };
  const page = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'openapi.md'), 'utf8');

  /** The rows of a marked table in the page, as written. */
  function pageTable(name: string): string {
    const m = new RegExp(`<!-- ${name}:[^>]*-->\\n\\| status \\| codes \\|\\n\\|---\\|---\\|\\n([^]*?)<!-- /${name} -->`).exec(page);
    expect(m, `docs/openapi.md has a table marked ${name}`).not.toBeNull();
    return m![1]!;
  }
  /** The rows the page should hold: one per status, its codes in order. */
  const rows = (byStatus: Array<[number, string[]]>) =>
    byStatus
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => `| ${status} | ${codes.map((c) => '`' + c + '`').join(', ')} |\n`)
      .join('');

  /** Status → codes of one signed path's error responses, read from the document ($refs followed). */
  function documented(p: '/memcached' | '/ccs'): Array<[number, string[]]> {
    const responses = (doc.components as unknown as { responses: Record<string, Response> }).responses;
    return Object.entries(doc.paths[p]!.post.responses as Record<string, Response>)
      .filter(([status]) => /^[45]\d\d$/.test(status))
      .map(([status, r]) => {
        const resolved = r.$ref ? responses[r.$ref.split('/').pop()!]! : r;
        return [Number(status), Object.keys(resolved.content?.['application/json'].examples ?? {})];
      });
  }

  it("lists exactly the signed API's error statuses and codes that the document has", () => {
    expect(documented('/ccs')).toEqual(documented('/memcached'));
    expect(pageTable('signed-api-errors')).toBe(rows(documented('/memcached')));
  });

  it('lists exactly the refusals only the control plane gives, none of which the signed API documents', () => {
    const controlPlane = [...errorCatalog(true)].map(([status, codes]) => [status, codes.map((c) => c.code)] as [number, string[]]);
    expect(pageTable('control-plane-only-errors')).toBe(rows(controlPlane));
    const signed = new Set(documented('/memcached').flatMap(([, codes]) => codes));
    for (const [, codes] of controlPlane) for (const code of codes) expect(signed.has(code), code).toBe(false);
  });

  it('names no error status outside those two tables', () => {
    const listed = new Set([...`${pageTable('signed-api-errors')}${pageTable('control-plane-only-errors')}`.matchAll(/^\| (\d{3}) \|/gm)].map((m) => m[1]));
    // Any `4xx`/`5xx` in backticks, or "NNN Code", elsewhere in the page must be one of them.
    const named = [...page.matchAll(/\x60([45]\d\d)\b|\b([45]\d\d) [A-Z][A-Za-z]+/g)].map((m) => m[1] ?? m[2]);
    expect(named.filter((s) => !listed.has(s!))).toEqual([]);
  });
});
