// With JavaScript: hydration, blast radius, side panel, search, zoom, keyboard, import.
import { test, expect, hydrated, screenshot, repoRoot } from './fixtures';
import * as fs from 'fs';
import * as path from 'path';

const node = (id: string) => `svg.graph g.node[data-id="${id}"]`;

async function classesOf(page, cls: string): Promise<string[]> {
  const ids = await page.locator(`svg.graph g.node.${cls}`).evaluateAll(
    (els) => els.map((e) => e.getAttribute('data-id')));
  return ids.sort();
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
});

test('hovering a node highlights its blast radius and its dependencies', async ({ page }) => {
  await page.hover(node('productcatalog'));
  await expect(page.locator(node('productcatalog'))).toHaveClass(/focus/);
  expect(await classesOf(page, 'downstream')).toEqual(['checkout', 'frontend', 'recommendation']);
  expect(await classesOf(page, 'upstream')).toEqual([]);
  await expect(page.locator('.graph-status')).toContainText('blast radius 3 downstream');
  await screenshot(page, 'graph-hover-productcatalog');

  await page.hover(node('cart'));
  expect(await classesOf(page, 'downstream')).toEqual(['checkout', 'frontend']);
  expect(await classesOf(page, 'upstream')).toEqual(['redis-cart']);
  await expect(page.locator('.graph-status')).toContainText('depends on 1 upstream');
});

test('clicking a node opens the side panel', async ({ page }) => {
  await page.click(node('payment'));
  const panel = page.locator('aside.service-panel');
  await expect(panel).toBeVisible();
  await expect(panel.locator('h2')).toHaveText('Payment Service');
  await expect(panel).toContainText('team-payments');
  await expect(panel).toContainText('payment-api');
  await expect(panel).toContainText('checkout');
  await screenshot(page, 'graph-panel-payment');
  await panel.locator('button.close').click();
  await expect(panel).toHaveCount(0);
  // Closing gives focus back to the node the panel was opened from.
  await expect(page.locator(node('payment'))).toBeFocused();
});

test('keyboard: Tab to a node, Enter opens the panel with focus in it, Escape closes it and returns focus', async ({ page }) => {
  await page.locator(node('frontend')).focus();
  await expect(page.locator(node('frontend'))).toBeFocused();
  await expect(page.locator(node('frontend'))).toHaveClass(/focus/);
  // Nodes are in the tab order one after another, in the order of the catalog.
  await page.keyboard.press('Tab');
  await expect(page.locator(node('checkout'))).toBeFocused();
  await expect(page.locator(node('checkout'))).toHaveClass(/focus/);
  await expect(page.locator(node('frontend'))).not.toHaveClass(/focus/);

  await page.keyboard.press('Enter');
  const panel = page.getByRole('dialog', { name: 'Checkout' });
  await expect(panel).toBeVisible();
  await expect(panel).toHaveAttribute('aria-modal', 'false');
  // Focus moves into the panel, on its heading; Tab goes on to the close button.
  await expect(panel.locator('h2')).toBeFocused();
  await screenshot(page, 'graph-panel-keyboard');
  await page.keyboard.press('Tab');
  await expect(panel.locator('button.close')).toBeFocused();
  await expect(panel.locator('button.close')).toHaveAccessibleName('Close panel');

  // Escape closes the panel and gives focus back to the node that opened it.
  await page.keyboard.press('Escape');
  await expect(page.locator('aside.service-panel')).toHaveCount(0);
  await expect(page.locator(node('checkout'))).toBeFocused();
  await expect(page.locator(node('checkout'))).toHaveClass(/focus/);

  // Space opens it too; Escape from the heading closes it the same way.
  await page.keyboard.press(' ');
  await expect(page.getByRole('dialog', { name: 'Checkout' }).locator('h2')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.locator('aside.service-panel')).toHaveCount(0);
  await expect(page.locator(node('checkout'))).toBeFocused();
});

test('keyboard: the import panel opens and closes from its summary, which keeps focus', async ({ page }) => {
  const summary = page.locator('.import-panel summary');
  await summary.focus();
  await expect(summary).toBeFocused();
  await expect(page.locator('.import-panel')).not.toHaveAttribute('open');
  await page.keyboard.press('Enter');
  await expect(page.locator('.import-panel')).toHaveAttribute('open', '');
  await expect(summary).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator('.import-panel input[name=files]')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(summary).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.import-panel')).not.toHaveAttribute('open');
  await expect(page.locator('.import-panel input[name=files]')).toBeHidden();
});

test('search highlights services by name, owner or contract', async ({ page }) => {
  await page.fill('input.graph-search', 'team-payments');
  expect(await classesOf(page, 'match')).toEqual(['currency', 'payment']);
  await page.fill('input.graph-search', 'productcatalog-api');
  expect(await classesOf(page, 'match')).toEqual(['productcatalog']);
  await expect(page.locator('.graph-status')).toContainText('1 matching');
});

test('zoom buttons and the wheel change the view; Fit restores it', async ({ page }) => {
  const svg = page.locator('svg.graph');
  const initial = await svg.getAttribute('viewBox');
  await page.click('button[title="Zoom in"]');
  expect(await svg.getAttribute('viewBox')).not.toEqual(initial);
  await page.click('button[title="Fit the whole graph"]');
  expect(await svg.getAttribute('viewBox')).toEqual(initial);
  await svg.hover();
  await page.mouse.wheel(0, 300);
  expect(await svg.getAttribute('viewBox')).not.toEqual(initial);
});

test('an invalid catalog upload lists the problems and leaves the graph unchanged', async ({ page }) => {
  const before = await page.locator('svg.graph g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  await page.click('.import-panel summary');
  await page.setInputFiles('.import-panel input[name=files]', path.join(__dirname, 'fixtures', 'invalid-catalog.yaml'));
  await page.click('.import-panel button[type=submit]');
  const result = page.locator('.import-result.refused');
  await expect(result).toBeVisible();
  await expect(result).toContainText('UNKNOWN_SERVICE');
  await expect(result).toContainText('HARD_CYCLE');
  await expect(result).toContainText('MISSING_OWNER');
  await expect(result).toContainText("service 'billing'");
  await screenshot(page, 'import-invalid');
  const after = await page.locator('svg.graph g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  expect(after).toEqual(before);
});

test('a valid catalog upload with its spec files becomes a new revision', async ({ page }) => {
  const dir = path.join(repoRoot, 'demo', 'boutique');
  const specs = fs.readdirSync(path.join(dir, 'specs')).map((f) => path.join(dir, 'specs', f));
  await page.click('.import-panel summary');
  await page.setInputFiles('.import-panel input[name=files]', [path.join(dir, 'catalog.yaml'), ...specs]);
  await page.click('.import-panel button[type=submit]');
  await expect(page.locator('.import-result.ok')).toContainText('Imported as revision');
  await expect(page.locator('svg.graph g.node')).toHaveCount(11);
});

test('a picked folder uploads with its paths: specs are matched by path', async ({ page }) => {
  await page.click('.import-panel summary');
  // The whole demo folder, candidates included: each spec path of the catalog names one file.
  await page.setInputFiles('.import-panel input[name=folder]', path.join(repoRoot, 'demo', 'boutique'));
  await page.click('.import-panel button[type=submit]');
  await expect(page.locator('.import-result.ok')).toContainText('(upload: boutique/catalog.yaml)');
  await expect(page.locator('svg.graph g.node')).toHaveCount(11);
});
