import type { Language } from '../sandbox/types.js';

const ALIASES: Record<Language, string[]> = {
  python3: ['python', 'python3', 'py'],
  cpp: ['cpp', 'c++', 'cc', 'cxx'],
  java: ['java'],
};

export type Extraction = { ok: true; code: string; blocks: number } | { ok: false; reason: 'no code block' | 'no block in the language' };

/**
 * The program in a model's answer: the fenced block in the task's language (an unlabeled block
 * counts when there is no labeled one). Several blocks: the one that declares a class, else the
 * longest. No block at all is a recorded failure, not an exception.
 */
export function extractCode(response: string, language: Language): Extraction {
  const blocks = [...response.matchAll(/```[ \t]*([\w+#-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g)].map((m) => ({ label: m[1]!.toLowerCase(), code: m[2]!.replace(/\s+$/, '') }));
  if (blocks.length === 0) return { ok: false, reason: 'no code block' };
  const labeled = blocks.filter((b) => ALIASES[language].includes(b.label));
  const pool = labeled.length > 0 ? labeled : blocks.filter((b) => b.label === '');
  if (pool.length === 0) return { ok: false, reason: 'no block in the language' };
  const withClass = pool.filter((b) => /\bclass\s+\w+/.test(b.code));
  const chosen = (withClass.length > 0 ? withClass : pool).reduce((a, b) => (b.code.length > a.code.length ? b : a));
  return { ok: true, code: `${chosen.code}\n`, blocks: pool.length };
}
