// Server-rendered: the graph page is complete without JavaScript.
import { test, expect, screenshot } from './fixtures';

test.use({ javaScriptEnabled: false });

test('home page renders the demo graph as SVG without JavaScript', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/Dependency graph/);
  const nodes = page.locator('svg.graph g.node');
  await expect(nodes).toHaveCount(11);
  await expect(page.locator('svg.graph path.edge')).toHaveCount(15);
  await expect(page.locator('g.node[data-id="checkout"] text.name')).toHaveText('Checkout');
  await expect(page.locator('g.node[data-id="checkout"]')).toHaveClass(/tier-critical/);
  await expect(page.locator('path.edge.soft')).toHaveCount(2);
  // Consumers are drawn above their providers.
  const y = async (id: string) => (await page.locator(`g.node[data-id="${id}"]`).boundingBox())!.y;
  expect(await y('frontend')).toBeLessThan(await y('checkout'));
  expect(await y('checkout')).toBeLessThan(await y('payment'));
  expect(await y('cart')).toBeLessThan(await y('redis-cart'));
  await screenshot(page, 'graph-nojs');
});

test('services table renders and sorts without JavaScript', async ({ page }) => {
  await page.goto('/services?sort=dependents');
  const rows = page.locator('table.services tbody tr');
  await expect(rows).toHaveCount(11);
  await expect(rows.first()).toHaveAttribute('data-id', 'productcatalog');
  await page.goto('/services?sort=owner');
  await expect(rows.first().locator('td').nth(1)).toHaveText('team-catalog');
  await screenshot(page, 'services-nojs');
});

test('unknown pages answer 404', async ({ request }) => {
  // Through the request API: a browser logs every 404 document as a console error.
  const response = await request.get('/no-such-page');
  expect(response.status()).toBe(404);
  expect(await response.text()).toContain('Page not found');
});
