import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { describeFeedback } from '../../src/policy/feedback.js';
import { extractCode } from '../../src/policy/extractCode.js';
import { criticPrompt, loadPromptTemplates, render, rewritePrompt } from '../../src/policy/prompts.js';
import type { TestReport } from '../../src/verify/verifyProgram.js';

describe('extractCode', () => {
  it('takes the block in the task language, preferring one with a class, else the longest', () => {
    const answer = 'Here:\n```python\nprint(1)\n```\nand\n```python\nclass Solution:\n    pass\n```\n```java\nclass A {}\n```';
    expect(extractCode(answer, 'python3')).toEqual({ ok: true, code: 'class Solution:\n    pass\n', blocks: 2 });
    expect(extractCode(answer, 'java')).toEqual({ ok: true, code: 'class A {}\n', blocks: 1 });
    expect(extractCode('```c++\nint x;\n```', 'cpp')).toMatchObject({ ok: true, code: 'int x;\n' });
  });

  it('accepts an unlabeled block, an unclosed final block, and reports what is missing', () => {
    expect(extractCode('```\nclass Solution: pass\n```', 'python3')).toMatchObject({ ok: true });
    expect(extractCode('```python\nclass Solution:\n    x = 1', 'python3')).toMatchObject({ ok: true, code: 'class Solution:\n    x = 1\n' });
    expect(extractCode('no code at all', 'python3')).toEqual({ ok: false, reason: 'no code block' });
    expect(extractCode('```java\nclass A {}\n```', 'python3')).toEqual({ ok: false, reason: 'no block in the language' });
  });
});

describe('prompts', () => {
  const templates = loadPromptTemplates(loadConfig().policy);

  it('fill the configured templates; feedback appears only when given', () => {
    const input = { language: 'python3' as const, description: 'Add two numbers.', constraints: '', code: 'def f(): return 1' };
    const first = rewritePrompt(templates, input);
    expect(first).toContain('```python\ndef f(): return 1\n```');
    expect(first).toContain('Add two numbers.');
    expect(first).toContain('(none given)');
    expect(first).not.toContain('What happened');
    expect(rewritePrompt(templates, { ...input, feedback: 'It crashed.' })).toContain('It crashed.');
    const critic = criticPrompt(templates, { language: 'cpp', description: 'd', constraints: '', code: 'int main(){}', feedback: 'Wrong answer on input [1]' });
    expect(critic).toContain('```cpp\nint main(){}\n```');
    expect(critic).toContain('Wrong answer on input [1]');
  });

  it('refuse a template that names an unknown placeholder', () => {
    expect(render('{{a}} and {{b}}', { a: '1', b: '2' })).toBe('1 and 2');
    expect(() => render('{{a}} {{typo}}', { a: '1' })).toThrow(/\{\{typo\}\}/);
    const dir = mkdtempSync(join(tmpdir(), 'codeq-prompts-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true })); // removed even when the test fails
    mkdirSync(join(dir, 'p'));
    for (const f of ['system', 'rewrite', 'feedback', 'critic', 'refine', 'reflect']) writeFileSync(join(dir, 'p', `${f}.md`), f === 'rewrite' ? '{{nope}}' : 'x');
    const custom = loadPromptTemplates({ ...loadConfig().policy, prompts: { system: 'p/system.md', rewrite: 'p/rewrite.md', feedback: 'p/feedback.md', critic: 'p/critic.md', refine: 'p/refine.md', reflect: 'p/reflect.md' } }, dir);
    expect(() => rewritePrompt(custom, { language: 'java', description: '', constraints: '', code: '' })).toThrow(/nope/);
  });
});

describe('feedback from visible tests', () => {
  const report = (verdict: TestReport['verdict'], extra: Partial<TestReport> = {}): TestReport =>
    ({ verdict, passed: 0, total: 1, passedByCase: [false], message: '', durationMs: 1, result: { stderr: 'Traceback\nValueError: x' }, ...extra }) as TestReport;
  it('shows the first failing case, the compiler message or the trace', () => {
    expect(describeFeedback(report('wrong_answer', { firstFailure: { index: 0, input: [[1, 2], 3], expected: 3, actual: 4 } }))).toBe(
      'Wrong answer on input [1,2], 3: expected 3, got 4.',
    );
    expect(describeFeedback(report('compile_error', { message: "solution.cpp:3: error: expected ';'" }))).toContain("expected ';'");
    expect(describeFeedback(report('runtime_error', { firstFailure: { index: 0, input: [1], expected: 1 } }))).toContain('ValueError: x');
    expect(describeFeedback(report('pass'))).toBe('It passed the visible tests.');
  });
});
