import type { Language } from '../sandbox/types.js';

export const CATEGORIES = ['syntax', 'reference', 'logic', 'multiple'] as const;
export type Category = (typeof CATEGORIES)[number];

/** DebugBench bug types by major category (the paper's mapping, see the data's README). */
export const BUG_CATEGORIES: Record<string, Category> = {
  'misused == or =': 'syntax',
  'missing colons': 'syntax',
  'unclosed parentheses': 'syntax',
  'illegal separation': 'syntax',
  'illegal indentation': 'syntax',
  'unclosed string': 'syntax',
  'illegal comment': 'syntax',
  'faulty indexing': 'reference',
  'undefined objects': 'reference',
  'undefined methods': 'reference',
  'illegal keywords': 'reference',
  'condition error': 'logic',
  'operation error': 'logic',
  'variable error': 'logic',
  'other error': 'logic',
  double: 'multiple',
  triple: 'multiple',
  quadruple: 'multiple',
};

export type Level = 'easy' | 'medium' | 'hard';

/** One DebugBench record, as codeq uses it. */
export interface Task {
  /** `<language>/<slug>/<bug type with dashes>/<first 8 hex of sha256(buggy code)>` */
  id: string;
  language: Language;
  slug: string;
  level: Level;
  bugType: string;
  category: Category;
  description: string;
  constraints: string;
  examples: string[];
  oracleCode: string;
  buggyCode: string;
  /** Where it came from, for error messages: shard file name and index in it. */
  source: { file: string; index: number };
}
