import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, config } from '../helpers/host.js';

const BINARY = resolve(import.meta.dirname, '../../native/build/codeq_native_tests');
// The default model, which npm test's set-up pulls: the reader must dequantize a real Q4_K_M file.
const MODEL = join(cacheDir, 'models', config.models.catalog[config.models.default]!.file);

describe('the native library\'s own test binary (built by the set-up with CMake)', () => {
  it('passes every gradient check and reads every GGUF tensor type, the default model included', () => {
    expect(existsSync(BINARY), `${BINARY} is missing: npm test runs scripts/setup.sh, which builds it`).toBe(true);
    expect(existsSync(MODEL), `${MODEL} is missing: npm test's set-up pulls it`).toBe(true);
    const run = spawnSync(BINARY, { encoding: 'utf8', env: { ...process.env, CODEQ_TEST_MODEL: MODEL } });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^(\d+) tests, 0 failed checks$/m);
    expect(run.stdout).not.toContain('skipped');
    expect(Number(/^(\d+) tests/m.exec(run.stdout)![1])).toBeGreaterThanOrEqual(24);
  });
});
