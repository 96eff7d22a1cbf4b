import { defineConfig } from '@playwright/test';
import { BASE_URL } from './support/servers.ts';

/**
 * Browser tests: Debian's Chromium with a fake camera (test pattern) and a
 * fake microphone (beeps), against the real service started by globalSetup.
 * Run inside a network namespace that has only loopback (scripts/test.sh).
 */
export default defineConfig({
  testDir: './e2e',
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '../.tools/reports/playwright.json' }]],
  globalSetup: './support/globalSetup.ts',
  use: {
    baseURL: BASE_URL,
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--allow-loopback-in-peer-connection',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
});
