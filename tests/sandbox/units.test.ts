import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { aptMirror } from '../../src/sandbox/backends/docker/image.js';
import { CompileCache, compileKey } from '../../src/sandbox/compileCache.js';
import { mainClassName, publicClassName } from '../../src/sandbox/languages/java.js';
import { OutputCollector } from '../../src/sandbox/outputCollector.js';
import { checkFileName } from '../../src/sandbox/workspace.js';
import { Semaphore } from '../../src/util/semaphore.js';

describe('OutputCollector', () => {
  it('keeps output up to the shared budget and signals the limit once', () => {
    let limits = 0;
    const output = new OutputCollector(10, () => limits++);
    output.push('stdout', Buffer.from('12345'));
    output.push('stderr', Buffer.from('abc'));
    expect(output.truncated).toBe(false);
    output.push('stdout', Buffer.from('6789'));
    output.push('stderr', Buffer.from('more'));
    expect([output.text('stdout'), output.text('stderr'), output.truncated, limits]).toEqual(['1234567', 'abc', true, 1]);
  });
});

describe('Java class names', () => {
  it('finds the public class and the class holding main', () => {
    const source = 'import java.util.*;\nclass Helper { }\npublic class Solution {\n  class Inner {}\n  public static void main(String[] a) {}\n}\n';
    expect(publicClassName(source)).toBe('Solution');
    expect(mainClassName('class A {}\nclass Main { public static void main(String[] x) {} }')).toBe('Main');
    expect(publicClassName('class Main {}')).toBeNull();
    expect(mainClassName('public final class Program { static public void main(String... a) {} }')).toBe('Program');
  });
});

describe('CompileCache', () => {
  const root = mkdtempSync(join(tmpdir(), 'codeq-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function builder(outcome: { ok: boolean; message: string }, cacheable = true) {
    let builds = 0;
    const cache = new CompileCache(root);
    const build = (key: string) =>
      cache.getOrBuild(key, async () => {
        builds++;
        const tempDir = join(cache.tempParent(key), `.tmp-${builds}-${Math.random()}`);
        mkdirSync(tempDir, { recursive: true });
        writeFileSync(join(tempDir, 'main'), 'binary');
        await new Promise((r) => setTimeout(r, 10));
        return { outcome: { ...outcome, durationMs: 7 }, tempDir, cacheable };
      });
    return { build, builds: () => builds };
  }

  it('builds once for concurrent requests and serves later ones from disk', async () => {
    const key = compileKey(['cpp', 'int main(){}']);
    const { build, builds } = builder({ ok: true, message: '' });
    const [a, b] = await Promise.all([build(key), build(key)]);
    expect(builds()).toBe(1);
    expect(a).toEqual(b);
    expect(a.cached).toBe(false);
    const later = await builder({ ok: true, message: '' }).build(key);
    expect(later).toMatchObject({ cached: true, ok: true, durationMs: 7, dir: a.dir });
    expect(readdirSync(a.dir).sort()).toEqual(['main', 'meta.json']);
  });

  it('does not keep outcomes that must not be cached', async () => {
    const key = compileKey(['cpp', 'slow']);
    const first = builder({ ok: false, message: 'timed out' }, false);
    expect(await first.build(key)).toMatchObject({ cached: false, ok: false, dir: '' });
    const second = builder({ ok: false, message: 'timed out' }, false);
    await second.build(key);
    expect(second.builds()).toBe(1);
    expect(readdirSync(new CompileCache(root).tempParent(key))).toEqual([]);
  });

  it('keys differ when any part differs, including how parts are split', () => {
    expect(compileKey(['ab', 'c'])).not.toBe(compileKey(['a', 'bc']));
  });
});

describe('aptMirror', () => {
  it('reads deb822 and one-line sources, skipping security suites', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codeq-apt-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true })); // removed even when the test fails
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), 'deb http://security.example/debian-security bookworm-security main\n');
    writeFileSync(
      join(dir, 'sources.list.d', 'debian.sources'),
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n',
    );
    expect(aptMirror('bookworm', dir)).toBe('http://mirror.example/debian');
    writeFileSync(join(dir, 'sources.list'), 'deb [arch=amd64] http://one.example/debian bookworm main\n');
    expect(aptMirror('bookworm', dir)).toBe('http://one.example/debian');
    expect(aptMirror('trixie', dir)).toBe('http://deb.debian.org/debian');
  });
});

describe('input file names', () => {
  it('accepts plain names and rejects paths', () => {
    expect(checkFileName('input-1.txt')).toBe('input-1.txt');
    for (const bad of ['../x', '/etc/passwd', 'a/b', '.hidden', '']) expect(() => checkFileName(bad)).toThrow(/invalid input file name/);
  });
});

describe('Semaphore', () => {
  it('never runs more than its capacity at once', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        semaphore.use(async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('serves waiters first come, first served, before later callers', async () => {
    const semaphore = new Semaphore(1);
    const started: string[] = [];
    const work = (name: string) =>
      semaphore.use(async () => {
        started.push(name);
        await new Promise((r) => setTimeout(r, 5));
      });
    const first = work('first');
    const second = work('second');
    const third = work('third');
    await first;
    const late = work('late');
    await Promise.all([second, third, late]);
    expect(started).toEqual(['first', 'second', 'third', 'late']);
    expect(semaphore.inFlight).toBe(0);
  });
});
