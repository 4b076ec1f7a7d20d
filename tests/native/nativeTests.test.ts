import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BINARY = resolve(import.meta.dirname, '../../native/build/codeq_native_tests');

describe('the native library\'s own test binary (built by the set-up with CMake)', () => {
  it('passes every gradient check', () => {
    expect(existsSync(BINARY), `${BINARY} is missing: npm test runs scripts/setup.sh, which builds it`).toBe(true);
    const run = spawnSync(BINARY, { encoding: 'utf8' });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^(\d+) tests, 0 failed checks$/m);
    expect(Number(/^(\d+) tests/m.exec(run.stdout)![1])).toBeGreaterThanOrEqual(7);
  });
});
