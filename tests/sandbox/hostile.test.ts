import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { BACKENDS, SANDBOX_UID, type Language, type SandboxResult } from '../../src/sandbox/types.js';
import { config, hostState, largestSandboxUserGroup, openSandbox } from '../helpers/host.js';

/**
 * Programs that attack the host. Each must get the right verdict, finish within its time limit
 * plus a margin, and leave the host exactly as it was: no processes of the sandbox user, no
 * cgroups, run dirs or containers left, no files written outside the sandbox.
 */
const TIMEOUT_MS = 2000;
/** The program's own run (the supervisor's clock, start to kill) may exceed its limit by this much. */
const MARGIN_MS = { bwrap: 1000, docker: 2500 };
/**
 * The whole call (workspace, compile, run, cleanup) may take this much more than the limit: on a
 * machine busy with other test files, reaping 64 forked processes takes seconds, so only a hang
 * breaks it. Whether the kill came on time is the run's own duration, above.
 */
const CALL_SLACK_MS = 20_000;
const REPO = resolve(import.meta.dirname, '../..');
const FORK_BOMB = '#include <unistd.h>\nint main() { for (;;) fork(); }\n';
/** Like a Temporal worker's heartbeat: it must keep its rhythm whatever the programs do. */
const HEARTBEAT_MS = 50;
const HEARTBEAT_LATENESS_MS = 250;
const MEMORY_BOMB_TIMEOUT_MS = 20_000;
const SECRET = `codeq-secret-${process.pid}`;

function hostAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

describe.each(BACKENDS)('hostile programs on %s', (backend) => {
  let sandbox: ProgramSandbox;
  let sentinel: ChildProcess;

  beforeAll(async () => {
    sandbox = await openSandbox(backend);
    // A host process of the sandbox user: an unisolated `kill(-1)` would take it down.
    sentinel = spawn('sleep', ['600'], { uid: SANDBOX_UID, gid: SANDBOX_UID, stdio: 'ignore' });
    process.env.CODEQ_HOSTILE_SECRET = SECRET;
  });

  afterAll(async () => {
    sentinel.kill('SIGKILL');
    delete process.env.CODEQ_HOSTILE_SECRET;
    await sandbox?.dispose();
  });

  /** Runs a program and checks the time bound and that the host is unchanged. */
  async function attack(language: Language, source: string, during?: () => void, timeoutMs = TIMEOUT_MS): Promise<SandboxResult> {
    const except = [sentinel.pid!];
    await sandbox.settle();
    const before = await hostState({ except });
    const watcher = during ? setInterval(during, 25) : undefined;
    const started = performance.now();
    const result = await sandbox.run({ language, source, limits: { timeoutMs } });
    const elapsed = performance.now() - started;
    clearInterval(watcher);
    await sandbox.settle();
    expect(result.verdict, `${result.message}\n${result.stderr}`).not.toBe('sandbox_error');
    expect(result.durationMs).toBeLessThan(timeoutMs + MARGIN_MS[backend]);
    expect(elapsed - (result.compile && !result.compile.cached ? result.compile.durationMs : 0)).toBeLessThan(timeoutMs + CALL_SLACK_MS);
    expect(await hostState({ except })).toEqual(before);
    expect(sentinel.exitCode).toBeNull();
    return result;
  }

  it('fork bomb: held at the pids limit, then killed at the timeout', async () => {
    let most = 0;
    const result = await attack('cpp', FORK_BOMB, () => {
      most = Math.max(most, largestSandboxUserGroup([sentinel.pid!]));
    });
    expect(result.verdict).toBe('timeout');
    expect(most).toBeGreaterThanOrEqual(48);
    // bwrap's own outer process shares the group (counted on top of the program's 64).
    expect(most).toBeLessThanOrEqual(64 + (backend === 'bwrap' ? 1 : 0));
  });

  it('fork bombs in every run slot do not starve a heartbeat timer of the supervising process', async () => {
    await sandbox.run({ language: 'cpp', source: FORK_BOMB, limits: { timeoutMs: 100 } }); // compiled beforehand
    await sandbox.settle();
    const before = await hostState({ except: [sentinel.pid!] });
    let last = performance.now();
    let worst = 0;
    const beat = () => {
      const now = performance.now();
      worst = Math.max(worst, now - last - HEARTBEAT_MS);
      last = now;
    };
    const heartbeat = setInterval(beat, HEARTBEAT_MS);
    const started = performance.now();
    const bombs = Array.from({ length: config.sandbox.concurrency }, () =>
      sandbox.run({ language: 'cpp', source: FORK_BOMB, limits: { timeoutMs: TIMEOUT_MS } }),
    );
    const results = await Promise.all(bombs);
    const elapsed = performance.now() - started;
    beat();
    clearInterval(heartbeat);
    await sandbox.settle();
    expect(results.map((r) => r.verdict)).toEqual(results.map(() => 'timeout'));
    expect(worst, `the ${HEARTBEAT_MS} ms timer fired up to ${Math.round(worst)} ms late`).toBeLessThan(HEARTBEAT_LATENESS_MS);
    for (const r of results) expect(r.durationMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS[backend]);
    expect(elapsed - Math.max(...results.map((r) => (r.compile && !r.compile.cached ? r.compile.durationMs : 0)))).toBeLessThan(TIMEOUT_MS + CALL_SLACK_MS);
    expect(await hostState({ except: [sentinel.pid!] })).toEqual(before);
  });

  it('memory bomb: killed by the memory limit', async () => {
    // Zeroing 512 MiB is ~0.7 s of CPU: at a run's low weight beside busy host processes it can
    // take longer than the suite's timeout, which this test is not about.
    const source = 'blocks = []\nwhile True:\n    blocks.append(bytearray(32 << 20))\n';
    const result = await attack('python3', source, undefined, MEMORY_BOMB_TIMEOUT_MS);
    expect(result.verdict).toBe('memory');
    expect(result.oomKilled).toBe(true);
  });

  it('infinite loop: killed at the timeout', async () => {
    const result = await attack('python3', 'while True:\n    pass\n');
    expect(result.verdict).toBe('timeout');
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('sleeping past the timeout: killed at the timeout', async () => {
    const result = await attack('python3', 'import time\ntime.sleep(1000)\n');
    expect(result.verdict).toBe('timeout');
  });

  it('a daemonized child that outlives its parent is killed with the run', async () => {
    const source = [
      'import os',
      'if os.fork() == 0:',
      '    os.setsid()',
      '    if os.fork() == 0:',
      "        os.execv('/bin/sleep', ['sleep', '61.2345'])",
      '    os._exit(0)',
      'os.wait()',
      "print('parent done')",
    ].join('\n');
    const result = await attack('python3', source);
    expect(result.verdict).toBe('pass');
    expect(result.stdout).toBe('parent done\n');
  });

  it('writes outside the sandbox fail, and private writes stay private', async () => {
    const targets = ['/etc', '/usr', '/usr/bin', '/job', '/root', REPO, '/var/tmp', '/', '/prog'].map((d) => `${d}/codeq-escape-${process.pid}`);
    const privates = [`/tmp/codeq-private-${process.pid}`, `/dev/shm/codeq-private-${process.pid}`];
    const source = [
      `for target in ${JSON.stringify([...targets, ...privates])}:`,
      '    try:',
      "        with open(target, 'w') as f:",
      "            f.write('x')",
      "        print('WROTE', target)",
      '    except OSError as error:',
      "        print('blocked', target, type(error).__name__)",
    ].join('\n');
    const result = await attack('python3', source);
    expect(result.verdict).toBe('pass');
    for (const target of targets) {
      expect(result.stdout).toContain(`blocked ${target}`);
      expect(existsSync(target)).toBe(false);
    }
    for (const target of privates) expect(existsSync(target)).toBe(false);
  });

  it('reads of /root, the repository, the cache and our environment find nothing', async () => {
    const paths = ['/root', REPO, `${REPO}/package.json`, '/etc/shadow', '/var/cache/codeq'];
    const source = [
      'import glob, os',
      `for path in ${JSON.stringify(paths)}:`,
      '    try:',
      '        found = os.listdir(path) if os.path.isdir(path) else open(path).read()',
      "        print('READ', path, len(found))",
      '    except OSError as error:',
      "        print('denied', path, type(error).__name__)",
      'leaked = []',
      "for name in glob.glob('/proc/*/environ'):",
      '    try:',
      "        leaked.append(open(name, 'rb').read().decode(errors='replace'))",
      '    except OSError:',
      '        pass',
      "print('ENV', sorted(os.environ))",
      `print('SECRET' if any(${JSON.stringify(SECRET)} in text for text in leaked + [repr(os.environ)]) else 'no secret')`,
    ].join('\n');
    const result = await attack('python3', source);
    expect(result.verdict).toBe('pass');
    for (const path of paths) expect(result.stdout).toContain(`denied ${path}`);
    expect(result.stdout).toContain('no secret');
    const names = JSON.parse(/^ENV (.*)$/m.exec(result.stdout)![1]!.replace(/'/g, '"')) as string[];
    expect(names.filter((n) => !['PATH', 'HOME', 'LANG', 'TMPDIR', 'HOSTNAME', 'PWD'].includes(n))).toEqual([]);
  });

  describe('network', () => {
    const servers: Server[] = [];
    let connections = 0;
    const listen = (host: string) =>
      new Promise<number>((done) => {
        const server = createServer((socket) => {
          connections++;
          socket.destroy();
        });
        servers.push(server);
        server.listen(0, host, () => done((server.address() as { port: number }).port));
      });
    afterAll(() => servers.forEach((s) => s.close()));

    it('cannot connect to a listener on 127.0.0.1 or on the host address', async () => {
      const targets: [string, number][] = [['127.0.0.1', await listen('127.0.0.1')]];
      const external = hostAddress();
      if (external) targets.push([external, await listen('0.0.0.0')]);
      const source = [
        'import socket',
        `for host, port in ${JSON.stringify(targets)}:`,
        '    try:',
        '        socket.create_connection((host, port), timeout=1).close()',
        "        print('CONNECTED', host)",
        '    except OSError as error:',
        "        print('unreachable', host, type(error).__name__)",
      ].join('\n');
      const result = await attack('python3', source);
      expect(result.verdict).toBe('pass');
      expect(result.stdout).not.toContain('CONNECTED');
      expect(result.stdout.match(/^unreachable/gm)).toHaveLength(targets.length);
      expect(connections).toBe(0);
    });
  });

  it('gigabytes of output: stopped at the output limit, truncation marked', async () => {
    const result = await attack('python3', "import sys\nchunk = 'x' * 65536\nwhile True:\n    sys.stdout.write(chunk)\n");
    expect(result.verdict).toBe('output_limit');
    expect(result.outputTruncated).toBe(true);
    expect(result.stdout.length + result.stderr.length).toBeLessThanOrEqual(64 * 1024);
    expect(result.timedOut).toBe(false);
  });

  it('killing its parent and everything it can signal hurts only itself', async () => {
    const source = [
      'import os, signal',
      'for target in (os.getppid(), -1):',
      '    try:',
      '        os.kill(target, signal.SIGKILL)',
      '    except OSError:',
      '        pass',
      "print('still here')",
    ].join('\n');
    const result = await attack('python3', source);
    expect(result.verdict).toBe('pass');
    expect(result.stdout).toBe('still here\n');
  });
});
