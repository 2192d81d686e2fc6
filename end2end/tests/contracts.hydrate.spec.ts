// Contract compatibility: the matrix, the candidate check and the diff view.
import { test, expect, hydrated, screenshot, repoRoot, contractsPage } from './fixtures';
import * as path from 'path';

const candidates = path.join(repoRoot, 'demo', 'boutique', 'candidates');

test('the matrix shows every consumer of every contract, with details on click', async ({ page }) => {
  await contractsPage(page);
  // One cell per dependency with a contract: 15 in the demo, all compatible (one version each).
  const cells = page.locator('table.matrix button.cell');
  await expect(cells).toHaveCount(15);
  await expect(page.locator('table.matrix button.cell.compatible')).toHaveCount(15);
  await expect(page.locator('table.matrix tbody tr')).toHaveCount(10);
  const cell = page.locator('button.cell[aria-label="checkout on payment-api: compatible"]');
  await expect(cell).toHaveText('✓');
  await cell.click();
  await expect(cell).toHaveClass('cell compatible selected');
  const detail = page.locator('.cell-detail');
  await expect(detail.locator('h3')).toHaveText('checkout on payment-api (first) → 1.4.0: compatible');
  await expect(detail.locator('.findings')).toHaveCount(0);
  await expect(detail).toContainText('No changes that matter here.');
  await expect(detail.getByRole('link', { name: 'Open the diff of these versions' }))
    .toHaveAttribute('href', '/contracts/payment-api');
  await screenshot(page, 'contracts-matrix');
});

test('can I deploy: a candidate that breaks only the consumer using the changed operation', async ({ page }) => {
  await page.goto('/contracts');
  await hydrated(page);
  const form = page.locator('form.candidate-check');
  await form.locator('select[name=service]').selectOption('currency');
  await form.locator('input[name=version]').fill('2.0.0');
  await form.locator('input[type=file]').setInputFiles(path.join(candidates, 'currency-api-2.0.0.yaml'));
  await expect(form.locator('textarea')).toHaveValue(/openapi: 3.1.0/);
  await form.locator('button[type=submit]').click();
  const verdict = page.locator('.verdict');
  await expect(verdict).toContainText('No: currency 2.0.0 would break a consumer.');
  const row = (consumer: string) => verdict.locator('table.consumers tr', { hasText: consumer });
  await expect(row('frontend').locator('.status')).toHaveText('breaking');
  await expect(row('checkout').locator('.status')).toHaveText('compatible');
  await expect(row('frontend')).toContainText('GET /currencies');
  await screenshot(page, 'contracts-can-i-deploy');
});

test('can I deploy: bad input gets a clear error', async ({ page }) => {
  await page.goto('/contracts');
  await hydrated(page);
  const form = page.locator('form.candidate-check');
  await form.locator('select[name=service]').selectOption('payment');
  await form.locator('input[name=version]').fill('9.9.9');
  await form.locator('textarea').fill('openapi: [not, closed');
  await form.locator('button[type=submit]').click();
  await expect(page.locator('.verdict.refused')).toContainText('line');
});

// Findings between two versions, located in the document: versions.hydrate.spec.ts.
test('the diff view of a first version has nothing to compare and shows the document', async ({ page }) => {
  await page.goto('/contracts/payment-api');
  await hydrated(page);
  await expect(page.locator('h1')).toHaveText('payment-api openapi · payment');
  await expect(page.locator('p.summary')).toHaveText('(none) → 1.4.0 in mode backward: compatible, 0 findings');
  await expect(page.locator('.diff-findings')).toContainText('No changes that matter here.');
  // The document pretty-printed as JSON, one numbered line each.
  await expect(page.locator('pre.document .line')).toHaveCount(158);
  await expect(page.locator('pre.document span#L1')).toHaveText('1{');
  await expect(page.locator('pre.document span#L2')).toHaveText('2  "components": {');
  await expect(page.locator('pre.document .line', { hasText: '"openapi": "3.0.3",' })).toHaveCount(1);
  await expect(page.locator('pre.document .line.breaking, pre.document .line.warning, pre.document .line.info'))
    .toHaveCount(0);
  await screenshot(page, 'contract-diff');
});
