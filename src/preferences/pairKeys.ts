import { createHash } from 'node:crypto';
import type { Trajectory } from '../search/trajectory.js';
import { normalizeCode } from '../tasks/normalize.js';
import type { ChatMessage, PreferencePair } from './pairs.js';
import type { ProgramTokenizer } from './programTokens.js';

const digest = (parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');
const messages = (list: ChatMessage[]) => list.map((m) => `${m.role}:${normalizeCode(m.content)}`).join('\u0001');

/** Exact identity of a pair: prompt, chosen and rejected texts (trailing spaces and blank lines ignored). */
export function exactPairKey(pair: PreferencePair): string {
  return digest([messages(pair.prompt), messages(pair.chosen), messages(pair.rejected)]);
}

/**
 * Semantic identity of a pair: the prompt, and the two programs as their syntax trees (comments
 * and formatting do not count; see ProgramTokenizer), whatever prose the answers wrapped them in.
 * An answer with no program counts by its text. `t` is the tree the pair came from.
 */
export function semanticPairKey(pair: PreferencePair, t: Trajectory, tokenizer: ProgramTokenizer): string {
  const program = (node: number | null, answer: ChatMessage[]) =>
    node === null ? `text:${messages(answer)}` : `program:${tokenizer.normalize(t.nodes[node]!.code, t.language)}`;
  return digest([messages(pair.prompt), program(pair.meta.chosenNode, pair.chosen), program(pair.meta.rejectedNode, pair.rejected)]);
}
