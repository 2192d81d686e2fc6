// With JavaScript: the plan editor (live stages from the planner in the browser, manual moves,
// save), the plan view and its history, the presentation view, the readiness review and the
// plan over the graph. One journey in order: each test builds on the plan the previous saved.
import { test, expect, hydrated, screenshot, repoRoot, ADMIN } from './fixtures';
import { Page } from '@playwright/test';
import * as path from 'path';

test.describe.configure({ mode: 'serial' });

const PLAN = 'charges-v2';
const stage = (page: Page, n: number) => page.locator(`.editor-preview article.stage[data-stage="${n}"]`);
const servicesOf = async (scope) =>
  (await scope.locator('li.stage-service').evaluateAll((els) => els.map((e) => e.getAttribute('data-service')))).sort();

async function addService(page: Page, query: string, id: string) {
  await page.getByLabel('Add a service').fill(query);
  await page.getByRole('button', { name: new RegExp(`^Add ${id}\\b`) }).click();
  await expect(page.locator(`fieldset.change[data-service="${id}"]`)).toBeVisible();
}

test('the editor plans three services live, refuses an invalid move and saves', async ({ page }) => {
  await page.goto('/plans/new');
  await hydrated(page);
  await page.getByLabel('Plan name').fill(PLAN);
  await page.getByLabel('Title').fill('Checkout v2 with new payments');

  await addService(page, 'payment', 'payment');
  await addService(page, 'check', 'checkout');
  // Enter adds the first match.
  await page.getByLabel('Add a service').fill('currency');
  await page.getByLabel('Add a service').press('Enter');
  await expect(page.locator('fieldset.change[data-service="currency"]')).toBeVisible();

  // Target versions start at the current version: the planner says so beside the field.
  const payment = page.locator('fieldset.change[data-service="payment"]');
  await expect(payment.locator('input[name=to_version]')).toHaveValue('0.10.2');
  await expect(payment.locator('.field-problems')).toContainText('VERSION_NOT_NEWER');
  for (const [id, version] of [['payment', '2.0.0'], ['checkout', '0.11.0'], ['currency', '0.11.0']]) {
    await page.locator(`fieldset.change[data-service="${id}"] input[name=to_version]`).fill(version);
  }
  await expect(payment.locator('.field-problems')).toHaveCount(0);

  // Providers first (expand): payment and currency, then checkout, which calls both.
  await expect(page.locator('.editor-preview article.stage')).toHaveCount(2);
  expect(await servicesOf(stage(page, 1))).toEqual(['currency', 'payment']);
  expect(await servicesOf(stage(page, 2))).toEqual(['checkout']);
  await expect(stage(page, 2).locator('.explanations')).toContainText('payment before checkout');
  await expect(stage(page, 2).locator('.explanations')).toContainText('currency before checkout');
  await expect(stage(page, 1).locator('.step-row')).toHaveCount(4);
  await screenshot(page, 'plan-editor');

  // Checkout cannot go with the services it calls: the move is refused with the reason.
  await page.getByRole('button', { name: 'Move checkout up a stage' }).click();
  const refusal = page.locator('.refusal[role=alert]');
  await expect(refusal).toContainText('checkout cannot move up a stage');
  await expect(refusal.locator('li')).toHaveCount(2);
  await expect(refusal).toContainText('payment before checkout');
  expect(await servicesOf(stage(page, 2))).toEqual(['checkout']);
  await expect(page.locator('.manual-order')).toHaveCount(0);
  await screenshot(page, 'plan-editor-refused-move');

  // A valid move by keyboard: payment alone first, then currency, then checkout.
  await page.getByRole('button', { name: 'Move payment up a stage' }).focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(page.locator('.editor-preview article.stage')).toHaveCount(3);
  expect(await servicesOf(stage(page, 1))).toEqual(['payment']);
  expect(await servicesOf(stage(page, 2))).toEqual(['currency']);
  await expect(page.getByRole('button', { name: 'Move payment up a stage' })).toBeFocused();
  await expect(page.locator('.manual-order')).toBeVisible();
  await expect(refusal).toHaveCount(0);
  // Back to the planner's order.
  await page.getByRole('button', { name: 'Let the planner order the stages' }).click();
  await expect(page.locator('.editor-preview article.stage')).toHaveCount(2);

  // A policy value that cannot be read is marked beside its field; the planner judges the rest.
  await page.getByLabel('Bake per step').fill('ten');
  await expect(page.locator('fieldset.policy .field-problems')).toContainText('not a duration');
  await page.getByLabel('Bake per step').fill('5m');
  await expect(page.locator('fieldset.policy .field-problems')).toHaveCount(0);
  await expect(stage(page, 1).locator('.estimate')).toHaveText('≈ 50m');

  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page).toHaveURL(new RegExp(`/plans/${PLAN}$`));
  await expect(page.locator('article.stage')).toHaveCount(2);
});

test('a refused save lists every problem and keeps the edits', async ({ page }) => {
  await page.goto('/plans/new');
  await hydrated(page);
  await page.getByLabel('Plan name').fill('Not A Slug');
  await page.getByLabel('Title').fill('kept');
  await page.getByRole('button', { name: 'Save plan' }).click();
  const result = page.locator('.save-result[role=alert]');
  await expect(result).toContainText('Not saved');
  await expect(result).toContainText('INVALID_NAME');
  await expect(result).toContainText('NO_CHANGES');
  await expect(page.getByLabel('Title')).toHaveValue('kept');
  await expect(page).toHaveURL(/\/plans\/new$/);
  await screenshot(page, 'plan-editor-refused-save');
});

test('the plan view shows the stages, survives a reload and moves through its review', async ({ page }) => {
  await page.goto(`/plans/${PLAN}`);
  await hydrated(page);
  await expect(page.locator('h1')).toHaveText('Checkout v2 with new payments');
  await expect(page.locator('article.stage')).toHaveCount(2);
  await expect(page.locator('article.stage[data-stage="2"] .explanations')).toContainText('payment before checkout');
  await expect(page.locator('article.stage[data-stage="1"] .blast')).toContainText('checkout');
  await expect(page.locator('.changes tr[data-service="payment"]')).toContainText('2.0.0');
  await page.reload();
  await hydrated(page);
  await expect(page.locator('article.stage')).toHaveCount(2);
  await expect(page.locator('.plan-state')).toHaveText('draft');

  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.locator('.plan-state')).toHaveText('in review');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.locator('.plan-state')).toHaveText('approved');
  await expect(page.locator('.approval')).toContainText(`Approved by ${ADMIN}`);
  await screenshot(page, 'plan-view');
});

test('editing makes revision 2 with a readable diff; revision 1 stays viewable', async ({ page }) => {
  await page.goto(`/plans/${PLAN}/edit`);
  await hydrated(page);
  await expect(page.locator('.editor-preview article.stage')).toHaveCount(2);
  await page.locator('fieldset.change[data-service="checkout"] input[name=to_version]').fill('0.12.0');
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page).toHaveURL(new RegExp(`/plans/${PLAN}$`));
  // A new revision goes back to draft: the approval was for the first.
  await expect(page.locator('.plan-state')).toHaveText('draft');
  const history = page.locator('ol.revisions > li');
  await expect(history).toHaveCount(2);
  await expect(history.first()).toHaveAttribute('data-revision', '2');
  await expect(history.first().locator('.diff-entries')).toContainText('0.12.0');
  await screenshot(page, 'plan-history');

  await page.getByRole('link', { name: 'View revision 1' }).click();
  await expect(page).toHaveURL(/revision=1/);
  await expect(page.locator('.plan-meta')).toContainText('revision 1 of 2');
  await expect(page.locator('.changes tr[data-service="checkout"]')).toContainText('0.11.0');
});

test('the presentation view moves between stages with the arrow keys', async ({ page }) => {
  await page.goto(`/plans/${PLAN}/present`);
  await hydrated(page);
  await expect(page.locator('h1')).toHaveText('Stage 1 of 2');
  await expect(page.locator('.stage-graph g.mini-node.in-stage')).toHaveCount(2);
  await expect(page.locator('.stage-graph g.mini-node[data-id="checkout"]')).toHaveClass(/blast/);
  await screenshot(page, 'plan-present-1');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('h1')).toHaveText('Stage 2 of 2');
  await expect(page).toHaveURL(/stage=2/);
  await expect(page.locator('.present-stage li.stage-service')).toHaveText(['checkout']);
  await expect(page.locator('.stage-graph g.mini-node[data-id="checkout"]')).toHaveClass(/in-stage/);
  await screenshot(page, 'plan-present-2');
  // Past the last stage nothing moves; ArrowLeft goes back.
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('h1')).toHaveText('Stage 2 of 2');
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('h1')).toHaveText('Stage 1 of 2');
});

test('an owner acknowledges a readiness item, recorded with who and comment', async ({ page }) => {
  await page.goto(`/plans/${PLAN}/review`);
  await hydrated(page);
  const item = page.locator('li.checklist-item[data-key="ack:team-payments"]');
  await expect(item).toHaveClass(/open/);
  await screenshot(page, 'plan-review');
  await item.getByLabel('Comment').fill('payment and currency ready');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.locator('li.checklist-item[data-key="ack:team-payments"]')).toHaveClass(/done/);
  const recorded = page.locator('table.acks tbody tr');
  await expect(recorded).toHaveCount(1);
  await expect(recorded).toContainText(ADMIN);
  await expect(recorded).toContainText('team-payments acknowledges');
  await expect(recorded).toContainText('payment and currency ready');
  await screenshot(page, 'plan-review-acknowledged');
});

test('the graph numbers the plan\'s services by stage and shades a stage\'s blast radius', async ({ page }) => {
  await page.goto(`/?plan=${PLAN}`);
  await hydrated(page);
  const node = (id: string) => page.locator(`svg.graph g.node[data-id="${id}"]`);
  await expect(node('payment').locator('.stage-badge text')).toHaveText('1');
  await expect(node('currency').locator('.stage-badge text')).toHaveText('1');
  await expect(node('checkout').locator('.stage-badge text')).toHaveText('2');
  await expect(node('frontend').locator('.stage-badge')).toHaveCount(0);
  await page.getByRole('link', { name: /^1 ?Stage 1:/ }).click();
  await expect(page).toHaveURL(/stage=1/);
  await expect(node('payment')).toHaveClass(/stage-current/);
  await expect(node('checkout')).toHaveClass(/stage-blast/);
  await expect(node('frontend')).toHaveClass(/stage-blast/);
  await expect(node('email')).toHaveClass(/stage-faded/);
  await screenshot(page, 'plan-graph-overlay');
});

test('a candidate spec attached in the editor is checked by the server', async ({ page }) => {
  await page.goto(`/plans/${PLAN}/edit`);
  await hydrated(page);
  const payment = page.locator('fieldset.change[data-service="payment"]');
  await payment.getByRole('button', { name: 'Attach a candidate spec' }).click();
  const row = payment.locator('.contract-row');
  await expect(row.locator('select option')).toHaveText(['payment-api (now 1.4.0)']);
  await row.getByLabel('New version').fill('2.0.0');
  await row.getByLabel('Spec file').setInputFiles(path.join(repoRoot, 'demo', 'boutique', 'candidates', 'payment-api-2.0.0.yaml'));
  await expect(row.locator('textarea')).toHaveValue(/openapi/);
  // The server's contract diff makes payment 2.0.0 a contract change: its consumer checkout now
  // goes first, and the stages are planned again in the browser with that effect.
  await expect(page.locator('.editor-preview article.stage')).toHaveCount(3);
  expect(await servicesOf(stage(page, 3))).toEqual(['payment']);
  await expect(stage(page, 3).locator('.explanations')).toContainText('checkout before payment');
  // Removing the spec gives the planner's own order back.
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('.editor-preview article.stage')).toHaveCount(2);
  await screenshot(page, 'plan-editor-candidate');
});
