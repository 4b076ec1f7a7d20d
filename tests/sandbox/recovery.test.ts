import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { BwrapExecutor } from '../../src/sandbox/backends/bwrap/bwrapExecutor.js';
import { groupDir, HIERARCHIES } from '../../src/sandbox/backends/bwrap/cgroups.js';
import { connectDocker, daemonPaths, socketPath } from '../../src/sandbox/backends/docker/daemon.js';
import { DockerExecutor } from '../../src/sandbox/backends/docker/dockerExecutor.js';
import { runnerImageTag } from '../../src/sandbox/backends/docker/image.js';
import { Workspace } from '../../src/sandbox/workspace.js';
import { cacheDir, config } from '../helpers/host.js';

/** What a codeq process that died mid-run leaves behind is cleaned up by the next one. */
const deadPid = () => spawnSync('true').pid!;

describe('recovery after a crash', () => {
  it('kills and removes cgroups whose owner died, processes in them included', async () => {
    const { cgroupRoot, cgroupName } = config.sandbox.bwrap;
    const name = `${deadPid()}-1`;
    const dirs = HIERARCHIES.map((h) => groupDir(cgroupRoot, h, cgroupName, name));
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const straggler = spawn('sleep', ['600'], { stdio: 'ignore' });
    for (const dir of dirs) writeFileSync(join(dir, 'cgroup.procs'), String(straggler.pid));
    const exited = new Promise((resolve) => straggler.on('exit', (_, signal) => resolve(signal)));

    await BwrapExecutor.create(config.sandbox);
    expect(await exited).toBe('SIGKILL');
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('also kills what a SIGKILLed supervisor left in the limit groups only (outside the kill group)', async () => {
    const { cgroupRoot, cgroupName } = config.sandbox.bwrap;
    const name = `${deadPid()}-2`;
    for (const h of HIERARCHIES) mkdirSync(groupDir(cgroupRoot, h, cgroupName, name), { recursive: true });
    const straggler = spawn('sleep', ['600'], { stdio: 'ignore' });
    for (const h of HIERARCHIES.filter((h) => h !== 'unified')) writeFileSync(join(groupDir(cgroupRoot, h, cgroupName, name), 'cgroup.procs'), String(straggler.pid));
    const exited = new Promise((resolve) => straggler.on('exit', (_, signal) => resolve(signal)));

    await BwrapExecutor.create(config.sandbox);
    expect(await exited).toBe('SIGKILL');
    for (const h of HIERARCHIES) expect(existsSync(groupDir(cgroupRoot, h, cgroupName, name))).toBe(false);
  });

  it('removes job dirs whose owner died, and keeps those of live owners', () => {
    const runs = join(cacheDir, 'sandbox', 'runs');
    const stale = join(runs, `${deadPid()}-abcdef`);
    const live = join(runs, `${process.pid}-keepme`);
    mkdirSync(stale, { recursive: true });
    mkdirSync(live, { recursive: true });
    new Workspace(join(cacheDir, 'sandbox'));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(live, { recursive: true });
  });

  it('removes containers whose owner died', async () => {
    const docker = new Docker({ socketPath: socketPath(config.sandbox.docker, cacheDir) });
    const orphan = await docker.createContainer({
      Image: runnerImageTag(config.sandbox.docker),
      Cmd: ['true'],
      Labels: { 'codeq.sandbox': '1', 'codeq.owner': `${hostname()}:${deadPid()}` },
      HostConfig: { NetworkMode: 'none' },
    });
    const mine = await docker.createContainer({
      Image: runnerImageTag(config.sandbox.docker),
      Cmd: ['true'],
      Labels: { 'codeq.sandbox': '1', 'codeq.owner': `${hostname()}:${process.pid}` },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await DockerExecutor.create(config.sandbox, cacheDir);
      await expect(orphan.inspect()).rejects.toThrow(/no such container/i);
      await expect(mine.inspect()).resolves.toBeTruthy();
    } finally {
      await mine.remove({ force: true });
    }
  });

  it('starts its own dockerd when none answers on the socket', async () => {
    const scratch = mkdtempSync('/tmp/codeq-dockerd-');
    const paths = daemonPaths(scratch);
    try {
      const docker = await connectDocker(config.sandbox.docker, scratch);
      const info = await docker.info();
      expect(info.DockerRootDir).toBe(paths.dataRoot);
      expect(info.Driver).toBe('overlay2');
      // Started without touching the host's network setup.
      expect(readFileSync(paths.logFile, 'utf8')).not.toMatch(/level=(error|fatal)/);
    } finally {
      const pid = Number(readFileSync(paths.pidFile, 'utf8'));
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200 && existsSync(`/proc/${pid}`); i++) await sleep(50);
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
