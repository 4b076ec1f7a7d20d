import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { languageSpecs } from '../../src/sandbox/languages/index.js';
import type { RawExecution } from '../../src/sandbox/types.js';
import { judgeRun, sameOutput, trimMessage } from '../../src/sandbox/verdict.js';

const languages = languageSpecs(loadConfig().sandbox.languages);
const limits = { timeoutMs: 1000, memoryMb: 512, outputKb: 64, pids: 64 };
const ok: RawExecution = {
  exitCode: 0,
  signal: null,
  timedOut: false,
  oomKilled: false,
  outputTruncated: false,
  stdout: '42\n',
  stderr: '',
  durationMs: 5,
};
const judge = (run: Partial<RawExecution>, language = languages.python3, expectedStdout?: string) =>
  judgeRun({ run: { ...ok, ...run }, language, limits, expectedStdout });

describe('judgeRun', () => {
  it('passes a clean exit, and compares stdout when an expectation is given', () => {
    expect(judge({}).verdict).toBe('pass');
    expect(judge({}, languages.python3, '42').verdict).toBe('pass');
    expect(judge({}, languages.python3, '41\n').verdict).toBe('wrong_answer');
  });

  it('judges a killed run by why it was killed, before its exit status', () => {
    expect(judge({ timedOut: true, signal: 'SIGKILL', exitCode: null }).verdict).toBe('timeout');
    expect(judge({ outputTruncated: true, signal: 'SIGKILL', exitCode: null }).verdict).toBe('output_limit');
    expect(judge({ oomKilled: true, signal: 'SIGKILL', exitCode: null }).verdict).toBe('memory');
  });

  it('recognises out-of-memory reported by the language runtime', () => {
    expect(judge({ exitCode: 1, stderr: 'Traceback (most recent call last):\n  ...\nMemoryError\n' }).verdict).toBe('memory');
    expect(judge({ exitCode: null, signal: 'SIGABRT', stderr: "terminate called after throwing an instance of 'std::bad_alloc'" }, languages.cpp).verdict).toBe('memory');
    expect(judge({ exitCode: 1, stderr: 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space' }, languages.java).verdict).toBe('memory');
    // The same words from a program that exited cleanly are just output.
    expect(judge({ stderr: 'MemoryError\n' }).verdict).toBe('pass');
  });

  it('calls a Python file that does not parse a compile error, but not a SyntaxError raised at run time', () => {
    const parse = '  File "/job/main.py", line 1\n    a = (\n        ^\nSyntaxError: \'(\' was never closed\n';
    expect(judge({ exitCode: 1, stderr: parse }).verdict).toBe('compile_error');
    const raised = 'Traceback (most recent call last):\n  File "/job/main.py", line 1, in <module>\n    eval("(")\nSyntaxError: bad\n';
    expect(judge({ exitCode: 1, stderr: raised }).verdict).toBe('runtime_error');
  });

  it('describes runtime errors with how the program ended and its trace', () => {
    expect(judge({ exitCode: null, signal: 'SIGSEGV' }, languages.cpp).message).toBe('killed by SIGSEGV');
    const judged = judge({ exitCode: 3, stderr: 'boom\n', pidsLimitHits: 7 });
    expect(judged).toEqual({ verdict: 'runtime_error', message: 'exited with code 3; the 64-process limit refused 7 forks\nboom' });
  });
});

describe('trimMessage', () => {
  it('keeps short text whole and marks what it cut', () => {
    expect(trimMessage('one\ntwo\n')).toBe('one\ntwo');
    const long = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const tail = trimMessage(long);
    expect(tail.startsWith('[…]\n')).toBe(true);
    expect(tail.endsWith('line 99')).toBe(true);
    expect(tail.split('\n')).toHaveLength(31);
    expect(trimMessage(long, false).endsWith('line 29\n[…]')).toBe(true);
    expect(trimMessage('x'.repeat(5000)).length).toBeLessThanOrEqual(2004);
  });
});

describe('sameOutput', () => {
  it('ignores trailing spaces, carriage returns and final blank lines only', () => {
    expect(sameOutput('1 2 \r\n3\n\n', '1 2\n3')).toBe(true);
    expect(sameOutput(' 1', '1')).toBe(false);
    expect(sameOutput('1\n\n2', '1\n2')).toBe(false);
  });
});
