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
  /** Only the task with this id (the file is still checked to be a tasks file: its first line is parsed). */
  id?: string;
  split?: 'train' | 'test';
  languages?: Language[];
  levels?: Level[];
  /** The first n tasks that pass the other filters, in file order. */
  limit?: number;
}

/** zod's issues, or a JSON syntax error, as a short text: the first three issues and a count of the rest. */
function describeProblem(error: unknown): string {
  if (error instanceof SyntaxError) return error.message;
  const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  if (!issues) return String(error);
  const shown = issues.slice(0, 3).map((x) => `${x.path.join('.') || '(line)'}: ${x.message}`);
  return `${shown.join('; ')}${issues.length > 3 ? `; and ${issues.length - 3} more` : ''}`;
}

/**
 * Prepared tasks (codeq data prepare's tasks.jsonl), filtered; a file that is missing or is not a
 * tasks file is an error naming the file (and line) and what to do. Every command that reads a
 * tasks file reads it here, so they all say the same.
 */
export function readTaskFile(file: string, filter: TaskFilter = {}): PreparedTask[] {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new TaskFileError(`${file}: no such file. HINT: make one with codeq data prepare --out <dir> (it writes <dir>/tasks.jsonl)`);
  }
  // With an id, only the first line and the lines that can hold that id are parsed (a tasks file is large).
  const idField = filter.id === undefined ? null : `"id":${JSON.stringify(filter.id)}`;
  const tasks: PreparedTask[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    if (idField && !first && !lines[i]!.includes(idField)) continue;
    first = false;
    let task: PreparedTask;
    try {
      task = parseTaskLine(lines[i]!);
    } catch (error) {
      throw new TaskFileError(`${file}:${i + 1}: not a prepared task (${describeProblem(error)}). HINT: pass a tasks.jsonl written by codeq data prepare`);
    }
    if (filter.id !== undefined && task.id !== filter.id) continue;
    if (filter.split && task.split !== filter.split) continue;
    if (filter.languages && !filter.languages.includes(task.language)) continue;
    if (filter.levels && !filter.levels.includes(task.level)) continue;
    tasks.push(task);
    if (filter.limit !== undefined && tasks.length >= filter.limit) break;
  }
  return tasks;
}

/** The task with this id in a tasks file (checked as readTaskFile checks it for codeq collect). */
export function findTaskInFile(file: string, id: string): PreparedTask {
  const [task] = readTaskFile(file, { id, limit: 1 });
  if (!task) throw new TaskFileError(`--task ${id} is not in ${file}. HINT: task ids look like python3/<slug>/<bug-type>/<8 hex>; take one from that file's "id" fields`);
  return task;
}
