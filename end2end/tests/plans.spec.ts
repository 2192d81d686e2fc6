// Without JavaScript: every plan page arrives whole from the server. The plan is created through
// the JSON API (the editor needs JavaScript).
import { test, expect, screenshot, ADMIN } from './fixtures';

test.use({ javaScriptEnabled: false });
test.describe.configure({ mode: 'serial' });

const PLAN = 'storefront-nojs';
const YAML = `plan: ${PLAN}
title: Storefront search
changes:
  - { service: productcatalog, to_version: 0.11.0 }
  - { service: recommendation, to_version: 0.11.0 }
  - { service: frontend, to_version: 0.11.0, flags: [new-search], migrations: [{ name: add-col, phase: expand, reversible: true }] }
`;

test.beforeAll(async ({ request }) => {
  const response = await request.post('/api/v1/plans', {
    data: YAML,
    headers: { 'content-type': 'application/yaml' },
  });
  expect(response.status(), await response.text()).toBe(201);
});

test('the plan list shows the plan with its state, author and size', async ({ page }) => {
  await page.goto('/plans');
  const row = page.locator(`tr[data-plan="${PLAN}"]`);
  await expect(row).toContainText('Storefront search');
  await expect(row).toContainText('draft');
  await expect(row).toContainText(ADMIN);
  await expect(row.locator('td.num').first()).toHaveText('3');
  await expect(page.getByRole('link', { name: 'New plan' })).toHaveAttribute('href', '/plans/new');
  await screenshot(page, 'plans-list-nojs');
});

test('the plan view shows every stage in order without JavaScript', async ({ page }) => {
  await page.goto(`/plans/${PLAN}`);
  const stages = page.locator('article.stage');
  await expect(stages).toHaveCount(3);
  const services = (n: number) => page.locator(`article.stage[data-stage="${n}"] li.stage-service`);
  await expect(services(1)).toHaveText(['productcatalog']);
  await expect(services(2)).toHaveText(['recommendation']);
  await expect(services(3)).toHaveText(['frontend']);
  await expect(page.locator('article.stage[data-stage="2"] .explanations')).toContainText('productcatalog before recommendation');
  // Steps per region and percentage, with the stage's estimate.
  await expect(page.locator('article.stage[data-stage="1"] .step-row')).toHaveCount(2);
  await expect(page.locator('article.stage[data-stage="1"] .step')).toHaveCount(10);
  await expect(page.locator('article.stage[data-stage="1"] .estimate')).toHaveText('≈ 1h40m');
  await expect(page.locator('article.stage[data-stage="1"] .blast')).toContainText('3 downstream');
  await expect(page.locator('ol.revisions > li')).toHaveCount(1);
  await expect(page.locator('.changes tr[data-service="frontend"]')).toContainText('add-col (expand, reversible)');
  await screenshot(page, 'plan-view-nojs');
});

test('the presentation view moves by links without JavaScript', async ({ page }) => {
  await page.goto(`/plans/${PLAN}/present`);
  await expect(page.locator('h1')).toHaveText('Stage 1 of 3');
  await page.getByRole('link', { name: 'Next stage →' }).click();
  await expect(page).toHaveURL(/stage=2/);
  await expect(page.locator('h1')).toHaveText('Stage 2 of 3');
  await expect(page.locator('.present-stage li.stage-service')).toHaveText(['recommendation']);
  await expect(page.locator('.stage-graph g.mini-node[data-id="frontend"]')).toHaveClass(/blast/);
  await screenshot(page, 'plan-present-nojs');
});

test('the readiness review reads without JavaScript', async ({ page }) => {
  await page.goto(`/plans/${PLAN}/review`);
  await expect(page.locator('li.checklist-item')).not.toHaveCount(0);
  await expect(page.locator('li.checklist-item[data-key="ack:team-catalog"]')).toHaveClass(/open/);
  await expect(page.locator('.readiness')).toContainText('Not ready');
});

test('the graph overlays the plan and a stage\'s blast radius without JavaScript', async ({ page }) => {
  await page.goto(`/?plan=${PLAN}&stage=1`);
  const node = (id: string) => page.locator(`svg.graph g.node[data-id="${id}"]`);
  await expect(node('productcatalog').locator('.stage-badge text')).toHaveText('1');
  await expect(node('frontend').locator('.stage-badge text')).toHaveText('3');
  await expect(node('productcatalog')).toHaveClass(/stage-current/);
  await expect(node('checkout')).toHaveClass(/stage-blast/);
  await expect(node('payment')).toHaveClass(/stage-faded/);
  await screenshot(page, 'plan-graph-overlay-nojs');
});
