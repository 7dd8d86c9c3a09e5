// k6 load test of Trellis predictions: the same three scenarios as `npm run bench:predict`.
//   k6 run -e BASE_URL=http://localhost:4000 -e DATASET=../../shared/datasets/uganda-facilities.csv loadtest/predict.js
// (a) { __typename }: Apollo's own ceiling; (b) predict with varied real rows; (c) predict while a
// training job runs (setup() uploads the dataset, the start_training scenario queues a long retrain
// just before (c), teardown() cancels it).
// 32 virtual users each, keep-alive (k6 default), one scenario after the other.
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';

const BASE_URL = __ENV.BASE_URL || 'http://localhost:4000';
const GRAPHQL = `${BASE_URL}/graphql`;
const VUS = Number(__ENV.VUS || 32);
const DURATION = __ENV.DURATION || '10s';
const DATASET = __ENV.DATASET || '../../shared/datasets/uganda-facilities.csv';
const EPOCHS = Number(__ENV.EPOCHS || 400);

const PREDICT = 'query Predict($input: FacilityInput!) { predict(input: $input) { label confidence modelVersion probabilities { label probability } } }';
const HEADERS = { headers: { 'content-type': 'application/json' } };
const CARE = { GOVT: 'GOVT', PFP: 'PFP', PNFP: 'PNFP' };

const datasetText = open(DATASET);

// Real rows with every required FacilityInput field, as GraphQL variables.
const inputs = new SharedArray('inputs', () => {
  const rows = papaparse.parse(datasetText, { header: true, skipEmptyLines: true }).data;
  const text = (v) => (v === undefined || v === null || v.trim() === '' || /^n,?\/,?a$/i.test(v.trim()) ? null : v.trim());
  const num = (v) => (text(v) === null || Number.isNaN(Number(v)) ? null : Number(v));
  const out = [];
  for (const r of rows) {
    const care = CARE[(r.care_system || '').trim().toUpperCase()];
    const services = text(r.services);
    const subcounty = text(r.Subcounty);
    if (!care || !services || !subcounty) continue;
    let latitude = num(r.latitude);
    let longitude = num(r.longitude);
    if (latitude === null || longitude === null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) { latitude = null; longitude = null; }
    out.push({
      facilityName: text(r.facility_name), services, latitude, longitude, operatingHours: text(r.operating_hours),
      website: text(r.website), phoneNumber: text(r.phone_number), careSystem: care, subcounty,
    });
  }
  return out;
});

const gap = 5; // seconds between scenarios (the training job starts during the gap before (c))
const seconds = parseInt(DURATION, 10);
export const options = {
  scenarios: {
    a_typename: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'typename', tags: { scenario: 'a' } },
    b_predict: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'predict', startTime: `${seconds + gap}s`, tags: { scenario: 'b' } },
    start_training: { executor: 'shared-iterations', vus: 1, iterations: 1, exec: 'startTraining', startTime: `${2 * seconds + gap + 1}s`, tags: { scenario: 'setup' } },
    c_predict_training: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'predict', startTime: `${2 * (seconds + gap)}s`, tags: { scenario: 'c' } },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    // One threshold per scenario so that the summary prints each one's percentiles.
    'http_req_duration{scenario:a}': ['p(99)>=0'],
    'http_req_duration{scenario:b}': ['p(99)>=0'],
    'http_req_duration{scenario:c}': ['p(99)>=0'],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max', 'count'],
};

function gql(query, variables) {
  return http.post(GRAPHQL, JSON.stringify({ query, variables }), HEADERS);
}

// Uploads the real dataset once; (c) retrains on it.
export function setup() {
  const res = http.post(GRAPHQL, {
    operations: JSON.stringify({ query: 'mutation($file: Upload!) { uploadDataset(file: $file, name: "k6", autoRetrain: false) { dataset { id } } }', variables: { file: null } }),
    map: JSON.stringify({ 0: ['variables.file'] }),
    0: http.file(datasetText, 'uganda-facilities.csv', 'text/csv'),
  }, { headers: { 'apollo-require-preflight': 'true' } });
  return { datasetId: res.json('data.uploadDataset.dataset.id') };
}

export function typename() {
  const res = gql('{ __typename }');
  check(res, { 'typename ok': (r) => r.status === 200 && !r.body.includes('"errors"') });
}

export function predict() {
  const input = inputs[Math.floor(Math.random() * inputs.length)];
  const res = gql(PREDICT, { input });
  check(res, { 'predict ok': (r) => r.status === 200 && !r.body.includes('"errors"') });
}

// Queues a long retrain (EPOCHS epochs, patience = epochs) a few seconds before (c) starts.
export function startTraining(data) {
  const res = gql('mutation($input: RetrainInput) { retrain(input: $input) { id status } }', { input: { datasetIds: [data.datasetId], epochs: EPOCHS, patience: EPOCHS } });
  check(res, { 'retrain queued': (r) => r.status === 200 && !r.body.includes('"errors"') });
}

export function teardown() {
  const jobs = gql('{ trainingJobs(status: RUNNING, first: 10) { nodes { id } } }').json('data.trainingJobs.nodes') || [];
  for (const job of jobs) gql('mutation($id: ID!) { cancelTrainingJob(id: $id) { id } }', { id: job.id });
}
