/**
 * HTTP queries execute compiled (graphql-jit) once a document repeats: a compiled answer must be
 * exactly graphql-js's, and anything with an error, and every mutation, is left to graphql-js.
 * Each operation below runs through both engines on the same schema and services and the results
 * are compared as JSON; then over HTTP, a document's compiled runs answer like its first,
 * interpreted one.
 */
import { execute, parse, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../../src/auth/api-keys.js';
import type { AccessRole } from '../../src/auth/roles.js';
import { CompiledExecution } from '../../src/graphql/compiled-execution.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { buildTrellisSchema } from '../../src/graphql/schema.js';
import { authHeaders } from '../helpers/graphql-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PREDICTION = 'label confidence modelVersion probabilities { label probability }';
const input = {
  facilityName: 'Kasubi HC III', services: 'General Care, Maternity', latitude: 0.33, longitude: 32.55,
  operatingHours: 'Monday: Open 24 hours', phoneNumber: '0772 000000', careSystem: 'GOVT', subcounty: 'Kawempe Division',
};

/** [name, document, variables, role of the caller] */
const OPERATIONS: [string, string, Record<string, unknown>, AccessRole | null][] = [
  ['predict', `query($input: FacilityInput!) { predict(input: $input) { ${PREDICTION} } }`, { input }, 'PREDICTOR'],
  ['predict, aliases and __typename', `query P($input: FacilityInput!) { a: predict(input: $input) { label __typename } b: predict(input: $input) { confidence } }`, { input }, 'PREDICTOR'],
  ['predict, no coordinates', `query($input: FacilityInput!) { predict(input: $input) { ${PREDICTION} } }`, { input: { ...input, latitude: null, longitude: null } }, 'PREDICTOR'],
  ['predict, unknown model version (NOT_FOUND)', `query($input: FacilityInput!) { predict(input: $input, modelVersion: 999) { label } }`, { input }, 'PREDICTOR'],
  ['predict, latitude out of range (resolver error)', `query($input: FacilityInput!) { predict(input: $input) { label } }`, { input: { ...input, latitude: 91 } }, 'PREDICTOR'],
  ['predict, bad enum (variable error)', `query($input: FacilityInput!) { predict(input: $input) { label } }`, { input: { ...input, careSystem: 'STATE' } }, 'PREDICTOR'],
  ['predict, wrong type (variable error)', `query($input: FacilityInput!) { predict(input: $input) { label } }`, { input: { ...input, latitude: 'north' } }, 'PREDICTOR'],
  ['predict, missing required field (variable error)', `query($input: FacilityInput!) { predict(input: $input) { label } }`, { input: { facilityName: 'x' } }, 'PREDICTOR'],
  ['predict, no variables', `query($input: FacilityInput!) { predict(input: $input) { label } }`, {}, 'PREDICTOR'],
  ['predict, inline input', `{ predict(input: { services: "General Care", careSystem: PFP, subcounty: "Nakawa" }) { ${PREDICTION} } }`, {}, 'PREDICTOR'],
  ['predict, role too low (FORBIDDEN)', `query($input: FacilityInput!) { predict(input: $input) { label } }`, { input }, 'VIEWER'],
  ['predict, anonymous (UNAUTHENTICATED)', `query($input: FacilityInput!) { predict(input: $input) { label } }`, { input }, null],
  ['predictBatch', `mutation($inputs: [FacilityInput!]!) { predictBatch(inputs: $inputs) { ${PREDICTION} } }`, { inputs: [input, { ...input, careSystem: 'PNFP' }] }, 'PREDICTOR'],
  ['predictBatch, one bad row', `mutation($inputs: [FacilityInput!]!) { predictBatch(inputs: $inputs) { label } }`, { inputs: [input, { ...input, longitude: 200 }] }, 'PREDICTOR'],
  ['models and the active model', '{ models { version status source metrics { macroF1 } hyperparameters { hiddenUnits } } activeModel { version checksum createdAt } }', {}, 'VIEWER'],
  ['serverInfo, me', '{ serverInfo { role version anonymousRole inputLimits { maxTextLength } } me { name } }', {}, 'ADMIN'],
  ['skip and include', 'query($s: Boolean!) { serverInfo { role @skip(if: $s) version @include(if: $s) } }', { s: true }, null],
  ['fragments', 'query { ...Q } fragment Q on Query { serverInfo { ...I } } fragment I on ServerInfo { role version }', {}, null],
  ['trainingJobs, bad cursor', '{ trainingJobs(after: "nonsense", first: 5) { edges { node { id } } } }', {}, 'VIEWER'],
  ['introspection', '{ __type(name: "FacilityInput") { name inputFields { name type { kind name ofType { name } } } } }', {}, 'VIEWER'],
];

function contextFor(role: AccessRole | null): GraphQLContext {
  const key = role === null ? null : ({ id: 'k', name: 'parity', role } as unknown as ApiKeyRecord);
  return { requestId: 'parity', logger: undefined as unknown as GraphQLContext['logger'], auth: { key, role }, transport: 'http' };
}

/** A result as a client would compare it: data, and each error's message, path, locations and extensions. */
function asJson(result: ExecutionResult): unknown {
  return JSON.parse(JSON.stringify({ data: result.data, errors: result.errors?.map((e) => e.toJSON()) }));
}

describe('compiled execution (graphql-jit) answers exactly as graphql-js', () => {
  let server: TestServer;
  let execution: CompiledExecution;
  let schema: Awaited<ReturnType<typeof buildTrellisSchema>>;

  beforeAll(async () => {
    server = await startTestServer();
    schema = await buildTrellisSchema(server.app.services);
    execution = new CompiledExecution(schema, { compileAfter: 1 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(OPERATIONS)('%s', async (_name, query, variables, role) => {
    const document = parse(query);
    const interpreted = await execute({ schema, document, variableValues: variables, contextValue: contextFor(role) });
    const compiled = await execution.execute(document, undefined, contextFor(role), variables);
    const isQuery = !query.startsWith('mutation');
    if (isQuery && !interpreted.errors) expect(asJson(compiled as ExecutionResult)).toEqual(asJson(interpreted));
    // an error of any kind, or a mutation: declined, so Apollo runs graphql-js (its wording, its formatting)
    else expect(compiled).toBeNull();
  });

  it('compiles a document on its second execution by default', async () => {
    const byDefault = new CompiledExecution(schema);
    const document = parse('{ serverInfo { role } }');
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await byDefault.execute(document, undefined, contextFor(null), {}));
    expect(answers[0]).toBeNull();
    expect(answers[2]).toEqual(answers[1]);
    expect(byDefault.stats()).toEqual({ compiled: 1, compiledRuns: 2, declined: 0 });
  });

  it('compiles at most maxCompilesPerMinute documents a minute; the others run on graphql-js until the next minute', async () => {
    let now = 0;
    const limited = new CompiledExecution(schema, { compileAfter: 1, maxCompilesPerMinute: 2, now: () => now });
    const documents = ['{ serverInfo { role } }', '{ serverInfo { version } }', '{ serverInfo { role version } }'].map((q) => parse(q));
    const compiledNow = async () => {
      const answers = [];
      for (const document of documents) answers.push(await limited.execute(document, undefined, contextFor(null), {}));
      return answers.map((a) => a !== null);
    };
    expect(await compiledNow()).toEqual([true, true, false]);
    now += 30_000;
    expect(await compiledNow()).toEqual([true, true, false]);
    now += 30_000;
    expect(await compiledNow()).toEqual([true, true, true]);
    expect(limited.stats().compiled).toBe(3);
  });

  it('over HTTP: the compiled runs of a document answer as its first (interpreted) one, variable errors included', async () => {
    const post = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders() }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const predict = `query($input: FacilityInput!) { predict(input: $input) { ${PREDICTION} } }`;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(predict, { input }));
    expect(answers[0]?.status).toBe(200);
    expect((answers[0]?.body.data as { predict: { label: string } }).predict.label).toMatch(/^(LOW|MEDIUM|HIGH)$/);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const bad = [];
    for (let i = 0; i < 3; i++) bad.push(await post(predict, { input: { ...input, latitude: 'north' } }));
    expect(bad[0]?.status).toBe(400);
    expect((bad[0]?.body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(bad[1]).toEqual(bad[0]);
    expect(bad[2]).toEqual(bad[0]);
    const outOfRange = [];
    for (let i = 0; i < 3; i++) outOfRange.push(await post(predict, { input: { ...input, latitude: 91 } }));
    expect((outOfRange[0]?.body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(outOfRange[1]).toEqual(outOfRange[0]);
    expect(outOfRange[2]).toEqual(outOfRange[0]);
    // the good document was answered compiled on its 2nd and 3rd run; the erroring runs were declined
    const stats = server.app.http?.compiledExecution?.stats();
    expect(stats?.compiledRuns).toBeGreaterThanOrEqual(2);
    expect(stats?.declined).toBeGreaterThanOrEqual(1);
  });
});
