import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Language } from '../sandbox/types.js';
import type { PreparedTask } from './prepare/prepareTask.js';
import { parseTaskLine } from './store.js';
import type { Level } from './task.js';

export class TaskFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskFileError';
  }
}

export interface TaskFilter {
  split?: 'train' | 'test';
  languages?: Language[];
  levels?: Level[];
  /** The first n tasks that pass the other filters, in file order. */
  limit?: number;
}

/** Prepared tasks (codeq data prepare's tasks.jsonl), filtered; a bad line is an error naming file and line. */
export function readTaskFile(file: string, filter: TaskFilter = {}): PreparedTask[] {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new TaskFileError(`${file}: no such file. HINT: make one with codeq data prepare --out <dir> (it writes <dir>/tasks.jsonl)`);
  }
  const tasks: PreparedTask[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    let task: PreparedTask;
    try {
      task = parseTaskLine(lines[i]!);
    } catch (error) {
      const detail = error instanceof SyntaxError ? error.message : ((error as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') ?? String(error));
      throw new TaskFileError(`${file}:${i + 1}: not a prepared task (${detail}). HINT: pass a tasks.jsonl written by codeq data prepare`);
    }
    if (filter.split && task.split !== filter.split) continue;
    if (filter.languages && !filter.languages.includes(task.language)) continue;
    if (filter.levels && !filter.levels.includes(task.level)) continue;
    tasks.push(task);
    if (filter.limit !== undefined && tasks.length >= filter.limit) break;
  }
  return tasks;
}
