/**
 * The web UI end to end in a real browser: Debian's Chromium driven by playwright-core against the
 * real server (startTestServer serves web/dist). Uploads a synthetic CSV, reads the validation
 * report, trains with few epochs while watching the curves grow, sees the model list grow,
 * predicts one facility and a CSV, and saves a screenshot of every page to test-results/screenshots
 * (to docs/screenshots, the README's pictures, when UPDATE_SCREENSHOTS=1).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../fixtures/synthetic.js';
import { gql, TEST_ADMIN_KEY } from '../helpers/graphql-client.js';
import { createTestDatabase } from '../helpers/database.js';
import { freePort } from '../../src/db/embedded-postgres.js';
import { REPO_ROOT, spawnTrellis, startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WEB = path.join(REPO_ROOT, 'web');
const SHOTS = path.join(REPO_ROOT, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots');
const EPOCHS = 30;

function newestMtime(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(target).map((name) => newestMtime(path.join(target, name))));
}

/** Builds web/dist when it is missing or older than its sources (so `npx vitest run test/e2e` works alone). */
function ensureWebBuild(): void {
  const index = path.join(WEB, 'dist/index.html');
  const sources = Math.max(newestMtime(path.join(WEB, 'src')), newestMtime(path.join(WEB, 'index.html')), newestMtime(path.join(WEB, 'vite.config.ts')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

/** The upload: a clean synthetic file plus two rows the server must reject, with reasons. */
function uploadCsv(): string {
  const bad = ['Broken 1 Clinic,Maternity,0.5,32.1,abc,,,,GOVT,cash,Kasubi Division', 'Broken 2 Clinic,Maternity,0.6,32.2,9,,,,GOVT,cash,Mengo Division'];
  return `${syntheticCsv({ rows: 300, seed: 11 })}${bad.join('\n')}\n`;
}

async function shot(page: Page, name: string): Promise<void> {
  // Let charts finish their layout pass before the picture.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Form controls without a label (every input must have one). */
function unlabeledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea'))
      .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

async function goTo(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  expect(await unlabeledControls(page), `unlabeled inputs on ${title}`).toEqual([]);
}

describe('web UI in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // A missing browser fails the test below (never a skip); nothing to start without it.
    if (!existsSync(CHROMIUM)) return;
    ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, reducedMotion: 'reduce' });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(20_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('uploads, trains live, lists the new model, predicts, on desktop and phone', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: the browser test needs Debian's Chromium (apt-get install chromium; .ci/run does this)`).toBe(true);
    // The recorder sees every change of the live epoch counter with the job status at that moment.
    await page.addInitScript(() => {
      const seen: { status: string | null; epochs: number; live: number }[] = [];
      (window as unknown as { __epochLog: typeof seen }).__epochLog = seen;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="upload-progress"] progress')) (window as unknown as { __sawUploadProgress: boolean }).__sawUploadProgress = true;
        const counter = document.querySelector('[data-testid="epoch-count"]');
        const job = document.querySelector('[data-testid="live-job"]');
        if (!counter || !job) return;
        const epochs = Number(counter.textContent);
        if (seen.at(-1)?.epochs !== epochs) seen.push({ status: job.getAttribute('data-status'), epochs, live: Number(job.getAttribute('data-live-count')) });
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });

    // Signed in by the link `npm start` prints for a first start (here the test server's ADMIN_API_KEY).
    await page.goto(`${server.url}/#key=${encodeURIComponent(TEST_ADMIN_KEY)}`);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.getByTestId('session-role').textContent()).toBe('ADMIN');
    expect(page.url()).not.toContain('#key=');

    // Models before training (the bundled model, if the server imported one).
    await goTo(page, 'Models');
    await page.getByTestId('models-table').or(page.getByText('No model versions yet.')).waitFor();
    const modelsBefore = await page.locator('[data-testid="models-table"] tbody tr').count();

    // Data: upload with progress, then the validation report.
    await goTo(page, 'Data');
    // A file that is not a facility CSV: the API's error appears in the upload card.
    await page.getByLabel('CSV file').setInputFiles({ name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from('hello,world\n1,2\n') });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/Upload failed/);
    await page.getByLabel('CSV file').setInputFiles({ name: 'synthetic-e2e.csv', mimeType: 'text/csv', buffer: Buffer.from(uploadCsv()) });
    await page.getByLabel('Dataset name').fill('synthetic e2e');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const report = page.getByTestId('upload-report');
    await report.waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sawUploadProgress?: boolean }).__sawUploadProgress), 'the upload progress bar was shown').toBe(true);
    expect(Number(await page.getByTestId('accepted-count').locator('.stat-value').textContent())).toBe(300);
    expect(Number(await page.getByTestId('rejected-count').locator('.stat-value').textContent())).toBe(2);
    await expect.poll(() => report.getByTestId('rejected-rows').textContent()).toMatch(/expected a number from 1 to 5/);
    // The drift report against the active (bundled) model: a verdict and one row per feature, drifted first.
    await report.getByTestId('drift-report').waitFor();
    expect(await report.getByTestId('drift-verdict').textContent()).toMatch(/^(STABLE|DRIFT|INSUFFICIENT_DATA):/);
    expect(await report.getByTestId('drift-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(7);

    // Insights for the new dataset.
    await page.getByRole('button', { name: /Insights for synthetic e2e/ }).click();
    await page.getByTestId('insights').waitFor();
    await page.getByText('Facilities by latitude and longitude, coloured by class').waitFor();
    await shot(page, 'data');

    // Training: few epochs, no early stop, on the uploaded data; watch epochs arrive while it runs.
    await goTo(page, 'Training');
    await page.getByLabel(/synthetic e2e/).check();
    await page.getByLabel('Epochs (max)').fill(String(EPOCHS));
    await page.getByLabel('Patience').fill(String(EPOCHS));
    await page.getByLabel('Batch size').fill('32');
    await page.getByRole('button', { name: 'Start training' }).click();
    const liveJob = page.getByTestId('live-job');
    await liveJob.waitFor();
    await expect.poll(() => liveJob.getAttribute('data-status'), { timeout: 90_000, interval: 100 }).toBe('SUCCEEDED');
    await expect.poll(() => page.getByTestId('epoch-count').textContent()).toBe(String(EPOCHS));
    const log = await page.evaluate(() => (window as unknown as { __epochLog: { status: string | null; epochs: number; live: number }[] }).__epochLog);
    const whileRunning = log.filter((entry) => entry.status === 'RUNNING' && entry.epochs > 0 && entry.epochs < EPOCHS);
    // Several distinct counts seen while RUNNING: the curves grew point by point, not all at the end.
    expect(whileRunning.length, `epoch counter history: ${JSON.stringify(log)}`).toBeGreaterThanOrEqual(3);
    expect(Math.max(...log.map((entry) => entry.live)), 'epochs delivered by the trainingProgress subscription').toBeGreaterThan(0);
    await page.getByTestId('job-model').waitFor();
    await shot(page, 'training');

    // Cancel: a long job, stopped from the UI with the keyboard through the confirmation dialog.
    await page.getByLabel('Epochs (max)').fill('1000');
    await page.getByLabel('Patience').fill('1000');
    const firstJobUrl = page.url();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL((url) => url.toString() !== firstJobUrl);
    await expect.poll(() => liveJob.getAttribute('data-status')).toBe('RUNNING');
    await expect.poll(async () => Number(await page.getByTestId('epoch-count').textContent()), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('dialog', { name: 'Cancel this training job?' }).waitFor();
    // Focus starts on the safe choice; Tab reaches the confirmation.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => liveJob.getAttribute('data-status'), { timeout: 60_000 }).toBe('CANCELLED');

    // Models: the list grew by the version this job registered; two versions are compared.
    await goTo(page, 'Models');
    await expect.poll(() => page.locator('[data-testid="models-table"] tbody tr').count()).toBe(modelsBefore + 1);
    if (modelsBefore + 1 >= 2) await page.getByTestId('model-comparison').waitFor();
    if (modelsBefore >= 1) {
      // Promote the other version, then roll back, each through the confirmation dialog.
      const activations = page.locator('[data-testid="activations-table"] tbody tr');
      const activationsBefore = await activations.count();
      await page.getByRole('button', { name: /^Promote… version/ }).first().click();
      await page.getByRole('dialog').getByRole('button', { name: 'Promote' }).click();
      await page.getByText(/is now active\./).waitFor();
      await page.getByRole('button', { name: 'Roll back…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
      await page.getByText(/Rolled back: version \d+ is active again\./).waitFor();
      await expect.poll(() => activations.count()).toBe(activationsBefore + 2);
    }
    await shot(page, 'models');

    // Overview: the active model and the recent job.
    await goTo(page, 'Overview');
    await page.getByTestId('jobs-table').waitFor();
    await shot(page, 'overview');

    // Predict: inline validation first, then one facility, then a CSV batch.
    await goTo(page, 'Predict');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await page.getByText('Enter at least one service').waitFor();
    await page.getByLabel('Services').fill('General Care, Maternity, Laboratory');
    await page.getByLabel('Care system').selectOption('GOVT');
    await page.getByLabel('Subcounty').fill('Rubaga Division');
    await page.getByLabel('Facility name').fill('Kasubi Health Centre III');
    await page.getByLabel('Phone number').fill('0772123456');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    const result = page.getByTestId('prediction-result');
    await result.waitFor();
    // An error from the API (an unknown model version) is shown beside the form.
    await page.getByLabel('Model version').fill('999');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect.poll(() => page.getByTestId('predict-form').locator('..').getByRole('alert').first().textContent()).toMatch(/999/);
    await page.getByLabel('Model version').fill('');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await result.waitFor();
    expect(await result.locator('.result-label .badge').textContent()).toMatch(/^(LOW|MEDIUM|HIGH)$/);
    await expect.poll(() => result.getByRole('listitem').count()).toBe(3);

    await page.getByLabel('CSV of facilities').setInputFiles({ name: 'score-me.csv', mimeType: 'text/csv', buffer: Buffer.from(syntheticCsv({ rows: 25, seed: 5 })) });
    await page.getByRole('button', { name: 'Score file' }).click();
    const batch = page.getByTestId('batch-result');
    await batch.waitFor();
    expect(await batch.locator('tbody tr').count()).toBe(25);
    const href = await batch.getByRole('link', { name: 'Download the scored CSV' }).getAttribute('href');
    expect(href).toBeTruthy();
    const download = await page.request.get(new URL(href ?? '', server.url).toString());
    expect(download.status()).toBe(200);
    await shot(page, 'predict');

    // Phone width: the predict page at 390×844.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const phonePage = await phone.newPage();
    phonePage.on('pageerror', (error) => pageErrors.push(error.message));
    await phonePage.goto(`${server.url}/predict#key=${encodeURIComponent(TEST_ADMIN_KEY)}`);
    await phonePage.getByRole('button', { name: 'Fill an example' }).click();
    await phonePage.getByRole('button', { name: 'Predict', exact: true }).click();
    await phonePage.getByTestId('prediction-result').waitFor();
    const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'no horizontal scrolling at phone width').toBeLessThanOrEqual(0);
    await shot(phonePage, 'predict-phone');
    for (const [route, title] of [['/', 'Overview'], ['/data', 'Data'], ['/training', 'Training'], ['/models', 'Models']] as const) {
      await phonePage.goto(`${server.url}${route}`);
      await phonePage.getByRole('heading', { level: 1, name: title }).waitFor();
      await phonePage.locator('table').first().waitFor();
      const wider = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(wider, `no horizontal scrolling on ${title} at phone width`).toBeLessThanOrEqual(0);
    }
    await phone.close();

    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('signs in with a pasted key, refuses a bad one, signs out; a VIEWER sees why it cannot act', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const tab = await context.newPage();
    tab.on('pageerror', (error) => pageErrors.push(error.message));
    await tab.goto(server.url);
    await tab.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await tab.getByLabel('API key').fill('trk_not-a-key-0000000000000000');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => tab.getByRole('alert').first().textContent()).toMatch(/unknown or has been revoked/);
    await tab.getByLabel('API key').fill(TEST_ADMIN_KEY);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await tab.getByTestId('session').textContent()).toMatch(/ADMIN_API_KEY\s*ADMIN/);
    await shot(tab, 'signed-in');
    // Still signed in after a reload (sessionStorage), out after "Sign out".
    await tab.reload();
    await tab.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await tab.getByRole('button', { name: 'Sign out' }).click();
    await tab.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

    // A VIEWER key: models listed, promote and roll back disabled with the reason; predicting and uploading replaced by it.
    const viewer = await gql(server.graphqlUrl, 'mutation { createApiKey(name: "dashboard", role: VIEWER) { key } }');
    await tab.goto(`${server.url}/models#key=${encodeURIComponent(viewer.data?.createApiKey.key as string)}`);
    await tab.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
    expect(await tab.getByTestId('session-role').textContent()).toBe('VIEWER');
    expect(await tab.getByRole('button', { name: 'Roll back…' }).isDisabled()).toBe(true);
    expect(await tab.getByTestId('role-note').textContent()).toMatch(/needs the ADMIN role; key "dashboard" is VIEWER/);
    await goTo(tab, 'Predict');
    expect(await tab.getByTestId('role-note').first().textContent()).toMatch(/Predicting needs the PREDICTOR role/);
    await goTo(tab, 'Data');
    expect(await tab.getByTestId('role-note').first().textContent()).toMatch(/Uploading data needs the TRAINER role/);
    await shot(tab, 'viewer');
    await context.close();
  });

  it('shows why a model version is not served (its bundle failed the integrity check)', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    // Verifying bundles and marking load_error is test/faults/corrupt-bundle's; here the UI shows the mark.
    // An ACTIVE version can carry it (promoted, then refused by the loader while the previous one serves).
    const models = (await gql(server.graphqlUrl, '{ models { version status } }')).data?.models as { version: number; status: string }[];
    const marked = models.find((m) => m.status === 'ACTIVE') ?? models[0];
    expect(marked, 'a model version to mark').toBeDefined();
    const version = marked?.version as number;
    const reason = 'weights.bin does not match the stored sha256 (marked by the browser test)';
    const db = new pg.Client({ connectionString: server.database.url });
    await db.connect();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await db.query('UPDATE model_version SET load_error = $2 WHERE version = $1', [version, reason]);
      const tab = await context.newPage();
      tab.on('pageerror', (error) => pageErrors.push(error.message));
      await tab.goto(`${server.url}/models#key=${encodeURIComponent(TEST_ADMIN_KEY)}`);
      const note = tab.getByTestId(`load-error-${version}`);
      await note.waitFor();
      expect(await note.textContent()).toBe(`NOT SERVED ${reason}`);
      if (marked?.status === 'ACTIVE') {
        await goTo(tab, 'Overview');
        expect(await tab.getByTestId(`model-load-error-${version}`).textContent()).toContain(reason);
      }
    } finally {
      await context.close();
      await db.query('UPDATE model_version SET load_error = NULL WHERE version = $1', [version]);
      await db.end();
    }
    expect(pageErrors).toEqual([]);
  });

  it('the link a first start prints opens the UI signed in', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    const database = await createTestDatabase('e2e_firstrun');
    const proc = spawnTrellis({ DATABASE_URL: database.url, PORT: String(await freePort()), HOST: '127.0.0.1', ADMIN_API_KEY: '', DATA_DIR: path.join(REPO_ROOT, 'test-results', `first-run-${process.pid}`) });
    try {
      await proc.ready;
      await expect.poll(() => /Sign in to the web UI: (\S+)/.exec(proc.output())?.[1] ?? null, { timeout: 10_000 }).not.toBeNull();
      const link = /Sign in to the web UI: (\S+)/.exec(proc.output())?.[1] as string;
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const tab = await context.newPage();
      await tab.goto(link);
      await tab.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      expect(await tab.getByTestId('session').textContent()).toMatch(/admin \(first start\)\s*ADMIN/);
      await context.close();
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await database.drop();
    }
  });
});
