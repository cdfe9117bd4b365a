/**
 * Makes sure the browser the browser tests drive is installed: Debian's Chromium at
 * /usr/bin/chromium. Runs before `npm test`. Installs it when running as root; otherwise says how.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) {
    console.error(`${CHROMIUM} is missing: install it with \`sudo apt-get update && sudo apt-get install -y chromium\`.`);
    process.exit(1);
  }
  console.log(`${CHROMIUM} is missing: installing Debian's chromium package.`);
  // execFileSync throws when apt-get fails, so `npm test` stops with apt-get's own error.
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(CHROMIUM)) {
    console.error(`apt-get installed chromium but ${CHROMIUM} is still missing.`);
    process.exit(1);
  }
}
