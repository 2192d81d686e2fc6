// With JavaScript: a run of an approved plan started from the browser, followed live (server-sent
// events), a fault drill injected from the run page into a provider, the gate turning red, the
// automatic rollback and the timeline explaining it; the graph colours the failure; the plan is
// then rolled back by hand with a reason. The e2e server runs the traffic simulator and
// evaluates every 500 ms (playwright.config.ts).
import { test, expect, hydrated, screenshot, approvePlan, abortRun } from './fixtures';
import { Page } from '@playwright/test';

test.describe.configure({ mode: 'serial' });

const PLAN = 'payment-drill';
// payment (stage 1) goes before checkout, which calls it (stage 2). Stage 1 moves on every 2 s;
// checkout's steps bake for 2 minutes, which leaves time for the drill.
const YAML = `plan: ${PLAN}
title: Payment drill
policy:
  steps: [50, 100]
  bake: 2s
  regions: [eu-west-1, us-east-1]
  gates:
    - { signal: error_rate, max: 5, window: 10s, min_samples: 5 }
    - { signal: latency_p99, max: 1500, window: 10s, min_samples: 5 }
  on_failure: rollback_stage
changes:
  - { service: payment, to_version: 2.0.0 }
  - { service: checkout, to_version: 0.11.0, policy: { bake: 2m } }
`;

const bar = (page: Page, service: string, region: string) =>
  page.locator(`table.exposure tr[data-service="${service}"][data-region="${region}"]`);

/** Confirms a control with a reason. */
async function act(page: Page, button: string, reason: string) {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: `Confirm: ${button}` })).toBeDisabled();
  await dialog.getByLabel('Reason (recorded in the timeline)').fill(reason);
  await dialog.getByRole('button', { name: `Confirm: ${button}` }).click();
  await expect(dialog).toHaveCount(0);
}

let runPath = '';

// A fresh database holds the demo calendar (weekday windows, a year-end freeze): the journeys
// below must not depend on the day they run, so the calendar is emptied first.
test.beforeAll(async ({ request }) => {
  const emptied = await request.put('/api/v1/calendar', { data: 'rules: []\n', headers: { 'content-type': 'application/yaml' } });
  expect(emptied.status(), await emptied.text()).toBe(200);
});

test.beforeAll(async ({ request }) => {
  await approvePlan(request, YAML);
});

test('a run starts from the approved plan and its exposure grows live', async ({ page }) => {
  await page.goto(`/plans/${PLAN}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Start a run' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  runPath = new URL(page.url()).pathname;
  await hydrated(page);
  await expect(page.locator('.run-status')).toHaveText('pending');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeDisabled();
  await act(page, 'Start', 'e2e: first drill of the payment rollout');

  // Every step arrives over the live stream, without a reload.
  await expect(page.locator('.run-status')).toHaveText('running');
  await expect(bar(page, 'payment', 'eu-west-1')).toHaveAttribute('data-percent', '50');
  await expect(bar(page, 'payment', 'eu-west-1')).toHaveAttribute('data-percent', '100', { timeout: 20_000 });
  await expect(bar(page, 'payment', 'us-east-1')).toHaveAttribute('data-percent', '100', { timeout: 20_000 });
  await expect(page.locator('.run-now')).toHaveAttribute('data-stage', '2', { timeout: 20_000 });
  await expect(bar(page, 'checkout', 'eu-west-1')).toHaveAttribute('data-percent', '50');
  await expect(page.locator('li.event[data-kind="stage_completed"]')).toContainText('stage 1 completed');
  // Checkout bakes: the gates pass and the countdown ticks down.
  await expect(page.locator('tr.gate[data-service="checkout"]').first()).toHaveAttribute('data-verdict', 'pass', { timeout: 15_000 });
  const countdown = page.locator('.countdown');
  await expect(countdown).toContainText('Next automatic advance in 1:');
  const before = await countdown.textContent();
  await expect(countdown).not.toHaveText(before!, { timeout: 3_000 });
  await expect(page.locator('tr.gate svg.sparkline').first()).toBeVisible();
  await screenshot(page, 'run-live');
});

test('the graph colours the services of the run by live health', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('svg.graph g.node[data-id="checkout"]')).toHaveClass(/health-healthy/);
  await expect(page.locator('svg.graph g.node[data-id="checkout"] circle.health')).toHaveClass(/healthy/);
  await expect(page.locator('.legend')).toContainText('where the failure started');
});

test('a fault drilled into the provider fails the gate and rolls the stage back by itself', async ({ page }) => {
  // Detection waits for the executor (every 500 ms here) and a window of 10-second buckets.
  test.setTimeout(60_000);
  await page.goto(runPath);
  await hydrated(page);
  await expect(page.locator('.run-now')).toHaveAttribute('data-stage', '2');
  const drill = page.getByRole('form', { name: 'Run a drill' });
  await drill.getByLabel('Service').selectOption('payment');
  await drill.getByLabel('Added latency (ms)').fill('3000');
  await drill.getByLabel('Error rate (0 to 1)').fill('0.6');
  // Long enough to be caught, short enough to be over before the next spec runs.
  await drill.getByLabel('Duration (s)').fill('20');
  await drill.getByRole('button', { name: 'Inject the fault' }).click();
  await expect(drill.getByRole('status')).toContainText('Fault injected into payment (every version)');

  // The gate turns red, the executor rolls stage 2 back and says why in one sentence.
  await expect(page.locator('tr.gate[data-verdict="fail"]').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.run-status')).toHaveText('paused', { timeout: 30_000 });
  await expect(bar(page, 'checkout', 'eu-west-1')).toHaveAttribute('data-percent', '0');
  await expect(bar(page, 'payment', 'us-east-1')).toHaveAttribute('data-percent', '100');
  const banner = page.locator('.banner.failure');
  await expect(banner).toContainText('rolled back');
  const rollback = page.locator('li.event[data-kind="rollback_started"]');
  await expect(rollback).toHaveClass(/alarm/);
  await expect(rollback).toContainText('by Breakwater (automatic)');
  await expect(rollback.locator('.why')).toContainText('stage 2');
  await expect(page.locator('li.event[data-kind="stage_rolled_back"]')).toContainText('stage 2 rolled back');
  await screenshot(page, 'run-rolled-back');

  // The graph marks where the failure started.
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('svg.graph g.node.origin')).not.toHaveCount(0);
  await expect(page.locator('svg.graph g.node.health-failing')).not.toHaveCount(0);
  await expect(page.locator('svg.graph g.node.origin rect.origin-ring')).not.toHaveCount(0);
  await screenshot(page, 'graph-live-health');
});

test('the whole plan is rolled back by hand, with the reason in the timeline', async ({ page }) => {
  await page.goto(runPath);
  await hydrated(page);
  await expect(page.locator('.run-status')).toHaveText('paused');
  await act(page, 'Roll back plan', 'e2e: payment is not ready either');
  await expect(page.locator('.run-status')).toHaveText('rolled back', { timeout: 20_000 });
  await expect(bar(page, 'payment', 'eu-west-1')).toHaveAttribute('data-percent', '0');
  await expect(bar(page, 'payment', 'us-east-1')).toHaveAttribute('data-percent', '0');
  await expect(page.locator('li.event').first()).toContainText(/rollback finished/);
  // The person's reason is on every event of the rollback they asked for.
  await expect(page.locator('li.event[data-kind="rollback_started"] .why').first()).toHaveText('e2e: payment is not ready either');
  await expect(page.locator('.countdown')).toHaveText('Finished');
  for (const button of ['Start', 'Advance now', 'Pause', 'Resume', 'Roll back stage', 'Roll back plan', 'Abort', 'Retry step']) {
    await expect(page.getByRole('button', { name: button, exact: true })).toBeDisabled();
  }

  await page.goto('/runs');
  await hydrated(page);
  const row = page.locator(`table.runs tr[data-run="${runPath.split('/').pop()}"]`);
  await expect(row).toHaveAttribute('data-status', 'rolled_back');
  await expect(row).toContainText(PLAN);
  await expect(row.locator('td.failure')).toContainText('rolled back');
  await screenshot(page, 'runs-list');
});

test('an action on a run that changed meanwhile is refused and the page catches up', async ({ page, request, consoleErrors }) => {
  const created = await request.post('/api/v1/runs', { data: { plan: PLAN } });
  expect(created.status(), await created.text()).toBe(201);
  const run = await created.json();
  // A live stream that never says anything: the page keeps showing the revision it loaded.
  await page.route(/\/api\/v1\/runs\/\d+\/live$/, (route) =>
    route.fulfill({ status: 200, contentType: 'text/event-stream', body: '' }));
  await page.goto(`/runs/${run.id}`);
  await hydrated(page);
  const started = await request.post(`/api/v1/runs/${run.id}/actions`, {
    data: { command: 'start', expected_revision: run.revision, idempotency_key: `e2e-${run.id}`, reason: 'from a script' },
  });
  expect(started.status(), await started.text()).toBe(200);
  await act(page, 'Start', 'e2e: a second start');
  await expect(page.locator('.run-controls [role=alert]')).toContainText('The run changed');
  await expect(page.locator('.run-status')).not.toHaveText('pending');
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeDisabled();
  // The browser logs every 4xx answer; this 409 is the one the test asked for.
  const conflict = consoleErrors.findIndex((e) => e.includes('409 (Conflict)'));
  expect(conflict, consoleErrors.join('\n')).toBeGreaterThanOrEqual(0);
  consoleErrors.splice(conflict, 1);
  await abortRun(request, run.id, 'end of the e2e journey');
});
