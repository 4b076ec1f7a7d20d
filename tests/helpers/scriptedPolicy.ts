import type { Candidate, CriticPrior, GenerateOptions, Reflection, ReflectOptions } from '../../src/policy/policy.js';
import type { Language } from '../../src/sandbox/types.js';
import type { RewritePolicy } from '../../src/search/rewritePolicy.js';

/** What a scripted policy answers: a program (fenced for it), or raw text holding none. */
export type ScriptedAnswer = string | { text: string };

/**
 * A policy for unit tests of search logic: each generate() call takes the next k answers from
 * a script, in order; critic priors come from a table by program. It records every prompt (the
 * rewrite, critic and reflection ones) and every call's options.
 *
 * Like a model, it honours maxTokens: each answer costs `tokensPerAnswer` unless the call allows
 * fewer, and an answer cut off that way holds no program. A critic prior generates nothing; it
 * reads `criticPromptTokens` prompt tokens.
 */
export class ScriptedPolicy implements RewritePolicy {
  readonly name = 'scripted.gguf';
  readonly adapter = null;
  readonly prompts: string[] = [];
  readonly criticPrompts: string[] = [];
  readonly reflectPrompts: string[] = [];
  readonly calls: { k: number; seed: number; temperature: number | undefined; maxTokens: number | undefined }[] = [];
  readonly criticCalls: { prompts: number }[] = [];
  private next = 0;

  constructor(
    private readonly script: ScriptedAnswer[],
    private readonly critic: (code: string) => number = () => 0.5,
    private readonly tokensPerAnswer = 10,
    private readonly criticPromptTokens = 100,
    private readonly reflectionTokens = 5,
  ) {}

  async generate(prompt: string, _language: Language, _system: string, options: GenerateOptions = {}): Promise<Candidate[]> {
    const k = options.k ?? 1;
    const seed = options.seed ?? 0;
    this.prompts.push(prompt);
    this.calls.push({ k, seed, temperature: options.temperature, maxTokens: options.maxTokens });
    const tokens = Math.min(this.tokensPerAnswer, options.maxTokens ?? Number.POSITIVE_INFINITY);
    const cut = tokens < this.tokensPerAnswer;
    return Array.from({ length: k }, (_, index) => {
      const answer = this.script[this.next++];
      if (answer === undefined) throw new Error(`the script has only ${this.script.length} answers`);
      const code = typeof answer === 'string' && !cut ? answer : null;
      const text = typeof answer === 'string' ? `\`\`\`python\n${answer}\n\`\`\`` : answer.text;
      return {
        index,
        seed: seed + index,
        text: cut ? text.slice(0, Math.max(1, Math.floor((text.length * tokens) / this.tokensPerAnswer))) : text,
        code,
        failure: code === null ? 'no code block' : null,
        tokens,
        ms: 1,
        adapter: null,
      };
    });
  }

  async criticPrior(prompts: string[]): Promise<CriticPrior[]> {
    this.criticPrompts.push(...prompts);
    this.criticCalls.push({ prompts: prompts.length });
    return prompts.map((prompt) => {
      const code = /```\w*\n([\s\S]*?)\n```/.exec(prompt)?.[1] ?? '';
      return { score: this.critic(code), promptTokens: this.criticPromptTokens };
    });
  }

  /** Self-reflections: "reflection N" (N from 1), each costing `reflectionTokens` unless capped lower. */
  async reflect(prompt: string, _system: string, options: ReflectOptions): Promise<Reflection> {
    this.reflectPrompts.push(prompt);
    return { text: `reflection ${this.reflectPrompts.length}`, tokens: Math.min(this.reflectionTokens, options.maxTokens) };
  }

  /** Every prompt this policy was shown: rewrite, critic and reflection alike. */
  get allPrompts(): string[] {
    return [...this.prompts, ...this.criticPrompts, ...this.reflectPrompts];
  }

  get answersUsed(): number {
    return this.next;
  }
}
