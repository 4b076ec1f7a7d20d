import { existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { appendLineDurable, writeFileAtomicSync } from '../../artifacts/atomicWrite.js';
import { debugbenchDir } from '../../config/paths.js';
import type { TasksConfig } from '../../config/schema.js';
import type { Language, Sandbox } from '../../sandbox/types.js';
import { log } from '../../util/log.js';
import { Random } from '../../util/random.js';
import { loadDebugBench } from '../debugbench.js';
import { splitOfSlug, type SplitName } from '../split.js';
import type { Level } from '../task.js';
import { parseTaskLine, serializeTask } from '../store.js';
import { prepareTask, type PreparedTask } from './prepareTask.js';

export interface SliceRequest {
  languages: Language[];
  /** Difficulty levels to draw from (all when absent). */
  levels?: Level[];
  /** Testable tasks wanted per language and split. */
  perSplit: Record<SplitName, number>;
  /** Seeds the order records are tried in (the same slice every run). */
  seed: number;
  debugbench: string | null;
  /** Directory of the slice: tasks.jsonl (testable), tried.jsonl (every record tried, and how it went). */
  dir: string;
  onProgress?: (p: { language: Language; split: SplitName; have: number; want: number; tried: number }) => void;
  signal?: AbortSignal;
}

/** The whole lines of an append-only file; a line cut short by a crash is cut off the file, so the next append starts clean. */
function wholeLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(file, Buffer.byteLength(text.slice(0, end)));
  return text.slice(0, end).split('\n').filter((l) => l.trim() !== '');
}

interface Tried {
  id: string;
  status: 'testable' | 'dropped';
  reason?: string;
}

/**
 * Prepares only the slice a run needs: per language and split, records in a seeded order until
 * `perSplit` of them are testable (dropped ones are skipped and remembered). Resumable: every
 * record's outcome is appended durably as it finishes, so an interrupted run continues with the
 * next untried record; tasks.jsonl is rewritten atomically from the prepared ones.
 */
export async function prepareSlice(request: SliceRequest, sandbox: Sandbox, config: TasksConfig): Promise<PreparedTask[]> {
  mkdirSync(request.dir, { recursive: true });
  const triedFile = join(request.dir, 'tried.jsonl');
  const preparedFile = join(request.dir, 'prepared.jsonl');
  const tasksFile = join(request.dir, 'tasks.jsonl');
  const tried = new Map<string, Tried>();
  for (const line of wholeLines(triedFile)) {
    const t = JSON.parse(line) as Tried;
    tried.set(t.id, t);
  }
  const prepared = new Map<string, PreparedTask>();
  for (const line of wholeLines(preparedFile)) {
    const task = parseTaskLine(line);
    prepared.set(task.id, task);
  }
  const records = loadDebugBench(debugbenchDir(request.debugbench), request.languages).tasks;
  const chosen: PreparedTask[] = [];
  for (const language of request.languages) {
    for (const split of ['train', 'test'] as const) {
      const want = request.perSplit[split];
      const pool = records.filter((t) => t.language === language && (!request.levels || request.levels.includes(t.level)) && splitOfSlug(t.slug, config.split.testFraction, config.split.seed) === split).sort((a, b) => (a.id < b.id ? -1 : 1));
      new Random(request.seed).shuffle(pool);
      let have = 0;
      let attempts = 0;
      for (const record of pool) {
        if (have >= want) break;
        request.signal?.throwIfAborted();
        attempts++;
        const before = tried.get(record.id);
        if (before?.status === 'dropped') continue;
        let task = before?.status === 'testable' ? prepared.get(record.id) : undefined;
        if (!task) {
          const outcome = await prepareTask(record, split, sandbox, config);
          if (outcome.status === 'testable') {
            task = outcome.task;
            appendLineDurable(preparedFile, serializeTask(task));
            prepared.set(task.id, task);
          }
          const line: Tried = outcome.status === 'testable' ? { id: record.id, status: 'testable' } : { id: record.id, status: 'dropped', reason: outcome.reason };
          appendLineDurable(triedFile, JSON.stringify(line));
          tried.set(record.id, line);
        }
        if (!task) continue;
        chosen.push(task);
        have++;
        request.onProgress?.({ language, split, have, want, tried: attempts });
      }
      if (have < want) log.warn('fewer testable tasks than asked for', { language, split, have, want });
    }
  }
  writeFileAtomicSync(tasksFile, chosen.map((t) => `${serializeTask(t)}\n`).join(''));
  return chosen;
}

/** The slice's tasks file. */
export const sliceTasksFile = (dir: string) => join(dir, 'tasks.jsonl');
