import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { appendLineDurable, writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { parseTrajectory, type Trajectory } from './trajectory.js';

const COMPLETE = /^shard-(\d{5})\.jsonl$/;
const PARTIAL = /^shard-(\d{5})\.partial\.jsonl$/;

export const shardName = (index: number) => `shard-${String(index).padStart(5, '0')}.jsonl`;
const partialName = (index: number) => `shard-${String(index).padStart(5, '0')}.partial.jsonl`;

export class ShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardError';
  }
}

/** A rename is durable only once its directory is flushed. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isWholeJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** Trajectory files of a directory, complete shards first, in shard order. */
export function trajectoryFiles(dir: string): { file: string; partial: boolean }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => COMPLETE.test(name) || PARTIAL.test(name))
    .sort()
    .map((name) => ({ file: join(dir, name), partial: PARTIAL.test(name) }));
}

/** Every trajectory in a directory (see readTrajectoryRecords). */
export function* readTrajectories(dir: string): Generator<Trajectory> {
  for (const { trajectory } of readTrajectoryRecords(dir)) yield trajectory;
}

/**
 * Every trajectory in a directory with the file and line it is on. A partial shard's last line
 * may be torn by a crash while it was appended: that line is skipped (its task is searched
 * again); anything else malformed is an error naming the file and line.
 */
export function* readTrajectoryRecords(dir: string): Generator<{ trajectory: Trajectory; file: string; line: number }> {
  for (const { file, partial } of trajectoryFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const last = lines.slice(i + 1).every((l) => l === '');
      try {
        yield { trajectory: parseTrajectory(line, `${file}:${i + 1}`), file, line: i + 1 };
      } catch (error) {
        if (partial && last && !isWholeJson(line)) continue;
        throw error;
      }
    }
  }
}

/**
 * Appends trajectories to the open shard (fsync'd line by line) and renames it into place,
 * atomically, when it holds `shardSize` records. Reopening a directory keeps what is there.
 */
export class ShardWriter {
  private index: number;
  private count = 0;

  constructor(
    private readonly dir: string,
    private readonly shardSize: number,
  ) {
    const files = trajectoryFiles(dir);
    const numberOf = (file: string) => Number(/shard-(\d{5})/.exec(file)![1]);
    const complete = files.filter((f) => !f.partial).map((f) => numberOf(f.file));
    const partials = files.filter((f) => f.partial);
    if (partials.length > 1) throw new ShardError(`${dir} has ${partials.length} open shards (*.partial.jsonl); one run leaves at most one. HINT: keep the one you want, or collect into a new --out`);
    // After the highest complete shard, whatever was removed before it: never reuse a number.
    this.index = Math.max(-1, ...complete) + 1;
    const partial = partials[0];
    if (partial) {
      const expected = join(dir, partialName(this.index));
      if (partial.file !== expected) throw new ShardError(`${partial.file}: the open shard should be ${expected} (after the complete ones). HINT: do not rename shard files by hand`);
      // Keep its whole lines; drop a tail torn by a crash (that task is searched again).
      const lines = readFileSync(partial.file, 'utf8').split('\n').filter(isWholeJson);
      writeFileAtomicSync(expected, lines.map((l) => `${l}\n`).join(''));
      this.count = lines.length;
      if (this.count >= shardSize) this.seal();
    }
  }

  append(trajectory: Trajectory): void {
    appendLineDurable(join(this.dir, partialName(this.index)), JSON.stringify(trajectory));
    this.count += 1;
    if (this.count >= this.shardSize) this.seal();
  }

  /** Renames the open shard into place (also when not full: the end of a run). */
  seal(): void {
    if (this.count === 0) return;
    const target = join(this.dir, shardName(this.index));
    if (existsSync(target)) throw new ShardError(`${target} exists already; not overwriting it. HINT: another collect may be writing to ${this.dir}`);
    renameSync(join(this.dir, partialName(this.index)), target);
    syncDirectory(this.dir);
    this.index += 1;
    this.count = 0;
  }
}
