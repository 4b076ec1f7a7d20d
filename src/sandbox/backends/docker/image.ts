import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { SandboxConfig } from '../../../config/schema.js';
import { log } from '../../../util/log.js';
import { findExecutable } from '../../../util/which.js';
import { SANDBOX_PATHS, SandboxError } from '../../types.js';

type DockerConfig = SandboxConfig['docker'];

/** Bump when the way the rootfs is made changes, so old images are not reused. */
const RECIPE_VERSION = 1;
const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/** The first Debian mirror apt uses for `suite` (deb822 .sources or one-line .list files). */
export function aptMirror(suite: string, aptDir = '/etc/apt'): string {
  const files = [join(aptDir, 'sources.list')];
  const partsDir = join(aptDir, 'sources.list.d');
  if (existsSync(partsDir)) files.push(...readdirSync(partsDir).sort().map((f) => join(partsDir, f)));
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const block of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(block)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(block)?.[1]?.split(/\s+/) ?? [];
      if (uris && suites.includes(suite) && !uris.includes('security')) return uris;
    }
    for (const line of text.split('\n')) {
      const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (match?.[1] && match[2] === suite && !match[1].includes('security')) return match[1];
    }
  }
  return FALLBACK_MIRROR;
}

/** `<image>:<hash of the recipe>`: a changed package list or suite makes a new image. */
export function runnerImageTag(config: DockerConfig): string {
  const recipe = JSON.stringify({ v: RECIPE_VERSION, suite: config.suite, packages: [...config.packages].sort() });
  return `${config.image}:${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      });
    }
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new SandboxError(`${command} exited with ${code}:\n${tail.join('\n')}`)),
    );
  });
}

/**
 * The runner rootfs as a tar in the cache (built once per recipe): debootstrap minbase with the
 * configured packages, apt caches dropped, the sandbox mount points created.
 */
async function rootfsTarball(config: DockerConfig, cacheDir: string, tag: string): Promise<string> {
  const dir = join(cacheDir, 'rootfs');
  const tarball = join(dir, `${tag.replace(/[:/]/g, '_')}.tar`);
  if (existsSync(tarball)) return tarball;
  const debootstrap = findExecutable('debootstrap') ?? findExecutable('/usr/sbin/debootstrap');
  if (!debootstrap) throw new SandboxError('debootstrap is not installed. HINT: run npm run setup');
  const tree = join(dir, `${process.pid}.tree.tmp`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const mirror = config.mirror ?? aptMirror(config.suite);
  log.info('building the runner rootfs with debootstrap (about a minute)', { suite: config.suite, mirror });
  const phasesSeen = new Set<string>();
  try {
    await run(
      debootstrap,
      ['--variant=minbase', `--include=${config.packages.join(',')}`, config.suite, tree, mirror],
      (line) => {
        // One line per phase (Retrieving, Extracting, Configuring, ...), not one per package.
        const phase = /^I: (\w+)/.exec(line)?.[1];
        if (phase && !phasesSeen.has(phase)) log.info(`debootstrap: ${line.slice(3)}`);
        else log.debug(`debootstrap: ${line}`);
        if (phase) phasesSeen.add(phase);
      },
    );
    for (const junk of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const entry of readdirSync(join(tree, junk))) {
        if (entry !== 'partial' && entry !== 'lock') rmSync(join(tree, junk, entry), { recursive: true, force: true });
      }
    }
    for (const mountPoint of Object.values(SANDBOX_PATHS)) mkdirSync(join(tree, mountPoint), { recursive: true });
    const temp = `${tarball}.${process.pid}.tmp`;
    await run('tar', ['--numeric-owner', '-C', tree, '-cf', temp, '.'], () => undefined);
    renameSync(temp, tarball);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
  return tarball;
}

/** Makes sure the runner image exists (`docker import` of the cached rootfs); returns its tag. */
export async function ensureRunnerImage(docker: Docker, config: DockerConfig, cacheDir: string): Promise<string> {
  const tag = runnerImageTag(config);
  if (await imageExists(docker, tag)) return tag;
  const tarball = await rootfsTarball(config, cacheDir, tag);
  const [repo, version] = tag.split(':') as [string, string];
  log.info('importing the runner image', { tag, tarball });
  const progress = await docker.importImage(createReadStream(tarball), { repo, tag: version });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(progress, (error: Error | null) => (error ? reject(error) : resolve())),
  );
  if (!(await imageExists(docker, tag))) throw new SandboxError(`docker import did not produce ${tag}`);
  log.info('runner image ready', { tag });
  await pruneOtherRecipes(docker, config, cacheDir, tag);
  return tag;
}

/** Images and rootfs tarballs of earlier recipes (another package list) only take disk. */
async function pruneOtherRecipes(docker: Docker, config: DockerConfig, cacheDir: string, keep: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [config.image] } });
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (tag !== keep) await docker.getImage(tag).remove().then(() => log.info('removed an old runner image', { tag }), () => undefined);
    }
  }
  const dir = join(cacheDir, 'rootfs');
  const kept = `${keep.replace(/[:/]/g, '_')}.tar`;
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    if (file.startsWith(`${config.image}_`) && file.endsWith('.tar') && file !== kept) rmSync(join(dir, file), { force: true });
  }
}
