import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_DEFAULTS, writeTinyModel } from '../../src/models/tinyModel.js';

/**
 * Every command, given a bad argument (a missing file or directory, a malformed number, a file
 * that is not what the option wants), fails with one line that says what is wrong and a HINT of
 * what to do: no stack trace, nothing else on stderr, a non-zero exit. The commands that need a
 * running Temporal server are covered where they fail before connecting (a bad --config).
 */

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'codeq-bad-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeq(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CODEQ_LOG_JSON: '1' }, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
/** The same, without blocking: the table of cases runs a few at a time. */
function codeqAsync(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(REPO, 'bin/codeq.js'), ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CODEQ_LOG_JSON: '1' }, timeout: 60_000 }, (error, _stdout, stderr) =>
      done({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    );
  });
}
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const missing = join(dir, 'missing');
const missingDir = join(dir, 'missing-dir');
const empty = file('empty.jsonl', '');
const notTasks = file('not-tasks.jsonl', '{"name": "a config, not a task"}\n');
const notGguf = file('not-a-model.gguf', 'just some text, not a GGUF file at all\n');
const onePair = file(
  'one-pair.jsonl',
  `${JSON.stringify({ prompt: [{ role: 'user', content: 'fix it' }], chosen: [{ role: 'assistant', content: 'a' }], rejected: [{ role: 'assistant', content: 'b' }] })}\n`,
);
const tiny = join(dir, 'tiny.gguf');
writeTinyModel(tiny, TINY_DEFAULTS);
const aFile = file('a-file.txt', 'x\n');

/** One line, a HINT in it, no stack frame, a non-zero exit. */
function expectOneLineError(run: { status: number | null; stderr: string }, args: string[]): void {
  const why = `codeq ${args.join(' ')}\n${run.stderr}`;
  expect(run.status, why).not.toBe(0);
  expect(run.status, why).not.toBeNull();
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, why).toHaveLength(1);
  expect(run.stderr.endsWith('\n'), why).toBe(true);
  expect(lines[0], why).toMatch(/^codeq: .+ HINT: \S/);
  expect(run.stderr, why).not.toMatch(/^\s+at /m);
}

const CASES: [string, string[]][] = [
  ['verify: missing --input', ['verify', '--input', missing, '--output', join(dir, 'v.jsonl')]],
  ['verify: malformed --hidden', ['verify', '--input', empty, '--output', join(dir, 'v.jsonl'), '--hidden', 'abc']],
  ['verify: --output is a directory', ['verify', '--input', empty, '--output', dir]],
  ['data prepare: missing --debugbench', ['data', 'prepare', '--debugbench', missingDir, '--out', join(dir, 'prepared')]],
  ['data prepare: unknown language', ['data', 'prepare', '--debugbench', dir, '--out', join(dir, 'prepared'), '--languages', 'rust']],
  ['data prepare: malformed --concurrency', ['data', 'prepare', '--out', join(dir, 'prepared'), '--concurrency', '0']],
  ['search: missing --tasks', ['search', '--task', 'python3/x/y/00000000', '--tasks', missing]],
  ['search: --tasks not a tasks file', ['search', '--task', 'python3/x/y/00000000', '--tasks', notTasks]],
  ['search: missing --debugbench', ['search', '--task', 'python3/x/y/00000000', '--debugbench', missingDir]],
  ['search: malformed --tokens', ['search', '--task', 'python3/x/y/00000000', '--tokens', '1.5']],
  ['search: missing --adapter', ['search', '--task', 'python3/x/y/00000000', '--tasks', empty, '--adapter', missing]],
  ['collect: missing --tasks', ['collect', '--tasks', missing, '--out', join(dir, 'collected')]],
  ['collect: --tasks not a tasks file', ['collect', '--tasks', notTasks, '--out', join(dir, 'collected')]],
  ['collect: malformed --limit', ['collect', '--limit', 'abc', '--out', join(dir, 'collected')]],
  ['collect: missing --model', ['collect', '--tasks', empty, '--model', `${missing}.gguf`, '--out', join(dir, 'collected')]],
  ['pairs: missing --trajectories', ['pairs', '--trajectories', missingDir, '--out', join(dir, 'p.jsonl')]],
  ['pairs: malformed --threshold', ['pairs', '--trajectories', dir, '--out', join(dir, 'p.jsonl'), '--threshold', '2']],
  ['train: missing --pairs', ['train', '--pairs', missing, '--base', tiny, '--out', join(dir, 'train-a')]],
  ['train: empty --pairs', ['train', '--pairs', empty, '--base', tiny, '--out', join(dir, 'train-a')]],
  ['train: --pairs not pairs', ['train', '--pairs', notTasks, '--base', tiny, '--out', join(dir, 'train-a')]],
  ['train: missing --base', ['train', '--pairs', onePair, '--base', missing, '--out', join(dir, 'train-a')]],
  ['train: --base not a GGUF', ['train', '--pairs', onePair, '--base', notGguf, '--out', join(dir, 'train-a')]],
  ['train: --out is a file', ['train', '--pairs', onePair, '--base', tiny, '--out', aFile]],
  ['train: missing --config', ['train', '--pairs', onePair, '--base', tiny, '--out', join(dir, 'train-a'), '--config', missing]],
  ['repair: missing --tasks', ['repair', '--task', 'python3/x/y/00000000', '--tasks', missing]],
  ['repair: --tasks not a tasks file', ['repair', '--task', 'python3/x/y/00000000', '--tasks', notTasks]],
  ['repair: malformed --k', ['repair', '--task', 'python3/x/y/00000000', '--k', 'many']],
  ['model inspect: missing file', ['model', 'inspect', missing]],
  ['model inspect: not a GGUF', ['model', 'inspect', notGguf]],
  ['model pull: unknown model', ['model', 'pull', 'no-such-model']],
  ['model tiny: malformed --hidden', ['model', 'tiny', '--out', join(dir, 'x.gguf'), '--hidden', 'abc']],
  ['model tiny: --out under a file', ['model', 'tiny', '--out', join(aFile, 'x.gguf')]],
  ['config check: missing file', ['config', 'check', missing]],
  ['config check: not YAML', ['config', 'check', file('bad.yaml', 'sandbox: [unclosed\n')]],
  ['config schema: --out is a file', ['config', 'schema', '--out', aFile]],
  ['demo: missing --debugbench', ['demo', '--debugbench', missingDir]],
  ['demo: malformed --sample', ['demo', '--sample', 'x']],
  ['eval: missing --tasks', ['eval', '--policy', tiny, '--tasks', missing, '--out', join(dir, 'eval')]],
  ['eval: missing --policy model', ['eval', '--policy', `${missing}.gguf`, '--tasks', empty, '--out', join(dir, 'eval')]],
  ['report: missing --config', ['report', '--experiment', 'nope', '--config', missing]],
  ['sandbox run: missing --file', ['sandbox', 'run', '--language', 'python3', '--file', missing]],
  ['sandbox run: malformed --timeout-ms', ['sandbox', 'run', '--language', 'python3', '--file', aFile, '--timeout-ms', '1.5']],
  ['run: missing --config', ['run', '--config', missing]],
  ['status: missing --config', ['status', '--config', missing]],
  ['worker: unknown --role', ['worker', '--role', 'gpu']],
  ['experiment status: missing --config', ['experiment', 'status', 'x', '--config', missing]],
  ['experiment start: missing --config', ['experiment', 'start', '--config', missing]],
  ['schedule create: malformed --cron', ['schedule', 'create', '--cron', 'nightly']],
  ['an unknown command', ['frobnicate']],
  ['a missing argument', ['model', 'inspect']],
];

describe('codeq on bad arguments: one line with a HINT, no stack trace, a non-zero exit', () => {
  it.concurrent.each(CASES)('%s', async (_, args) => {
    expectOneLineError(await codeqAsync(...args), args);
  });

  it('names what is wrong in each case that used to print a stack trace', () => {
    expect(codeq('verify', '--input', missing, '--output', join(dir, 'v.jsonl')).stderr).toMatch(/^codeq: --input \S+missing: no such file\. HINT: /);
    expect(codeq('data', 'prepare', '--debugbench', missingDir, '--out', join(dir, 'prepared')).stderr).toMatch(/^codeq: --debugbench \S+missing-dir does not exist\. HINT: pass --debugbench DIR/);
    expect(codeq('train', '--pairs', onePair, '--base', notGguf, '--out', join(dir, 'train-a')).stderr).toMatch(/^codeq: --base: \S+not-a-model\.gguf is not a GGUF file .* HINT: /);
    expect(codeq('config', 'schema', '--out', aFile).stderr).toMatch(/^codeq: cannot mkdir \S+a-file\.txt: a file is in the way \(EEXIST\)\. HINT: /);
    expect(existsSync(join(dir, 'train-a'))).toBe(false);
  });
});

describe('codeq search --tasks: the same check of the tasks file as codeq collect', () => {
  it('says a file that is not a tasks file is not one, not that the task is missing', () => {
    const search = codeq('search', '--task', 'python3/x/y/00000000', '--tasks', notTasks);
    const collect = codeq('collect', '--tasks', notTasks, '--out', join(dir, 'collected'));
    expect(search.stderr).toMatch(/not-tasks\.jsonl:1: not a prepared task \(.*\)\. HINT: pass a tasks\.jsonl written by codeq data prepare/);
    expect(search.stderr).not.toContain('is not in');
    expect(search.stderr).toBe(collect.stderr);
    const repair = codeq('repair', '--task', 'python3/x/y/00000000', '--tasks', notTasks);
    expect(repair.stderr).toBe(collect.stderr);
    expect(codeq('search', '--task', 'python3/x/y/00000000', '--tasks', missing).stderr).toBe(codeq('collect', '--tasks', missing, '--out', join(dir, 'collected')).stderr);
  });

  it('says a task that is not in a real tasks file is not in it', () => {
    const run = codeq('search', '--task', 'python3/x/y/00000000', '--tasks', empty);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^codeq: --task python3\/x\/y\/00000000 is not in \S+empty\.jsonl\. HINT: /);
  });
});

describe('codeq train checks every input before it writes anything', () => {
  const listing = (out: string) =>
    readdirSync(out, { recursive: true, encoding: 'utf8' })
      .sort()
      .map((name) => [name, existsSync(join(out, name)) && !name.endsWith('checkpoints') ? readFileSync(join(out, name), 'utf8') : '']);

  it('an empty pairs file: one line, and no --out made', () => {
    const out = join(dir, 'train-empty');
    const run = codeq('train', '--pairs', empty, '--base', tiny, '--out', out);
    expectOneLineError(run, ['train']);
    expect(run.stderr).toMatch(/--pairs \S+empty\.jsonl: the file is empty, no pairs to train on\. HINT: /);
    expect(existsSync(out)).toBe(false);
  });

  it('a bad base model or pairs file leaves an existing --out as it was', () => {
    const out = join(dir, 'train-kept');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    for (const args of [
      ['--pairs', empty, '--base', tiny],
      ['--pairs', onePair, '--base', notGguf],
      ['--pairs', onePair, '--base', missing],
      ['--pairs', notTasks, '--base', tiny],
    ]) {
      expectOneLineError(codeq('train', ...args, '--out', out), ['train', ...args]);
      expect(listing(out)).toEqual([['notes.txt', 'mine\n']]);
    }
  });

  it('an --out that holds a run is refused without --resume, not overwritten', () => {
    const out = join(dir, 'train-earlier');
    mkdirSync(join(out, 'checkpoints'), { recursive: true });
    writeFileSync(join(out, 'train.json'), '{"earlier": true}\n');
    const before = listing(out);
    const run = codeq('train', '--pairs', onePair, '--base', tiny, '--out', out);
    expectOneLineError(run, ['train']);
    expect(run.stderr).toMatch(/holds a training run \(train\.json, checkpoints\)\. HINT: --resume continues it; another --out starts anew/);
    expect(listing(out)).toEqual(before);
  });
});

describe('codeq demo --debugbench DIR', () => {
  it('is an error when DIR does not exist (it used to skip the sample and exit 0)', () => {
    const run = codeq('demo', '--debugbench', missingDir, '--no-search');
    expectOneLineError(run, ['demo']);
    expect(run.stderr).toMatch(/--debugbench \S+missing-dir does not exist\. HINT: pass --debugbench DIR/);
    expect(run.stdout).toBe(''); // nothing ran: the inputs are checked first
  });

  it('is an error when $CODEQ_DEBUGBENCH names a missing directory', () => {
    const run = spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), 'demo', '--no-search'], { encoding: 'utf8', cwd: dir, env: { ...process.env, CODEQ_DEBUGBENCH: missingDir } });
    expectOneLineError({ status: run.status, stderr: run.stderr }, ['demo']);
    expect(run.stderr).toContain(`DebugBench directory ${missingDir} does not exist. HINT:`);
  });
});
