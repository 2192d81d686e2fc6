// The cadence calendar: the demo plan's schedule and the rule bands on the week grid, a freeze
// added in the rule editor moving the stages after it, the iCalendar feed read by a real parser
// (ical.js), the page without JavaScript, and the emergency stop on the run list. Every calendar
// is written relative to today (through the JSON API), so nothing depends on the day it runs;
// the grid is drawn in UTC so the times written are the times shown.
import { test, expect, hydrated, screenshot, approvePlan, abortRun, ADMIN } from './fixtures';
import { APIRequestContext, Page } from '@playwright/test';
import ICAL from 'ical.js';

test.describe.configure({ mode: 'serial' });

const DEMO_PLAN = 'checkout-v2';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `2026-12-14T09:00` (UTC) for a moment, to the minute. */
const local = (at: number) => new Date(at).toISOString().slice(0, 16);
const date = (at: number) => new Date(at).toISOString().slice(0, 10);

async function putCalendar(request: APIRequestContext, yaml: string) {
  const saved = await request.put('/api/v1/calendar', {
    data: yaml,
    headers: { 'content-type': 'application/yaml' },
  });
  expect(saved.status(), await saved.text()).toBe(200);
  return (await saved.json()).revision as number;
}

type Block = { stage: number; start: number; end: number };

/** The demo plan's stage blocks on the page, in stage order. */
async function demoBlocks(page: Page): Promise<Block[]> {
  const blocks = page.locator(`[data-testid="stage-block"][data-plan="${DEMO_PLAN}"]`);
  const all = await blocks.evaluateAll((els) => els.map((el) => ({
    stage: Number(el.getAttribute('data-stage')),
    start: Number(el.getAttribute('data-start')),
    end: Number(el.getAttribute('data-end')),
  })));
  // A block crossing midnight shows in both days' columns.
  const unique = new Map(all.map((b) => [b.stage, b]));
  return [...unique.values()].sort((a, b) => a.stage - b.stage);
}

test.afterAll(async ({ request }) => {
  await putCalendar(request, 'rules: []\n');
});

test('the week shows the demo plan as stage blocks and a freeze as a hatched band', async ({ page, request }) => {
  const now = Date.now();
  // A freeze two hours long, later today or (near midnight) within the next day; it lies ahead
  // of the first stage, which starts now on an open calendar.
  let freezeStart = Math.floor(now / HOUR) * HOUR + 2 * HOUR;
  // Within one day, so the week draws it as one band.
  if (new Date(freezeStart).getUTCHours() >= 22) freezeStart += 3 * HOUR;
  await putCalendar(request, `timezone: UTC
rules:
  - { name: e2e-freeze, kind: freeze, start: "${local(freezeStart)}", end: "${local(freezeStart + 2 * HOUR)}", teams: [team-nobody] }
`);
  await page.goto(`/calendar?span=week&zone=UTC&at=${date(now)}`);
  await hydrated(page);
  await expect(page.getByTestId('calendar-week')).toBeVisible();
  const first = page.locator(`[data-testid="stage-block"][data-plan="${DEMO_PLAN}"][data-stage="1"]`).first();
  await expect(first).toBeVisible();
  await expect(first).toContainText(`${DEMO_PLAN} · stage 1 ·`);
  await expect(first).toHaveAttribute('href', `/plans/${DEMO_PLAN}#stage-1`);
  // The first stage starts now (the calendar is open for the plan's teams).
  const blocks = await demoBlocks(page);
  expect(Math.abs(blocks[0].start - now)).toBeLessThan(10 * 60_000);
  await expect(page.getByTestId('now-line')).toHaveCount(1);
  await expect(page.getByTestId('evaluation-mark').first()).toBeAttached();

  await page.goto(`/calendar?span=week&zone=UTC&at=${date(freezeStart)}`);
  const freeze = page.locator('[data-testid="rule-band"][data-rule="e2e-freeze"]');
  await expect(freeze).toHaveCount(1);
  await expect(freeze).toHaveAttribute('data-kind', 'freeze');
  await expect(freeze).toHaveAttribute('title', /freeze · teams team-nobody/);
  // Hatched: the band's background is a repeating gradient.
  expect(await freeze.evaluate((el) => getComputedStyle(el).backgroundImage)).toContain('repeating-linear-gradient');
  await expect(page.locator('[data-testid="rule-row"][data-rule="e2e-freeze"]')).toContainText('freeze');
  await screenshot(page, 'calendar-week');

  await page.getByTestId('calendar-month-link').click();
  await expect(page.getByTestId('calendar-month')).toBeVisible();
  await expect(page.locator(`.cal-cell.frozen[data-date="${date(freezeStart)}"]`)).toHaveCount(1);
  await screenshot(page, 'calendar-month');
});

test('a freeze added in the rule editor moves the stages after it', async ({ page, request }) => {
  const revision = await putCalendar(request, 'timezone: UTC\nrules: []\n');
  const now = Date.now();
  await page.goto(`/calendar?span=week&zone=UTC&at=${date(now)}`);
  await hydrated(page);
  await expect(page.getByTestId('calendar-revision')).toContainText(`revision ${revision}`);
  const before = await demoBlocks(page);
  expect(before.length).toBeGreaterThan(0);
  expect(before[0].stage).toBe(1);

  const form = page.getByTestId('rule-form');
  // A bad recurrence first: the message stands beside its field and nothing is saved.
  await form.getByTestId('rule-name').fill('e2e-bad');
  await form.getByTestId('rule-kind').selectOption('activation');
  await form.getByTestId('rule-rrule').fill('FREQ=SOMETIMES');
  await form.getByTestId('rule-duration').fill('1h');
  await form.getByTestId('rule-save').click();
  await expect(form.getByTestId('problem-rrule')).toBeVisible();
  await expect(page.getByTestId('calendar-revision')).toContainText(`revision ${revision}`);
  await screenshot(page, 'calendar-rule-problem');

  // The freeze covers the first stage's start and three hours after it.
  const freezeStart = Math.floor(now / 60_000) * 60_000 - HOUR;
  const freezeEnd = Math.ceil((before[0].start + 3 * HOUR) / 60_000) * 60_000;
  await form.getByTestId('rule-name').fill('e2e-ui-freeze');
  await form.getByTestId('rule-kind').selectOption('freeze');
  await form.getByTestId('rule-rrule').fill('');
  await form.getByTestId('rule-duration').fill('');
  await form.getByTestId('rule-start').fill(local(freezeStart));
  await form.getByTestId('rule-end').fill(local(freezeEnd));
  await form.getByTestId('rule-timezone').fill('UTC');
  await form.getByTestId('rule-save').click();
  // Saved as the next revision; the page fetched its view again, without a reload.
  await expect(page.getByTestId('calendar-revision')).toContainText(`revision ${revision + 1}`);
  await expect(page.locator('[data-testid="rule-row"][data-rule="e2e-ui-freeze"]')).toContainText('freeze');
  await expect(page.locator('[data-testid="rule-band"][data-rule="e2e-ui-freeze"]').first()).toBeAttached();

  // The stages, in the week the freeze ends, now start after it, in order.
  await page.goto(`/calendar?span=week&zone=UTC&at=${date(freezeEnd)}`);
  const after = await demoBlocks(page);
  expect(after.length).toBeGreaterThan(0);
  expect(after[0].stage).toBe(1);
  expect(after[0].start).toBeGreaterThanOrEqual(freezeEnd);
  expect(after[0].start).toBeGreaterThan(before[0].start);
  for (let i = 1; i < after.length; i++) {
    expect(after[i].start).toBeGreaterThanOrEqual(after[i - 1].end);
  }
  await screenshot(page, 'calendar-after-freeze');

  // Editing the rule replaces it (a new revision, the same name).
  await hydrated(page);
  const row = page.locator('[data-testid="rule-row"][data-rule="e2e-ui-freeze"]');
  await row.getByTestId('rule-edit').click();
  await expect(form.locator('h3')).toHaveText('Edit rule “e2e-ui-freeze”');
  await expect(form.getByTestId('rule-start')).toHaveValue(local(freezeStart));
  await form.getByTestId('rule-end').fill(local(freezeEnd + HOUR));
  await form.getByTestId('rule-save').click();
  await expect(page.getByTestId('calendar-revision')).toContainText(`revision ${revision + 2}`);
  await expect(row).toContainText(local(freezeEnd + HOUR));
  await expect(page.getByTestId('rule-row')).toHaveCount(1);

  // Deleting the rule gives the time back.
  await row.getByTestId('rule-delete').click();
  await expect(page.getByTestId('calendar-revision')).toContainText(`revision ${revision + 3}`);
  await expect(page.getByTestId('no-rules')).toBeVisible();
});

test('the iCalendar feed parses, has one event per scheduled stage and stable UIDs', async ({ request }) => {
  const now = Date.now();
  await putCalendar(request, `timezone: UTC
rules:
  - { name: e2e-feed-freeze, kind: freeze, start: "${local(now + 20 * DAY)}", end: "${local(now + 21 * DAY)}" }
`);
  const download = async () => {
    const response = await request.get('/api/v1/calendar.ics');
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/calendar');
    const calendar = new ICAL.Component(ICAL.parse(await response.text()));
    expect(calendar.name).toBe('vcalendar');
    return calendar.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent));
  };
  const first = await download();
  const second = await download();

  const schedule = await (await request.get('/api/v1/calendar/schedule')).json();
  const stages = schedule.plans.flatMap((p: { plan: string; stages: { stage: number }[] }) =>
    p.stages.map((s) => `stage-${p.plan}-${s.stage}@breakwater`));
  expect(stages.length).toBeGreaterThan(0);
  const stageEvents = first.filter((e) => e.uid.startsWith('stage-'));
  expect(stageEvents.map((e) => e.uid).sort()).toEqual([...stages].sort());
  const demo = stageEvents.find((e) => e.uid === `stage-${DEMO_PLAN}-1@breakwater`)!;
  expect(demo.summary).toContain(`${DEMO_PLAN} stage 1`);
  expect(demo.endDate.toJSDate().getTime()).toBeGreaterThan(demo.startDate.toJSDate().getTime());
  const freezes = first.filter((e) => e.uid.startsWith('freeze-'));
  expect(freezes.map((e) => e.summary)).toEqual(['Freeze: e2e-feed-freeze']);
  // Calendar clients update events by UID instead of adding copies.
  expect(second.map((e) => e.uid).sort()).toEqual(first.map((e) => e.uid).sort());
  expect(new Set(first.map((e) => e.uid)).size).toBe(first.length);

  const planFeed = await request.get(`/api/v1/plans/${DEMO_PLAN}/calendar.ics`);
  expect(planFeed.status()).toBe(200);
  const planEvents = new ICAL.Component(ICAL.parse(await planFeed.text())).getAllSubcomponents('vevent')
    .map((vevent) => new ICAL.Event(vevent).uid).filter((uid) => uid.startsWith('stage-'));
  expect(planEvents.sort()).toEqual(stages.filter((uid: string) => uid.startsWith(`stage-${DEMO_PLAN}-`)).sort());
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('weeks, months and zones are plain links and a GET form', async ({ page, request }) => {
    await putCalendar(request, `timezone: Europe/Berlin
rules:
  - { name: us-days, kind: activation, rrule: "FREQ=DAILY;BYHOUR=0", duration: 24h, timezone: America/New_York, regions: [us-east-1] }
`);
    await page.goto('/calendar');
    await expect(page.getByTestId('calendar-week')).toHaveAttribute('data-zone', 'Europe/Berlin');
    await expect(page.getByTestId('calendar-title')).toContainText('Week of');
    await expect(page.locator('.cal-day')).toHaveCount(7);
    await expect(page.locator(`[data-testid="stage-block"][data-plan="${DEMO_PLAN}"]`).first()).toBeAttached();
    await expect(page.locator('[data-testid="rule-band"][data-rule="us-days"]').first()).toBeAttached();

    const title = await page.getByTestId('calendar-title').textContent();
    await page.getByTestId('calendar-next').click();
    await expect(page).toHaveURL(/span=week&at=\d{4}-\d{2}-\d{2}/);
    await expect(page.getByTestId('calendar-title')).not.toHaveText(title!);
    await page.getByTestId('calendar-month-link').click();
    await expect(page).toHaveURL(/span=month/);
    await expect(page.getByTestId('calendar-month')).toBeVisible();
    await expect(page.locator('.cal-cell').first()).toBeVisible();

    await page.getByTestId('zone-select').selectOption('America/New_York');
    await page.getByTestId('zone-form').getByRole('button', { name: 'Show' }).click();
    await expect(page).toHaveURL(/zone=America%2FNew_York|zone=America\/New_York/);
    await expect(page.getByTestId('calendar-month')).toHaveAttribute('data-zone', 'America/New_York');
    await expect(page.getByTestId('calendar-month-link')).toHaveAttribute('aria-current', 'page');
    await page.getByTestId('calendar-today').click();
    await expect(page.getByTestId('calendar-month')).toHaveAttribute('data-zone', 'America/New_York');
    // Days are as long as they are in the zone shown: Berlin's clocks go back on 25 October 2026
    // and forward on 29 March 2026.
    await page.goto('/calendar?span=week&at=2026-10-25&zone=Europe/Berlin');
    await expect(page.locator('.cal-day[data-date="2026-10-25"] .cal-day-body')).toHaveAttribute('data-hours', '25');
    await expect(page.locator('.cal-day[data-date="2026-10-24"] .cal-day-body')).toHaveAttribute('data-hours', '24');
    await page.goto('/calendar?span=week&at=2026-03-29&zone=Europe/Berlin');
    await expect(page.locator('.cal-day[data-date="2026-03-29"] .cal-day-body')).toHaveAttribute('data-hours', '23');
    await page.goto('/calendar?span=month&zone=America/New_York');
    // The editor says it needs JavaScript rather than doing nothing.
    await expect(page.getByTestId('rule-form')).toContainText('Editing rules needs JavaScript');
    await screenshot(page, 'calendar-month-nojs');
  });
});

test('a run held by a freeze waits visibly, stops with the rest and goes on with break-glass', async ({ page, request }) => {
  await putCalendar(request, 'rules: []\n');
  const plan = 'calendar-hold';
  // Two steps that bake 3 s: the freeze catches the second.
  await approvePlan(request, `plan: ${plan}
title: Held by a freeze
policy:
  steps: [50, 100]
  bake: 3s
  regions: [eu-west-1]
  gates:
    - { signal: error_rate, max: 5, min_samples: 5, downstream: false }
changes:
  - { service: shipping, to_version: 0.12.0 }
`);
  const created = await request.post('/api/v1/runs', { data: { plan } });
  expect(created.status(), await created.text()).toBe(201);
  const run = await created.json();
  const started = await request.post(`/api/v1/runs/${run.id}/actions`, {
    data: { command: 'start', expected_revision: run.revision, idempotency_key: `hold-${run.id}`, reason: 'the calendar journey' },
  });
  expect(started.status(), await started.text()).toBe(200);
  const now = Date.now();
  await putCalendar(request, `timezone: UTC
rules:
  - { name: e2e-hold, kind: freeze, start: "${local(now - HOUR)}", end: "${local(now + DAY)}" }
`);

  // The executor reaches the second step and the freeze holds it: the page says so.
  await page.goto(`/runs/${run.id}`);
  await hydrated(page);
  const waiting = page.getByTestId('calendar-waiting');
  await expect(waiting).toContainText('Waiting for the calendar', { timeout: 20_000 });
  await expect(waiting).toContainText('e2e-hold');
  await expect(waiting.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/);
  await expect(page.locator('li.event[data-kind="window_closed"]')).toContainText('held by the calendar until');
  await screenshot(page, 'run-waiting-banner');

  // The run list marks it, and the emergency stop pauses it with every other running run.
  await page.goto('/runs');
  await hydrated(page);
  const row = page.locator(`table.runs tr[data-run="${run.id}"]`);
  await expect(row.getByTestId('badge-waiting')).toBeVisible();
  const stop = page.getByTestId('stop-all');
  await expect(stop.getByTestId('stop-all-submit')).toBeDisabled();
  await stop.getByTestId('stop-all-reason').fill('e2e: payments failing everywhere');
  await stop.getByTestId('stop-all-submit').click();
  await expect(stop.getByTestId('stop-all-outcome')).toContainText(`#${run.id}`);
  await expect(row).toHaveAttribute('data-status', 'paused');
  await screenshot(page, 'runs-stop-all');

  // Break-glass on the run page: recorded, shown, and the run may act in the freeze.
  await page.goto(`/runs/${run.id}`);
  await hydrated(page);
  await expect(page.locator('li.event').first()).toContainText('emergency stop: e2e: payments failing everywhere');
  await page.getByTestId('break-glass').locator('summary').click();
  await expect(page.getByTestId('override-submit')).toBeDisabled();
  await page.getByTestId('override-reason').fill('e2e: the fix must go out tonight');
  await page.getByTestId('override-hours').fill('2');
  await page.getByTestId('override-submit').click();
  const banner = page.getByTestId('calendar-override');
  await expect(banner).toContainText(`Break-glass override by ${ADMIN}`);
  await expect(banner).toContainText('e2e: the fix must go out tonight');
  await expect(banner).toHaveAttribute('data-state', 'in force');
  await expect(page.locator('li.event[data-kind="calendar_overridden"]')).toContainText('break-glass');
  await screenshot(page, 'run-override-banner');

  await abortRun(request, run.id, 'end of the journey');
});
