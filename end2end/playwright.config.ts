import { defineConfig } from '@playwright/test';
import * as crypto from 'crypto';
import * as path from 'path';

// The suite starts its own server on its own port with a fresh database (scripts/test.sh picks a
// free port; 3000/3001 are sometimes taken on shared machines).
const port = Number(process.env.E2E_PORT ?? 3917);
const root = path.resolve(__dirname, '..');
const db = path.join(__dirname, 'test-results', 'e2e.db');
// What `serve` prints: the first-admin link among it (access.spec.ts reads it).
const serverLog = path.join(__dirname, 'test-results', 'server.log');
// An admin API token, created before the server starts: every spec acts as this admin (the
// token's name, `e2e`, is who the server records). Workers load this file again, so the token
// is made once and passed on in the environment they inherit.
process.env.E2E_ADMIN_TOKEN ??= 'bw_' + crypto.randomBytes(32).toString('base64url');
process.env.E2E_DATABASE = db;
process.env.E2E_SERVER_LOG = serverLog;
const token = process.env.E2E_ADMIN_TOKEN;
const breakwater = `${root}/target/debug/breakwater`;

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
    // Pages, server functions and the JSON API alike (a token is not a cookie: no CSRF check).
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
    viewport: { width: 1920, height: 1080 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: `mkdir -p test-results && rm -f ${db} ${db}-wal ${db}-shm && ` +
      `echo ${token} | ${breakwater} token create --name e2e --role admin --secret-stdin ` +
      `--database sqlite://${db} > /dev/null && ` +
      `exec ${breakwater} serve --addr 127.0.0.1:${port} --database sqlite://${db} ` +
      // The traffic simulator and a fast executor, for the run journeys (runs.*.spec.ts).
      `--simulate --evaluate-every-ms 500 > ${serverLog}`,
    cwd: __dirname,
    env: { LEPTOS_SITE_ROOT: `${root}/target/site`, RUST_LOG: 'warn' },
    // The sign-in page: the only page that answers 200 without an account.
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
