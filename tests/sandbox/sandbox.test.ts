import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/sandbox/createSandbox.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { SELF_CHECK_CASES } from '../../src/sandbox/selfCheck.js';
import { BACKENDS, type SandboxResult } from '../../src/sandbox/types.js';
import { config, openSandbox, ownCgroups, ownLeftovers } from '../helpers/host.js';

const RESULT_KEYS = [
  'verdict',
  'exitCode',
  'signal',
  'timedOut',
  'oomKilled',
  'outputTruncated',
  'stdout',
  'stderr',
  'durationMs',
  'message',
  'backend',
];

describe.each(BACKENDS)('sandbox on %s', (backend) => {
  let sandbox: ProgramSandbox;
  beforeAll(async () => {
    sandbox = await openSandbox(backend);
  });
  afterAll(() => sandbox?.dispose());

  it.each(SELF_CHECK_CASES.map((c) => [`${c.language} ${c.name}`, c] as const))('%s', async (_, check) => {
    const result = await sandbox.run({ ...check, limits: check.limits });
    expect(result.verdict, `${result.message}\n${result.stderr}`).toBe(check.expect);
    expect(Object.keys(result)).toEqual(expect.arrayContaining(RESULT_KEYS));
    expect(result.backend).toBe(backend);
    if (check.expect === 'pass') expect(result.stdout).toBe('42\n');
    if (check.expect === 'compile_error') expect(result.message.length).toBeGreaterThan(0);
  });

  it('keeps the compiler message of a compile error', async () => {
    const result = await sandbox.run({ language: 'cpp', source: 'int main() { return undefined_name; }\n' });
    expect(result.verdict).toBe('compile_error');
    expect(result.message).toContain('undefined_name');
    expect(result.message).toContain('was not declared');
  });

  it('keeps a trimmed trace for a runtime error', async () => {
    const source = 'def f(n):\n    return f(n + 1) if n < 10 else {}[n]\nf(0)\n';
    const result = await sandbox.run({ language: 'python3', source });
    expect(result.verdict).toBe('runtime_error');
    expect(result.exitCode).toBe(1);
    expect(result.message).toMatch(/exited with code 1\n[\s\S]*KeyError: 10$/);
  });

  it('compiles a program once and reuses it by content hash', async () => {
    const source = `#include <cstdio>\nint main() { std::puts("${backend} ${Date.now()}"); }\n`;
    const first = await sandbox.run({ language: 'cpp', source });
    const second = await sandbox.run({ language: 'cpp', source });
    expect(first.compile).toMatchObject({ cached: false });
    expect(first.compile!.durationMs).toBeGreaterThan(0);
    expect(second.compile).toMatchObject({ cached: true });
    expect(second.stdout).toBe(first.stdout);
  });

  it('caches compile errors too, but not the run', async () => {
    const source = `class Main { public static void main(String[] a) { int x = "${Date.now()}"; } }\n`;
    const first = await sandbox.run({ language: 'java', source });
    const second = await sandbox.run({ language: 'java', source });
    expect([first.verdict, second.verdict]).toEqual(['compile_error', 'compile_error']);
    expect(second.compile?.cached).toBe(true);
    expect(second.message).toBe(first.message);
  });

  it('runs a Java program whose public class is not Main', async () => {
    const source = 'import java.util.*;\npublic class Solution {\n  static int twice(int x) { return 2 * x; }\n  public static void main(String[] args) { System.out.println(twice(21)); }\n}\n';
    const result = await sandbox.run({ language: 'java', source });
    expect(result.verdict, result.message).toBe('pass');
    expect(result.stdout).toBe('42\n');
  });

  it('delivers stdin and input files as files under /job', async () => {
    const source = "import sys\nprint(sys.stdin.read().strip(), open('/job/data.txt').read().strip())\n";
    const result = await sandbox.run({ language: 'python3', source, stdin: 'from stdin\n', files: { 'data.txt': 'from a file\n' } });
    expect(result.verdict).toBe('pass');
    expect(result.stdout).toBe('from stdin from a file\n');
  });

  it('reads nothing on stdin when none is given', async () => {
    const result = await sandbox.run({ language: 'python3', source: 'import sys\nprint(repr(sys.stdin.read()))\n' });
    expect(result.stdout).toBe("''\n");
  });

  it('stops a flood on stderr at the shared output limit', async () => {
    const result = await sandbox.run({
      language: 'cpp',
      source: '#include <cstdio>\nint main() { for (;;) std::fputs("0123456789abcdef", stderr); }\n',
      limits: { outputKb: 8 },
    });
    expect(result.verdict).toBe('output_limit');
    expect(result.stderr.length).toBe(8 * 1024);
  });

  it('gives Java a heap derived from the memory limit', async () => {
    const source = 'public class Main { public static void main(String[] a) { System.out.println(Runtime.getRuntime().maxMemory() >> 20); } }\n';
    const result = await sandbox.run({ language: 'java', source, limits: { memoryMb: 256 } });
    expect(result.verdict, result.message).toBe('pass');
    const heapMb = Number(result.stdout);
    expect(heapMb).toBeGreaterThan(256 * config.sandbox.languages.java.heapFraction * 0.85);
    expect(heapMb).toBeLessThanOrEqual(256 * config.sandbox.languages.java.heapFraction);
  });

  it('allows deep recursion up to the configured stack', async () => {
    const source = '#include <cstdio>\nint depth(int n) { volatile char pad[256]; pad[0] = 1; return n == 0 ? pad[0] : depth(n - 1) + pad[0]; }\nint main() { std::printf("%d\\n", depth(200000)); }\n';
    const result = await sandbox.run({ language: 'cpp', source });
    expect(result.verdict, result.message).toBe('pass');
    expect(result.stdout).toBe('200001\n');
    // ~60 MB of frames: the usual 8 MiB stack overflows, so the limit above is what made it pass.
    const small = await sandbox.run({ language: 'cpp', source, limits: { stackMb: 8 } });
    expect(small.verdict).toBe('runtime_error');
    expect(small.signal).toBe('SIGSEGV');
  });

  it('runs several programs at once', async () => {
    const runs = await Promise.all(
      [1, 2, 3, 4].map((n) => sandbox.run({ language: 'python3', source: `print(${n} * 10)\n` })),
    );
    expect(runs.map((r: SandboxResult) => r.stdout)).toEqual(['10\n', '20\n', '30\n', '40\n']);
  });

  it('reports its own failures as sandbox_error, never blaming the program', async () => {
    const broken = structuredClone(config);
    broken.sandbox.languages.python3.interpreter = '/usr/bin/no-such-python';
    const brokenSandbox = await createSandbox(broken, backend);
    try {
      const result = await brokenSandbox.run({ language: 'python3', source: 'print(1)\n' });
      expect(result.verdict).toBe('sandbox_error');
      expect(result.message).toContain('no-such-python');
    } finally {
      await brokenSandbox.dispose();
    }
  });

  it('removes every cgroup, container and dir it created when disposed', async () => {
    const own = await openSandbox(backend);
    await Promise.all([1, 2].map(() => own.run({ language: 'python3', source: 'print(1)\n' })));
    await own.settle();
    if (backend === 'bwrap') expect(ownCgroups().length).toBeGreaterThan(0);
    if (backend === 'docker') expect((await ownLeftovers()).containers).toBe(2 * config.sandbox.docker.warmPool);
    await sandbox.dispose();
    await own.dispose();
    expect(ownCgroups()).toEqual([]);
    expect(await ownLeftovers()).toEqual({ containers: 0, runDirs: [] });
    sandbox = await openSandbox(backend);
  });

  it('runs programs with non-default limits outside the warm pool, alike', async () => {
    const source = 'print(open("/proc/self/status").read().count("\\n") > 0)\n';
    const custom = await sandbox.run({ language: 'python3', source, limits: { memoryMb: 300 } });
    const usual = await sandbox.run({ language: 'python3', source });
    expect([custom.verdict, usual.verdict, custom.stdout]).toEqual(['pass', 'pass', 'True\n']);
    const hog = await sandbox.run({ language: 'python3', source: 'x = bytearray(400 << 20)\nprint(len(x))\n', limits: { memoryMb: 300 } });
    expect(hog.verdict).toBe('memory');
  });

  it('holds a run to its CPU limit, however many threads spin', async () => {
    // Two spinning threads for 1.5 s; prints CPU seconds per wall second (2 without a limit here).
    const source = [
      '#include <atomic>',
      '#include <chrono>',
      '#include <cstdio>',
      '#include <ctime>',
      '#include <thread>',
      'int main() {',
      '  std::atomic<bool> stop{false};',
      '  auto spin = [&] { volatile unsigned long x = 0; while (!stop) x++; };',
      '  auto t0 = std::chrono::steady_clock::now(); std::clock_t c0 = std::clock();',
      '  std::thread a(spin), b(spin);',
      '  std::this_thread::sleep_for(std::chrono::milliseconds(1500));',
      '  stop = true; a.join(); b.join();',
      '  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();',
      '  std::printf("%.3f\\n", double(std::clock() - c0) / CLOCKS_PER_SEC / wall);',
      '}',
    ].join('\n');
    for (const cpus of [0.5, config.sandbox.limits.cpus]) {
      const result = await sandbox.run({ language: 'cpp', source, limits: { cpus } });
      expect(result.verdict, result.message).toBe('pass');
      // Only an upper bound: a busy host may give the run less than its limit.
      expect(Number(result.stdout), `cpus ${cpus}`).toBeLessThan(cpus * 1.15);
    }
  });

  it('rejects requests it cannot run as given, naming the problem', async () => {
    await expect(sandbox.run({ language: 'python3', source: '', limits: { timeoutMs: -5 } })).rejects.toThrow(/invalid run limits: timeoutMs/);
    await expect(sandbox.run({ language: 'python3', source: '', limits: { cpus: 0 } })).rejects.toThrow(/invalid run limits: cpus/);
    await expect(sandbox.run({ language: 'python3', source: '', files: { 'main.py': '' } })).rejects.toThrow(/"main.py" is taken/);
    await expect(sandbox.run({ language: 'python3', source: '', files: { '../x': '' } })).rejects.toThrow(/invalid input file name/);
    await expect(sandbox.run({ language: 'rust' as never, source: '' })).rejects.toThrow(/unknown language "rust"/);
  });

  it('cancels a run through its AbortSignal and cleans up', async () => {
    const controller = new AbortController();
    const pending = sandbox.run({ language: 'python3', source: 'import time\ntime.sleep(60)\n', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 300);
    const started = performance.now();
    await expect(pending).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
