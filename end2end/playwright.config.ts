import { defineConfig } from '@playwright/test';
import * as path from 'path';

// The suite starts its own server on its own port with a fresh database (scripts/test.sh picks a
// free port; 3000/3001 are sometimes taken on shared machines).
const port = Number(process.env.E2E_PORT ?? 3917);
const root = path.resolve(__dirname, '..');
const db = path.join(__dirname, 'test-results', 'e2e.db');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // The import journeys change the catalog: run the specs one after another.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1920, height: 1080 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: `mkdir -p test-results && rm -f ${db} ${db}-wal ${db}-shm && ` +
      `exec ${root}/target/debug/breakwater serve --addr 127.0.0.1:${port} --database sqlite://${db} ` +
      // The traffic simulator and a fast executor, for the run journeys (runs.*.spec.ts).
      `--simulate --evaluate-every-ms 500`,
    cwd: __dirname,
    env: { LEPTOS_SITE_ROOT: `${root}/target/site`, RUST_LOG: 'warn' },
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
