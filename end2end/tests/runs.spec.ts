// Without JavaScript: the run list and a run's page arrive whole from the server (refresh to
// update). The run is created and started through the JSON API.
import { test, expect, screenshot, approvePlan, abortRun, ADMIN } from './fixtures';

test.use({ javaScriptEnabled: false });
test.describe.configure({ mode: 'serial' });

const PLAN = 'shipping-nojs';
// One service that calls nothing, two regions: four steps that bake long enough to stay put during
// the test. Its own gate only: its consumers may still feel an earlier spec's drill.
const YAML = `plan: ${PLAN}
title: Shipping without JavaScript
policy:
  steps: [50, 100]
  bake: 10m
  regions: [eu-west-1, us-east-1]
  gates:
    - { signal: error_rate, max: 5, min_samples: 5, downstream: false }
changes:
  - { service: shipping, to_version: 0.11.0 }
`;

let run: { id: number; revision: number };

// A fresh database holds the demo calendar (weekday windows, a year-end freeze): the journeys
// below must not depend on the day they run, so the calendar is emptied first.
test.beforeAll(async ({ request }) => {
  const emptied = await request.put('/api/v1/calendar', { data: 'rules: []\n', headers: { 'content-type': 'application/yaml' } });
  expect(emptied.status(), await emptied.text()).toBe(200);
});

test.beforeAll(async ({ request }) => {
  await approvePlan(request, YAML);
  const created = await request.post('/api/v1/runs', { data: { plan: PLAN } });
  expect(created.status(), await created.text()).toBe(201);
  run = await created.json();
  const started = await request.post(`/api/v1/runs/${run.id}/actions`, {
    data: { command: 'start', expected_revision: run.revision, idempotency_key: `nojs-${run.id}`, reason: 'the no-JavaScript check' },
  });
  expect(started.status(), await started.text()).toBe(200);
});

test.afterAll(async ({ request }) => {
  await abortRun(request, run.id, 'end of the check');
});

test('the run list shows the run with its plan, status and position', async ({ page }) => {
  await page.goto('/runs');
  const row = page.locator(`table.runs tr[data-run="${run.id}"]`);
  await expect(row).toContainText(PLAN);
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect(row).toContainText(ADMIN);
  await expect(row.locator('td.num').first()).toHaveText('1/1');
  await row.getByRole('link', { name: `#${run.id}` }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}$`));
  await screenshot(page, 'runs-list-nojs');
});

test('the run page shows its whole state without JavaScript', async ({ page }) => {
  await page.goto(`/runs/${run.id}`);
  await expect(page.locator('h1')).toHaveText(`Run #${run.id} of ${PLAN}`);
  await expect(page.locator('.run-status')).toHaveText('running');
  await expect(page.locator('.run-now .position')).toHaveText('stage 1 of 1 · step 1 of 4');
  await expect(page.locator('.run-now .targets')).toContainText('shipping 50% in eu-west-1');
  const rows = page.locator('table.exposure tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(page.locator('table.exposure tr[data-region="eu-west-1"]')).toHaveAttribute('data-percent', '50');
  await expect(page.locator('table.exposure tr[data-region="us-east-1"]')).toHaveAttribute('data-percent', '0');
  await expect(page.locator('li.event[data-kind="started"]')).toContainText(`by ${ADMIN}`);
  await expect(page.locator('li.event[data-kind="started"] .why')).toHaveText('the no-JavaScript check');
  await expect(page.locator('li.event[data-kind="step_requested"]')).toContainText('shipping 50% in eu-west-1');
  // The controls say what applies now; using them takes JavaScript.
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeDisabled();
  await expect(page.locator('.run-controls')).toContainText('The controls need JavaScript');
  await screenshot(page, 'run-nojs');
});

test('an unknown run answers 404 with a clear error', async ({ request }) => {
  const response = await request.get('/runs/999999');
  expect(response.status()).toBe(404);
  expect(await response.text()).toContain('Could not load the run');
});
