// Contract compatibility: the matrix, the candidate check and the diff view.
import { test, expect, hydrated, screenshot, repoRoot } from './fixtures';
import * as path from 'path';

const candidates = path.join(repoRoot, 'demo', 'boutique', 'candidates');

test('the matrix shows every consumer of every contract, with details on click', async ({ page }) => {
  await page.goto('/contracts');
  await hydrated(page);
  const cells = page.locator('table.matrix button.cell');
  expect(await cells.count()).toBeGreaterThanOrEqual(12);
  await page.locator('button.cell[aria-label="checkout on payment-api: compatible"]').click();
  await expect(page.locator('.cell-detail')).toContainText('checkout on payment-api');
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

test('the diff view locates findings in the document', async ({ page }) => {
  await page.goto('/contracts/payment-api');
  await hydrated(page);
  await expect(page.locator('h1')).toContainText('payment-api');
  await expect(page.locator('pre.document .line').first()).toBeVisible();
  await screenshot(page, 'contract-diff');
});
