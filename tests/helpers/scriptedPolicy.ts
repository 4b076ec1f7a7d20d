import type { Candidate, CriticScore, GenerateOptions } from '../../src/policy/policy.js';
import type { Language } from '../../src/sandbox/types.js';
import type { RewritePolicy } from '../../src/search/rewritePolicy.js';

/** What a scripted policy answers: a program (fenced for it), or raw text holding none. */
export type ScriptedAnswer = string | { text: string };

/**
 * A policy for unit tests of search logic: each generate() call takes the next k answers from
 * a script, in order; critic scores come from a table by program. It records every prompt.
 */
export class ScriptedPolicy implements RewritePolicy {
  readonly name = 'scripted.gguf';
  readonly adapter = null;
  readonly prompts: string[] = [];
  readonly calls: { k: number; seed: number; temperature: number | undefined }[] = [];
  private next = 0;

  constructor(
    private readonly script: ScriptedAnswer[],
    private readonly critic: (code: string) => number = () => 0.5,
    private readonly tokensPerAnswer = 10,
  ) {}

  async generate(prompt: string, _language: Language, _system: string, options: GenerateOptions = {}): Promise<Candidate[]> {
    const k = options.k ?? 1;
    const seed = options.seed ?? 0;
    this.prompts.push(prompt);
    this.calls.push({ k, seed, temperature: options.temperature });
    return Array.from({ length: k }, (_, index) => {
      const answer = this.script[this.next++];
      if (answer === undefined) throw new Error(`the script has only ${this.script.length} answers`);
      const code = typeof answer === 'string' ? answer : null;
      return {
        index,
        seed: seed + index,
        text: code !== null ? `\`\`\`python\n${code}\n\`\`\`` : (answer as { text: string }).text,
        code,
        failure: code === null ? 'no code block' : null,
        tokens: this.tokensPerAnswer,
        ms: 1,
        adapter: null,
      };
    });
  }

  async critique(prompts: string[]): Promise<CriticScore[]> {
    return prompts.map((prompt) => {
      const code = /```\w*\n([\s\S]*?)\n```/.exec(prompt)?.[1] ?? '';
      return { score: this.critic(code), tokens: 1 };
    });
  }

  get answersUsed(): number {
    return this.next;
  }
}
