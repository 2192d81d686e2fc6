// Journeys that need more than the demo catalog: each imports a catalog through the JSON API
// (a new contract version, or the 49-service enterprise demo), looks at the result in the
// browser, and then re-imports the catalog it found, so the other specs keep seeing the demo.
import { test, expect, hydrated, screenshot, repoRoot, contractsPage } from './fixtures';
import type { APIRequestContext } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

// They change the current catalog: one after another, never beside another spec.
test.describe.configure({ mode: 'serial' });

const boutique = path.join(repoRoot, 'demo', 'boutique');
const enterprise = path.join(repoRoot, 'demo', 'enterprise');
const fixtures = path.join(__dirname, 'fixtures');

type Replacement = { version: string; file: string };

/**
 * A demo catalog as the API takes it: every `spec: PATH` becomes `document: "..."` (a JSON
 * string is a YAML double-quoted scalar), optionally with a contract at a new version.
 */
function inlineCatalog(dir: string, replace: Record<string, Replacement> = {}): string {
  const text = fs.readFileSync(path.join(dir, 'catalog.yaml'), 'utf8');
  let replaced = 0;
  const inlined = text.replace(
    /contract: ([a-z0-9-]+), kind: ([a-z-]+), version: ([^,\s]+), spec: ([^\s,}]+)/g,
    (_m, id: string, kind: string, version: string, spec: string) => {
      const r = replace[id];
      if (r) replaced += 1;
      const document = fs.readFileSync(r ? r.file : path.join(dir, spec), 'utf8');
      return `contract: ${id}, kind: ${kind}, version: ${r ? r.version : version}, ` +
        `document: ${JSON.stringify(document)}`;
    });
  expect(inlined, 'every spec path inlined').not.toMatch(/\bspec: /);
  expect(replaced, 'every replaced contract found').toBe(Object.keys(replace).length);
  return inlined;
}

async function importCatalog(request: APIRequestContext, yaml: string) {
  const response = await request.post('/api/v1/catalog', {
    data: yaml,
    headers: { 'content-type': 'application/yaml' },
  });
  expect(response.status(), await response.text()).toBe(201);
}

let saved = '';
test.beforeEach(async ({ request }) => {
  saved = '';
  const response = await request.get('/api/v1/catalog/export');
  expect(response.status()).toBe(200);
  saved = await response.text();
  expect(saved).toContain('id: frontend');
});
test.afterEach(async ({ request }) => {
  if (!saved) return;
  await importCatalog(request, saved);
  const restored = await request.get('/api/v1/catalog/export');
  expect(await restored.text(), 'the catalog found before the test is current again').toBe(saved);
});

test('the diff view shows the findings between two stored versions and highlights their lines', async ({ page, request }) => {
  await importCatalog(request, inlineCatalog(boutique, {
    'payment-api': { version: '1.5.0', file: path.join(fixtures, 'payment-api-1.5.0.yaml') },
  }));
  await page.goto('/contracts/payment-api?from=1.4.0&to=1.5.0');
  await hydrated(page);
  await expect(page.locator('h1')).toHaveText('payment-api openapi · payment');
  await expect(page.locator('select[name=from]')).toHaveValue('1.4.0');
  await expect(page.locator('select[name=to]')).toHaveValue('1.5.0');
  await expect(page.locator('p.summary')).toHaveText('1.4.0 → 1.5.0 in mode backward: breaking, 4 findings');
  await expect(page.locator('p.summary')).toHaveClass('summary breaking');

  // Most serious first: the new required property (two findings), the new error status, the new
  // endpoint.
  const findings = page.locator('.diff-findings ul.findings > li');
  await expect(findings).toHaveCount(4);
  await expect(findings.locator('.level')).toHaveText(['breaking', 'breaking', 'warning', 'info']);
  await expect(findings.locator('.code')).toHaveText([
    'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
    'REQUIRED_ATTRIBUTE_ADDED',
    'RESPONSE_STATUS_ADDED',
    'ENDPOINT_ADDED',
  ]);
  await expect(findings.locator('.operation')).toHaveText([
    'POST /charges', 'POST /charges', 'POST /charges', 'GET /charges/{transaction_id}',
  ]);
  await expect(findings.nth(2).locator('.message')).toHaveText('response 409 added');

  // Each finding links to its line in the new document, coloured by its level.
  const lineOf = async (i: number) => {
    const href = await findings.nth(i).locator('.path a').getAttribute('href');
    expect(href).toMatch(/^#L\d+$/);
    return { href: href!, line: page.locator(`pre.document span${href}`) };
  };
  // The request schema is a $ref: the property's finding is located at the operation's schema.
  const added = await lineOf(0);
  await expect(added.line).toHaveClass('line breaking');
  await expect(added.line).toContainText('"schema": {');
  await expect(page.locator(`pre.document span#L${Number(added.href.slice(2)) + 1}`))
    .toContainText('"$ref": "#/components/schemas/ChargeRequest"');
  const status = await lineOf(2);
  await expect(status.line).toHaveClass('line warning');
  await expect(status.line).toContainText('"409": {');
  const endpoint = await lineOf(3);
  await expect(endpoint.line).toHaveClass('line info');
  await expect(endpoint.line).toContainText('"get": {');
  // Lines without a finding are not highlighted.
  await expect(page.locator('pre.document span#L1')).toHaveClass('line');

  // Highlighted: the level's background (style/main.css); plain lines have none.
  await expect(added.line).toHaveCSS('background-color', 'rgb(251, 217, 214)');
  await expect(status.line).toHaveCSS('background-color', 'rgb(255, 241, 194)');
  await expect(endpoint.line).toHaveCSS('background-color', 'rgb(238, 244, 251)');
  await expect(page.locator('pre.document span#L1')).toHaveCSS('background-color', 'rgba(0, 0, 0, 0)');

  // Following the link puts the line's anchor in the URL and scrolls the line into view.
  await page.evaluate(() => window.scrollTo(0, 0));
  await findings.nth(0).locator('.path a').click();
  await expect(page).toHaveURL(new RegExp(`/contracts/payment-api\\?from=1\\.4\\.0&to=1\\.5\\.0${added.href}$`));
  await expect(added.line).toBeInViewport();
  await screenshot(page, 'contract-diff-findings');
});

test('a breaking provider version shows as a breaking matrix cell, with the finding on click', async ({ page, request }) => {
  // payment-api 1.5.0 requires idempotency_key in POST /charges, which checkout calls.
  await importCatalog(request, inlineCatalog(boutique, {
    'payment-api': { version: '1.5.0', file: path.join(fixtures, 'payment-api-1.5.0.yaml') },
  }));
  await contractsPage(page);
  await expect(page.locator('table.matrix button.cell')).toHaveCount(15);
  const breaking = page.locator('table.matrix button.cell.breaking');
  await expect(breaking).toHaveCount(1);
  const cell = page.locator('button.cell[aria-label="checkout on payment-api: breaking"]');
  await expect(cell).toHaveText('✕');
  await expect(cell).toHaveClass('cell breaking');
  await expect(page.locator('table.matrix tbody th', { hasText: 'payment-api' })).toHaveText('payment-api v1.5.0 · payment');

  await cell.click();
  await expect(cell).toHaveClass('cell breaking selected');
  const detail = page.locator('.cell-detail');
  await expect(detail.locator('h3')).toHaveText('checkout on payment-api 1.4.0 → 1.5.0: breaking');
  const findings = detail.locator('ul.findings > li');
  await expect(findings.locator('.code')).toHaveText(['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', 'REQUIRED_ATTRIBUTE_ADDED', 'RESPONSE_STATUS_ADDED']);
  await expect(findings.locator('.level')).toHaveText(['breaking', 'breaking', 'warning']);
  await expect(findings.nth(1).locator('.operation')).toHaveText('POST /charges');
  await expect(findings.nth(1).locator('.message')).toHaveText("property 'idempotency_key' became required");
  await expect(detail.getByRole('link', { name: 'Open the diff of these versions' }))
    .toHaveAttribute('href', '/contracts/payment-api?from=1.4.0&to=1.5.0');
  await screenshot(page, 'contracts-matrix-breaking');

  // The graph draws the edge of the breaking contract red.
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('svg.graph path.edge.compat-breaking')).toHaveCount(1);
  await expect(page.locator('svg.graph path.edge.compat-breaking title')).toHaveText('Checkout → Payment Service (hard, contract breaking)');
});

test('can I deploy: a provider of several contracts is checked for the contract the picker shows', async ({ page, request }) => {
  await importCatalog(request, inlineCatalog(enterprise));
  await page.goto('/contracts');
  await hydrated(page);
  const form = page.locator('form.candidate-check');
  const contract = form.locator('select[name=contract]');
  const verdict = page.locator('.verdict');

  // event-bus provides six contracts; the picker starts on the first, and that is what is checked.
  await form.locator('select[name=service]').selectOption('event-bus');
  await expect(contract.locator('option')).toHaveText([
    'event-bus-api (now v3.1.0)',
    'order-placed-event (now v2.0.0)',
    'payment-captured-event (now v1.1.0)',
    'shipment-dispatched-event (now v1.0.0)',
    'account-created-event (now v1.0.0)',
    'inventory-adjusted-event (now v1.2.0)',
  ]);
  await expect(contract).toHaveValue('event-bus-api');
  await form.locator('input[name=version]').fill('3.1.1');
  await form.locator('textarea').fill(fs.readFileSync(path.join(enterprise, 'specs', 'event-bus-api.yaml'), 'utf8'));
  await form.locator('button[type=submit]').click();
  await expect(verdict.locator('.headline')).toHaveText('Yes: event-bus 3.1.1 breaks no consumer.');
  await expect(verdict.locator('h3')).toHaveText(['event-bus-api 3.1.0 → 3.1.1 (backward)']);

  // Another contract of the same provider: a schema that now requires `producer` breaks readers.
  await contract.selectOption('order-placed-event');
  const schema = JSON.parse(fs.readFileSync(path.join(enterprise, 'specs', 'order-placed-event.schema.json'), 'utf8'));
  schema.required.push('producer');
  await form.locator('input[name=version]').fill('2.1.0');
  await form.locator('textarea').fill(JSON.stringify(schema, null, 2));
  await form.locator('button[type=submit]').click();
  await expect(verdict.locator('.headline')).toHaveText('No: event-bus 2.1.0 would break a consumer.');
  await expect(verdict.locator('h3')).toHaveText(['order-placed-event 2.0.0 → 2.1.0 (backward)']);
  await expect(verdict.locator('table.consumers .status').first()).toHaveText('breaking');
  await screenshot(page, 'contracts-can-i-deploy-several');

  // The picker follows the provider: away and back, it is on the first contract again.
  await form.locator('select[name=service]').selectOption('orders');
  await expect(contract).toHaveValue('orders-api');
  await form.locator('select[name=service]').selectOption('event-bus');
  await expect(contract).toHaveValue('event-bus-api');
  await form.locator('input[name=version]').fill('3.1.2');
  await form.locator('textarea').fill(fs.readFileSync(path.join(enterprise, 'specs', 'event-bus-api.yaml'), 'utf8'));
  await form.locator('button[type=submit]').click();
  await expect(verdict.locator('h3')).toHaveText(['event-bus-api 3.1.0 → 3.1.2 (backward)']);
});
