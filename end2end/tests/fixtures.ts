import { test as base, expect, APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Collects `page`'s console errors and uncaught errors into `errors`. */
export function watchConsole(page: Page, errors: string[]) {
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
}

/**
 * Every test fails on any browser console error or uncaught page error: of `page`, and of pages
 * a test opens in contexts of its own when it passes them to `watchConsole` with this array.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [async ({ page }, use) => {
    const errors: string[] = [];
    watchConsole(page, errors);
    await use(errors);
    expect(errors, 'browser console errors').toEqual([]);
  }, { auto: true }],
});
export { expect };

/** Waits until the WebAssembly app has hydrated (the app marks <body> from an effect). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export async function screenshot(page: Page, name: string) {
  const dir = path.join(__dirname, '..', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Who the suite's requests act as: the admin token playwright.config.ts creates, by its name. */
export const ADMIN = 'e2e';

/**
 * A browser context without the suite's admin token (playwright.config.ts sends it with every
 * request of the contexts Playwright makes): someone who has only what they sign in with.
 */
export async function contextWithoutToken(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ extraHTTPHeaders: {} });
}

/** Runs the `breakwater` command line against the suite's database; `input` goes to stdin. */
export function breakwaterCli(args: string[], input?: string): string {
  return execFileSync(path.join(repoRoot, 'target', 'debug', 'breakwater'),
    [...args, '--database', `sqlite://${process.env.E2E_DATABASE}`], { input, encoding: 'utf8' });
}

/**
 * Opens /contracts once the current revision's matrix is there (an import computes it before it
 * answers, but a restarted server computes a missing one in the background and the page says so
 * meanwhile), then waits for hydration.
 */
export async function contractsPage(page: Page) {
  await expect(async () => {
    await page.goto('/contracts');
    await expect(page.locator('table.matrix')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(page);
}

/** Saves a plan (YAML) through the JSON API and moves it through review to approved. */
export async function approvePlan(request: APIRequestContext, yaml: string) {
  const saved = await request.post('/api/v1/plans', {
    data: yaml,
    headers: { 'content-type': 'application/yaml' },
  });
  expect(saved.status(), await saved.text()).toBe(201);
  const { name, revision } = (await saved.json()).saved;
  for (const state of ['in_review', 'approved']) {
    const moved = await request.post(`/api/v1/plans/${name}/state`, { data: { state, revision } });
    expect(moved.status(), await moved.text()).toBe(200);
  }
}

/// Aborts run `id` at the end of a journey. The executor may move the run between reading its
/// revision and acting (a step baked, a gate failed): then it reads the revision again.
export async function abortRun(request: APIRequestContext, id: number, reason: string) {
  let aborted;
  for (let attempt = 0; attempt < 5; attempt++) {
    const revision = (await (await request.get(`/api/v1/runs/${id}`)).json()).summary.revision;
    aborted = await request.post(`/api/v1/runs/${id}/actions`, {
      data: { command: 'abort', expected_revision: revision, idempotency_key: `abort-${id}-${revision}`, reason },
    });
    if (aborted.status() !== 409) break;
  }
  expect(aborted!.status(), await aborted!.text()).toBe(200);
}
