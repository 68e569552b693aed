// Debian's Chromium for the UI tests, driven by playwright-core, with the flags this machine
// needs (no sandbox as root, no background networking: only loopback is ever contacted).
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the tests keep their screenshots (`test-artifacts/`, not committed). */
export const artifactsDir = new URL('../../test-artifacts/', import.meta.url).pathname;

export function launchChromium(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
