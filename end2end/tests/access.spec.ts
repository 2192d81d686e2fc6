// Accounts and roles in the browser: the first-admin link, signing in and out with a password,
// a release manager acting, a viewer seeing no controls, and every page sending someone without
// an account to the sign-in page. Each journey opens its own browser context WITHOUT the suite's
// admin token, so the server knows only what the person signs in with.
import * as fs from 'fs';
import { Page } from '@playwright/test';
import {
  test, expect, hydrated, screenshot, approvePlan, abortRun, watchConsole, contextWithoutToken, breakwaterCli,
} from './fixtures';

test.describe.configure({ mode: 'serial' });

const ADMIN_NAME = 'ada';
const ADMIN_PASSWORD = 'ada-has-a-long-passphrase';
const MANAGER = 'rita';
const MANAGER_PASSWORD = 'rita-releases-on-tuesdays';
const VIEWER = 'vic';
const VIEWER_PASSWORD = 'vic-only-looks-around';
// The demo plan the server seeds its empty database with.
const DEMO_PLAN = 'checkout-v2';

/** The first-admin link `serve` printed (playwright.config.ts sends its output to a file). */
function firstAdminPath(): string {
  const printed = fs.readFileSync(process.env.E2E_SERVER_LOG!, 'utf8');
  const link = printed.match(/Create the first admin \(this link works once\): (\S+)/);
  expect(link, `no first-admin link in:\n${printed}`).not.toBeNull();
  return new URL(link![1]).pathname;
}

/** The navigation names who is signed in, with their role. */
async function expectSignedIn(page: Page, name: string, role: string) {
  await expect(page.getByTestId('signed-in').locator('strong')).toHaveText(name);
  await expect(page.getByTestId('signed-in').locator('.role-badge')).toHaveText(role);
}

async function signIn(page: Page, name: string, password: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the first-admin link creates the admin, who lands signed in', async ({ browser, consoleErrors }) => {
  const context = await contextWithoutToken(browser);
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  const setup = firstAdminPath();
  await page.goto(setup);
  await hydrated(page);
  await expect(page.locator('h1')).toHaveText('Create the first admin account');
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'setup');

  // A name the server refuses comes back with why, and the link still works.
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Create the admin and sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${setup}\\?error=`));
  await expect(page.getByRole('alert')).toContainText('Ada Lovelace');

  await page.getByLabel('Name').fill(ADMIN_NAME);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Create the admin and sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expectSignedIn(page, ADMIN_NAME, 'admin');
  await expect(page.locator('.import-panel')).toBeVisible();

  // The link worked once (the request says where it comes from, as a browser's form post does).
  const again = await page.request.post('/setup', {
    form: { secret: setup.split('/').pop()!, name: 'eve', password: 'eve-wants-to-be-admin' },
    headers: { origin: new URL(page.url()).origin },
    maxRedirects: 0,
  });
  expect(again.status()).toBe(410);
  await context.close();
});

test('a release manager added with the CLI signs in, acts, and finds it in the audit trail', async ({ browser, consoleErrors }) => {
  breakwaterCli(['user', 'add', MANAGER, '--role', 'release-manager', '--password-stdin'], `${MANAGER_PASSWORD}\n`);
  breakwaterCli(['user', 'add', VIEWER, '--role', 'viewer', '--password-stdin'], `${VIEWER_PASSWORD}\n`);

  const context = await contextWithoutToken(browser);
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  // The admin signs out; the form works like any other post.
  await page.goto('/login');
  await signIn(page, ADMIN_NAME, ADMIN_PASSWORD);
  await expectSignedIn(page, ADMIN_NAME, 'admin');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  // A page asked for without an account comes back after signing in.
  await page.goto(`/plans/${DEMO_PLAN}`);
  await expect(page).toHaveURL(new RegExp(`/login\\?next=%2Fplans%2F${DEMO_PLAN}$`));
  await hydrated(page);
  await signIn(page, MANAGER, 'not-her-password');
  await expect(page.getByRole('alert')).toHaveText('wrong name or password');
  await screenshot(page, 'login');
  await signIn(page, MANAGER, MANAGER_PASSWORD);
  await expect(page).toHaveURL(new RegExp(`/plans/${DEMO_PLAN}$`));
  await hydrated(page);
  await expectSignedIn(page, MANAGER, 'release manager');

  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.locator('.plan-state')).toHaveText('in review');
  await page.getByRole('button', { name: 'Back to draft' }).click();
  await expect(page.locator('.plan-state')).toHaveText('draft');

  // A status link for stakeholders: opened without an account, read-only, then revoked.
  await page.getByRole('button', { name: 'Create a status link' }).click();
  const address = await page.getByLabel('New status link').inputValue();
  expect(address).toMatch(/\/status\/st_[A-Za-z0-9_-]{43}$/);
  const stakeholder = await contextWithoutToken(browser);
  const status = await stakeholder.newPage();
  watchConsole(status, consoleErrors);
  await status.goto(address);
  await hydrated(status);
  await expect(status.locator('h1')).toHaveText(`Rollout status: ${DEMO_PLAN}`);
  await expect(status.locator('.status-light')).toContainText('Draft: not submitted for review yet');
  await expect(status.locator('.status-stage')).not.toHaveCount(0);
  await expect(status.locator('button, form, nav, a')).toHaveCount(0);
  await screenshot(status, 'status');
  // It follows the rollout by itself: the plan goes into review and the page says so.
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.locator('.plan-state')).toHaveText('in review');
  await expect(status.locator('.status-light')).toContainText('In review: not approved yet', { timeout: 25_000 });
  await page.getByRole('button', { name: 'Back to draft' }).click();
  await expect(page.locator('.plan-state')).toHaveText('draft');
  await status.close();
  await expect(page.locator('.share-table tbody tr')).toHaveCount(1);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator('.share-table tbody tr')).toContainText(`revoked`);
  const gone = await stakeholder.request.get(address);
  expect(gone.status()).toBe(410);
  expect(await gone.text()).toContain('This status link no longer works');
  await stakeholder.close();

  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await hydrated(page);
  await page.getByLabel('Actor').fill(MANAGER);
  await page.getByLabel('Kind').fill('plan.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?actor=${MANAGER}&kind=plan.`));
  const rows = page.locator('table.audit tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.first()).toHaveAttribute('data-kind', 'plan.review');
  await expect(rows.first()).toContainText('session');
  // The people the CLI added are there too.
  await page.getByRole('link', { name: 'Clear' }).click();
  for (const name of [MANAGER, VIEWER]) {
    const added = page.locator('table.audit tbody tr[data-kind="user.add"]').filter({ hasText: name });
    await expect(added).toHaveCount(1);
    await expect(added).toContainText('cli');
  }
  await screenshot(page, 'audit');
  await context.close();
});

test('a viewer sees no controls on the plan, run, calendar and graph pages', async ({ browser, request, consoleErrors }) => {
  // A run to look at (pending: it changes nothing), created with the suite's admin token.
  const plan = 'viewer-looks';
  await approvePlan(request, `plan: ${plan}
title: A run the viewer looks at
policy: { steps: [100], bake: 10m, regions: [eu-west-1] }
changes:
  - { service: shipping, to_version: 0.11.0 }
`);
  const created = await request.post('/api/v1/runs', { data: { plan } });
  expect(created.status(), await created.text()).toBe(201);
  const run = await created.json();

  const context = await contextWithoutToken(browser);
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  await page.goto('/login');
  await signIn(page, VIEWER, VIEWER_PASSWORD);
  await expectSignedIn(page, VIEWER, 'viewer');
  await hydrated(page);
  await expect(page.locator('svg.graph')).toBeVisible();
  await expect(page.locator('.import-panel')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Audit' })).toHaveCount(0);

  const noButtons = async (names: RegExp) =>
    expect(page.locator('main').getByRole('button', { name: names })).toHaveCount(0);

  await page.goto('/plans');
  await hydrated(page);
  await expect(page.locator(`tr[data-plan="${plan}"]`)).toBeVisible();
  await expect(page.getByRole('link', { name: 'New plan' })).toHaveCount(0);

  await page.goto(`/plans/${plan}`);
  await hydrated(page);
  await expect(page.locator('.plan-state')).toHaveText('approved');
  await expect(page.locator('.state-form')).toHaveCount(0);
  await expect(page.locator('.start-run')).toHaveCount(0);
  await expect(page.locator('.plan-links').getByRole('link', { name: 'Edit' })).toHaveCount(0);
  await noButtons(/review|approve|draft|run/i);

  await page.goto(`/plans/${DEMO_PLAN}/review`);
  await hydrated(page);
  await expect(page.locator('li.checklist-item.open').first()).toBeVisible();
  await expect(page.locator('.ack-form')).toHaveCount(0);

  await page.goto(`/runs/${run.id}`);
  await hydrated(page);
  await expect(page.locator('.run-status')).toHaveText('pending');
  await expect(page.locator('.run-controls')).toHaveCount(0);
  await expect(page.getByTestId('break-glass')).toHaveCount(0);
  await expect(page.locator('.fault-panel')).toHaveCount(0);
  await noButtons(/start|pause|abort|roll|override|inject/i);

  await page.goto('/runs');
  await hydrated(page);
  await expect(page.locator(`tr[data-run="${run.id}"]`)).toBeVisible();
  await expect(page.locator('.stop-all')).toHaveCount(0);

  await page.goto('/calendar');
  await hydrated(page);
  await expect(page.getByTestId('calendar-title')).toBeVisible();
  await expect(page.getByTestId('rule-form')).toHaveCount(0);
  await expect(page.getByTestId('rule-edit')).toHaveCount(0);
  await expect(page.getByTestId('rule-delete')).toHaveCount(0);
  await screenshot(page, 'calendar-viewer');
  await context.close();
  await abortRun(request, run.id, 'the viewer has seen it');
});

test('without an account every page sends to the sign-in page', async ({ browser, consoleErrors }) => {
  const context = await contextWithoutToken(browser);
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  for (const path of ['/', '/plans', '/runs/1', '/calendar', '/audit']) {
    await page.goto(path);
    await expect(page).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(path)}$`));
    await expect(page.getByRole('heading', { name: 'Sign in to Breakwater' })).toBeVisible();
  }
  // The JSON API answers scripts with 401, not a page.
  const api = await page.request.get('/api/v1/plans');
  expect(api.status()).toBe(401);
  await context.close();
});
