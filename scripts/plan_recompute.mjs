#!/usr/bin/env node
// One recompute of the plan editor in the browser, when every service of the enterprise demo
// (demo/enterprise, 49 services) changes: the planner runs as WebAssembly in the editor's lazy
// chunk, and the editor times each `plan` call with performance.now() (data-recompute-ms on its
// stages preview). Starts BINARY serve on a free port with a fresh database, imports the demo
// with the CLI, saves a plan that bumps every service's minor version through the JSON API, opens
// its editor in headless Chromium and edits the bake per step back and forth. Prints the median
// and 90th percentile. Needs the release site in LEPTOS_SITE_ROOT (default target/site) and the
// Playwright of end2end/node_modules.
// Usage: node scripts/plan_recompute.mjs BINARY [RECOMPUTES]
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(path.join(root, 'end2end', 'package.json'))('@playwright/test');
const binary = path.resolve(process.argv[2] ?? 'target/release/breakwater');
const recomputes = Number(process.argv[3] ?? 30);
const PLAN = 'every-service';

const freePort = () => new Promise((resolve, reject) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  }).on('error', reject);
});

async function waitForServer(base, server) {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/api/v1/revisions`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start within a minute');
}

/** "2.31.0" -> "2.32.0": a newer version of every service. */
function bumped(version) {
  const [major, minor] = version.split('.').map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(minor)) throw new Error(`not a version: ${version}`);
  return `${major}.${minor + 1}.0`;
}

const percentile = (sorted, p) => sorted[Math.ceil(sorted.length * p) - 1];

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-recompute-'));
  const database = `sqlite://${tmp}/bench.db`;
  execFileSync(binary, ['catalog', 'import', path.join(root, 'demo/enterprise/catalog.yaml'),
    '--database', database], { stdio: ['ignore', 'ignore', 'inherit'] });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(binary, ['serve', '--no-seed', '--addr', `127.0.0.1:${port}`, '--database', database], {
    env: { ...process.env, LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? path.join(root, 'target/site'), RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let browser;
  try {
    await waitForServer(base, server);
    const catalog = await (await fetch(`${base}/api/v1/catalog`)).json();
    const changes = catalog.services.map((s) => `  - { service: ${s.id}, to_version: ${bumped(s.version)} }`);
    const saved = await fetch(`${base}/api/v1/plans`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: `plan: ${PLAN}\nchanges:\n${changes.join('\n')}\n`,
    });
    if (saved.status !== 201) throw new Error(`the plan was not saved (${saved.status}): ${await saved.text()}`);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/plans/${PLAN}/edit`);
    await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached', timeout: 60_000 }).catch((e) => {
      // Most often the site is another build's (its asset names are not this binary's).
      throw new Error(`the editor did not hydrate (${errors.join('; ') || e.message}); ` +
        'is LEPTOS_SITE_ROOT the site built with this binary?');
    });
    await page.waitForSelector('.editor-preview[data-recompute-ms]', { state: 'attached', timeout: 60_000 });
    const stages = await page.locator('.editor-preview article.stage').count();

    // Each edit changes the plan's estimate, so the summary changing says the recompute is done;
    // the next frame has the effect that publishes its time.
    const times = await page.evaluate(async (n) => {
      const bake = document.querySelector('input[name="bake"]');
      const summary = document.querySelector('.preview-summary > span');
      const preview = document.querySelector('.editor-preview');
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const times = [];
      for (let i = 0; i < n; i++) {
        const before = summary.textContent;
        bake.value = i % 2 === 0 ? '20m' : '10m';
        bake.dispatchEvent(new Event('input', { bubbles: true }));
        for (let waited = 0; summary.textContent === before; waited++) {
          if (waited > 500) throw new Error('the stages did not recompute');
          await frame();
        }
        await frame();
        times.push(Number(preview.dataset.recomputeMs));
      }
      return times;
    }, recomputes);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(`plan editor recompute in Chromium, every service of the enterprise demo ` +
      `(${catalog.services.length} changes, ${stages} stages), ${times.length} edits: ` +
      `median ${median.toFixed(2)} ms, p90 ${percentile(times, 0.9).toFixed(2)} ms ` +
      `(performance.now(); Chromium rounds it to 0.1 ms)`);
  } finally {
    await browser?.close();
    if (server.exitCode === null) {
      server.kill();
      await new Promise((r) => server.once('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
