import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VERDICTS } from '../../src/sandbox/types.js';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'codeq-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeq(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), ...args], { encoding: 'utf8', cwd: dir });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('codeq CLI', () => {
  it.each([[], ['sandbox'], ['sandbox', 'run'], ['sandbox', 'build-image'], ['data'], ['data', 'prepare'], ['verify'], ['model'], ['model', 'pull'], ['model', 'tiny'], ['model', 'inspect'], ['repair'], ['search'], ['collect'], ['pairs'], ['config'], ['config', 'check'], ['config', 'schema'], ['demo'], ['up'], ['down'], ['status'], ['worker'], ['experiment'], ['experiment', 'start'], ['experiment', 'budgets'], ['schedule'], ['schedule', 'create']])(
    'codeq %s --help',
    (...command) => {
      const run = codeq(...command, '--help');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`Usage: codeq${command.length ? ` ${command.join(' ')}` : ''}`);
    },
  );

  it('sandbox run --json prints one result object', () => {
    const program = file('sum.py', 'a, b = map(int, input().split())\nprint(a + b)\n');
    const stdin = file('sum.in', '20 22\n');
    const expected = file('sum.out', '42\n');
    for (const backend of ['bwrap', 'docker']) {
      const run = codeq('sandbox', 'run', '--language', 'python3', '--file', program, '--stdin', stdin, '--expected', expected, '--backend', backend, '--json');
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ verdict: 'pass', exitCode: 0, stdout: '42\n', backend });
      expect(VERDICTS).toContain(result.verdict);
    }
  });

  it('sandbox run applies --timeout-ms and --memory-mb', () => {
    const sleeper = file('sleep.py', 'import time\ntime.sleep(30)\n');
    const timed = JSON.parse(codeq('sandbox', 'run', '--language', 'python3', '--file', sleeper, '--timeout-ms', '500', '--json').stdout);
    expect(timed).toMatchObject({ verdict: 'timeout', timedOut: true });
    const hog = file('hog.py', 'x = bytearray(200 << 20)\nprint(len(x))\n');
    const small = JSON.parse(codeq('sandbox', 'run', '--language', 'python3', '--file', hog, '--memory-mb', '64', '--json').stdout);
    expect(small.verdict).toBe('memory');
  });

  it('rejects bad arguments with the option, the value and what to do', () => {
    const rust = codeq('sandbox', 'run', '--language', 'rust', '--file', 'x.rs');
    expect(rust.status).toBe(1);
    expect(rust.stderr).toContain("option '--language <language>' argument 'rust' is invalid. expected one of python3, cpp, java");
    const missing = codeq('sandbox', 'run', '--language', 'python3', '--file', join(dir, 'nope.py'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`--file ${join(dir, 'nope.py')}: no such file`);
    const timeout = codeq('sandbox', 'run', '--language', 'python3', '--file', 'x', '--timeout-ms', '1.5');
    expect(timeout.stderr).toContain('expected a positive whole number, got "1.5"');
  });

  it('rejects an invalid config naming the file and the key', () => {
    const bad = file('bad.yaml', 'sandbox:\n  limits:\n    timeoutMs: soon\n');
    const run = codeq('config', 'check', bad);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`invalid config ${bad}`);
    expect(run.stderr).toContain('sandbox.limits.timeoutMs: expected number, found string "soon"');
  });

  it('config check prints the resolved config', () => {
    const run = codeq('config', 'check', file('ok.yaml', 'sandbox:\n  concurrency: 3\n'));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('concurrency: 3');
    expect(run.stdout).toContain('memoryMb: 512');
  });
});

describe('codeq experiment and schedule: bad input, one line each', () => {
  it('names the bad value and what to do', () => {
    expect(codeq('experiment', 'start', '--id', '../x', '--print-input').stderr).toMatch(/^codeq: experiment id "\.\.\/x": use letters, digits/m);
    expect(codeq('schedule', 'create', '--cron', 'nightly').stderr).toMatch(/^codeq: --cron "nightly": expected 5 fields/m);
    expect(codeq('experiment', 'budgets', 'x').stderr).toMatch(/^codeq: nothing to change: give --tokens/m);
    expect(codeq('worker', '--role', 'gpu').stderr).toContain("expected one of control, inference, training");
  });
});
