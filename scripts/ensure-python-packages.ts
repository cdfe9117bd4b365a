/**
 * Makes sure Debian's Python can run notifications-python-client's own integration test
 * (test/third-party/notifications-python-client): /usr/bin/python3 with the modules the client
 * and the test import (requests, jwt, jsonschema), from Debian's packages only (never pip).
 * Runs before `npm test`, and from that suite's test when run on its own. Installs the missing
 * packages with apt-get when running as root; otherwise says how. Never fails `npm test` itself:
 * without the packages that one test skips and says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';
const APT_GET = '/usr/bin/apt-get';
/** Each module the vendored code imports, and the Debian package that provides it. */
const MODULES: Record<string, string> = { requests: 'python3-requests', jwt: 'python3-jwt', jsonschema: 'python3-jsonschema' };

export type PythonReadiness = { ready: true } | { ready: false; reason: string };

function findMissingPackages(): string[] {
  return Object.entries(MODULES)
    .filter(([module]) => spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status !== 0)
    .map(([, debianPackage]) => debianPackage);
}

/** Installs what is missing when it can; says why not when it cannot. */
export function ensurePythonPackages(options: { log?: (line: string) => void } = {}): PythonReadiness {
  const log = options.log ?? (() => {});
  if (!existsSync(PYTHON)) {
    return { ready: false, reason: `${PYTHON} is missing: install python3 ${Object.values(MODULES).join(' ')} with apt-get` };
  }
  const missing = findMissingPackages();
  if (missing.length === 0) return { ready: true };
  const install = ['update', `install -y ${missing.join(' ')}`];
  if (!existsSync(APT_GET)) return { ready: false, reason: `Debian's ${missing.join(' ')} are missing and there is no apt-get to install them` };
  if (process.getuid?.() !== 0) return { ready: false, reason: `Debian's ${missing.join(' ')} are missing: install them with \`${install.map((step) => `sudo apt-get ${step}`).join(' && ')}\`` };
  log(`Installing Debian's ${missing.join(' ')} for the notifications-python-client suite.`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync(APT_GET, ['update'], { stdio: 'pipe', env });
    execFileSync(APT_GET, ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'pipe', env });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? String(error);
    return { ready: false, reason: `\`${install.map((step) => `apt-get ${step}`).join(' && ')}\` failed: ${stderr.split('\n').slice(-3).join(' ')}` };
  }
  const stillMissing = findMissingPackages();
  if (stillMissing.length > 0) return { ready: false, reason: `apt-get ran but ${stillMissing.join(' ')} still cannot be imported by ${PYTHON}` };
  return { ready: true };
}

if (import.meta.main) {
  const readiness = ensurePythonPackages({ log: (line) => console.log(line) });
  if (!readiness.ready) console.warn(`The notifications-python-client suite will be skipped: ${readiness.reason}.`);
}
