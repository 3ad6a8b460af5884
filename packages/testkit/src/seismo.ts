import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../../../', import.meta.url).pathname;

/**
 * The Python of the venv tools/seismo-tools.sh installs (libmseed 3 as pymseed, and ObsPy),
 * the independent implementations the seismology tests check the platform against.
 * `./dev test` installs it; a missing venv fails the test, never skips it.
 */
export function seismoPython(): string {
  const python = execFileSync(`${root}tools/seismo-tools.sh`, ['python'], { encoding: 'utf8' }).trim();
  if (!existsSync(python)) throw new Error(`${python} is missing: run tools/seismo-tools.sh install (./dev test does)`);
  return python;
}
