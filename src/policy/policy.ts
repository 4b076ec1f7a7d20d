import { basename } from 'node:path';
import {
  getLlama,
  JinjaTemplateChatWrapper,
  LlamaChatSession,
  LlamaLogLevel,
  QwenChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import type { PolicyConfig } from '../config/schema.js';
import type { Language } from '../sandbox/types.js';
import { inspectModel } from '../models/inspect.js';
import { Semaphore } from '../util/semaphore.js';
import { extractCode } from './extractCode.js';
import { FENCES } from './prompts.js';

/** A LoRA adapter GGUF (as the trainer exports it) applied with a scale. */
export interface Adapter {
  name: string;
  file: string;
  scale: number;
}

/** One generated rewrite: the raw answer, the program in it (or why there is none), and its cost. */
export interface Candidate {
  index: number;
  seed: number;
  text: string;
  code: string | null;
  failure: string | null;
  tokens: number;
  ms: number;
  /** Which policy produced it: the adapter's name, or null for the base model. */
  adapter: string | null;
}

/**
 * A critic's prior on one program, in [0, 1]: the expected score under the model's distribution
 * over the score digits after the prompt (one forward pass, nothing generated), and the prompt
 * tokens that pass evaluated.
 */
export interface CriticPrior {
  score: number;
  promptTokens: number;
}

export interface GenerateOptions {
  k?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  /** Override policy.generation.openFence / stopAtFenceEnd for this call. */
  openFence?: boolean;
  stopAtFenceEnd?: boolean;
  signal?: AbortSignal;
}

export interface ReflectOptions {
  maxTokens: number;
  temperature: number;
  seed: number;
  signal?: AbortSignal;
}

export interface Reflection {
  text: string;
  tokens: number;
}

export interface CritiqueOptions {
  signal?: AbortSignal;
}

/** The score digits the critic prompt asks for: 0 (surely wrong) to 9 (surely correct). */
const SCORE_DIGITS = '0123456789';

/** Where the first code block ends (stopAtFenceEnd). */
const CLOSING_FENCE = '\n```';

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

let loadedInThisProcess = false;

function checkAdapter(adapter: Adapter): void {
  let summary;
  try {
    summary = inspectModel(adapter.file);
  } catch (error) {
    throw new PolicyError(`adapter ${adapter.name}: ${(error as Error).message}`);
  }
  if (summary.type !== 'adapter' || summary.adapter?.type !== 'lora') {
    throw new PolicyError(`adapter ${adapter.name}: ${adapter.file} is not a LoRA adapter (general.type ${summary.type}, adapter.type ${summary.adapter?.type ?? '-'})`);
  }
}

/**
 * The policy: one base model per process (it is the memory), one context with K sequences, an
 * optional LoRA adapter that can be switched without reloading the model. Candidates are
 * generated concurrently on the sequences; node-llama-cpp batches them into shared evaluations.
 */
export class Policy {
  private context: LlamaContext | null = null;
  private currentAdapter: Adapter | null = null;
  private readonly slots: Semaphore;
  private readonly chatWrapper: ChatWrapper;
  private disposed = false;
  /** The token of each score digit (one token each in Qwen's vocabulary; checked when first used). */
  private scoreTokens: Token[] | null = null;

  private constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    readonly config: PolicyConfig,
    readonly modelFile: string,
  ) {
    this.slots = new Semaphore(config.sequences);
    // Qwen models get QwenChatWrapper; anything else its own Jinja template (TemplateChatWrapper is broken in 3.21.1).
    const architecture = model.fileInfo.metadata.general.architecture;
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    this.chatWrapper = architecture.startsWith('qwen') || !template ? new QwenChatWrapper() : new JinjaTemplateChatWrapper({ template });
  }

  static async load(modelFile: string, config: PolicyConfig, adapter: Adapter | null = null): Promise<Policy> {
    if (loadedInThisProcess) throw new PolicyError('a policy model is already loaded in this process; dispose it first (one model per process)');
    // Our own reader names the file and what is wrong with it (missing, truncated, not GGUF).
    const summary = inspectModel(modelFile);
    if (summary.type !== 'model') throw new PolicyError(`${modelFile} is a ${summary.type}, not a model`);
    if (adapter) checkAdapter(adapter);
    loadedInThisProcess = true;
    try {
      const llama = await getLlama({ build: 'never', gpu: config.gpu === 'cpu' ? false : 'auto', progressLogs: false, logLevel: LlamaLogLevel.error });
      let model: LlamaModel;
      try {
        model = await llama.loadModel({ modelPath: modelFile });
      } catch (error) {
        await llama.dispose();
        throw new PolicyError(`cannot load the model ${modelFile}: ${(error as Error).message}`);
      }
      const policy = new Policy(llama, model, config, modelFile);
      try {
        await policy.useAdapter(adapter);
      } catch (error) {
        await model.dispose();
        await llama.dispose();
        throw error;
      }
      return policy;
    } catch (error) {
      loadedInThisProcess = false;
      throw error;
    }
  }

  get adapter(): string | null {
    return this.currentAdapter?.name ?? null;
  }

  /** Switches the adapter (or back to the base model) by recreating the context; the model stays loaded. */
  async useAdapter(adapter: Adapter | null): Promise<void> {
    this.assertUsable();
    if (adapter) checkAdapter(adapter);
    if (this.context && (this.currentAdapter?.file ?? null) === (adapter?.file ?? null) && this.currentAdapter?.scale === adapter?.scale) return;
    await this.context?.dispose();
    this.context = null;
    try {
      this.context = await this.model.createContext({
        contextSize: this.config.contextSize,
        sequences: this.config.sequences,
        threads: this.config.threads,
        batchSize: this.config.batchSize,
        flashAttention: this.config.flashAttention,
        ...(adapter ? { lora: { adapters: [{ filePath: adapter.file, scale: adapter.scale }] } } : {}),
      });
    } catch (error) {
      throw new PolicyError(`cannot create a context${adapter ? ` with adapter ${adapter.file}` : ''}: ${(error as Error).message}`);
    }
    this.currentAdapter = adapter;
  }

  /** Runs `task` on a free sequence of the context, disposing the sequence afterwards. */
  private withSequence<T>(task: (session: LlamaChatSession, tokensUsed: () => number) => Promise<T>, systemPrompt?: string): Promise<T> {
    return this.slots.use(async () => {
      const sequence = await this.takeSequence();
      const session = new LlamaChatSession({ contextSequence: sequence, chatWrapper: this.chatWrapper, ...(systemPrompt ? { systemPrompt } : {}) });
      const before = sequence.tokenMeter.usedOutputTokens;
      try {
        return await task(session, () => sequence.tokenMeter.usedOutputTokens - before);
      } finally {
        session.dispose({ disposeSequence: true });
      }
    });
  }

  /** K candidate rewrites of one prompt, generated at once (candidate i uses seed + i). */
  async generate(prompt: string, language: Language, systemPrompt: string, options: GenerateOptions = {}): Promise<Candidate[]> {
    const g = this.config.generation;
    const k = options.k ?? this.config.sequences;
    const seed = options.seed ?? g.seed;
    const openFence = options.openFence ?? g.openFence;
    // Without the opening fence forced, the closing-fence trigger would fire at the opening one.
    const stopAtFenceEnd = openFence && (options.stopAtFenceEnd ?? g.stopAtFenceEnd);
    const adapter = this.adapter;
    return Promise.all(
      Array.from({ length: k }, (_, index) =>
        this.withSequence(async (session, tokensUsed) => {
          const started = performance.now();
          const answer = await session.promptWithMeta(prompt, {
            temperature: options.temperature ?? g.temperature,
            topP: options.topP ?? g.topP,
            maxTokens: options.maxTokens ?? g.maxTokens,
            seed: seed + index,
            ...(openFence ? { responsePrefix: `\`\`\`${FENCES[language]}\n` } : {}),
            ...(stopAtFenceEnd ? { customStopTriggers: [CLOSING_FENCE] } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          // The stop trigger is left out of the response; the answer keeps its closing fence (it
          // was generated, and DPO trains on whole answers).
          const text = answer.response.filter((part): part is string => typeof part === 'string').join('') + (answer.stopReason === 'customStopTrigger' ? CLOSING_FENCE : '');
          const extracted = extractCode(text, language);
          return {
            index,
            seed: seed + index,
            text,
            code: extracted.ok ? extracted.code : null,
            failure: extracted.ok ? null : extracted.reason,
            tokens: tokensUsed(),
            ms: Math.round(performance.now() - started),
            adapter,
          };
        }, systemPrompt),
      ),
    );
  }

  /**
   * Critic priors in [0, 1], one forward pass per prompt: the chat is rendered with the answer
   * begun by policy.critic.responsePrefix, and the next token's distribution over the digits 0-9
   * gives the expected score (renormalized over the digits; 0.5 when the model puts no mass on
   * them). Nothing is generated, so the search's token budget is untouched; the prompt tokens
   * evaluated are reported. Prompts run concurrently on the context's sequences.
   */
  async criticPrior(prompts: string[], systemPrompt: string, options: CritiqueOptions = {}): Promise<CriticPrior[]> {
    const digits = this.digitTokens();
    return Promise.all(
      prompts.map((prompt) =>
        this.slots.use(async () => {
          options.signal?.throwIfAborted();
          const state = this.chatWrapper.generateContextState({
            chatHistory: [
              { type: 'system', text: systemPrompt },
              { type: 'user', text: prompt },
              { type: 'model', response: [this.config.critic.responsePrefix] },
            ],
          });
          const tokens = state.contextText.tokenize(this.model.tokenizer);
          const sequence = await this.takeSequence();
          try {
            const input = tokens.map((token, i) => (i === tokens.length - 1 ? ([token, { generateNext: { probabilities: true } }] as const) : token));
            const output = await sequence.controlledEvaluate(input as Parameters<typeof sequence.controlledEvaluate>[0]);
            const probabilities = output[tokens.length - 1]?.next?.probabilities;
            let mass = 0;
            let expected = 0;
            digits.forEach((token, d) => {
              const p = probabilities?.get(token) ?? 0;
              mass += p;
              expected += p * d;
            });
            return { score: mass > 1e-9 ? expected / mass / (digits.length - 1) : 0.5, promptTokens: tokens.length };
          } finally {
            sequence.dispose();
          }
        }),
      ),
    );
  }

  private digitTokens(): Token[] {
    if (this.scoreTokens) return this.scoreTokens;
    const tokens = [...SCORE_DIGITS].map((digit) => {
      const t = this.model.tokenize(digit);
      if (t.length !== 1) throw new PolicyError(`the critic needs each digit to be one token; ${JSON.stringify(digit)} is ${t.length} in ${this.name}`);
      return t[0]!;
    });
    this.scoreTokens = tokens;
    return tokens;
  }

  /** A short free-text answer (a self-reflection on a failed attempt), with the tokens it generated. */
  async reflect(prompt: string, systemPrompt: string, options: ReflectOptions): Promise<Reflection> {
    return this.withSequence(async (session, tokensUsed) => {
      const text = await session.prompt(prompt, {
        temperature: options.temperature,
        maxTokens: options.maxTokens,
        seed: options.seed,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { text: text.trim(), tokens: tokensUsed() };
    }, systemPrompt);
  }

  tokenize(text: string, specialTokens = false): Token[] {
    return this.model.tokenize(text, specialTokens);
  }

  /**
   * Log-probabilities of `completion` after `prefix` (both token lists), under the current policy:
   * one evaluation with full next-token distributions at the completion's positions. At a 152k
   * vocabulary each position costs a full probability map: keep completions short.
   */
  async logProbs(prefix: Token[], completion: Token[]): Promise<number[]> {
    if (prefix.length === 0) throw new PolicyError('logProbs needs at least one prefix token');
    return this.slots.use(async () => {
      const sequence = await this.takeSequence();
      try {
        const input = [...prefix, ...completion.slice(0, -1)].map((token, i) =>
          i >= prefix.length - 1 ? ([token, { generateNext: { probabilities: true } }] as const) : token,
        );
        const output = await sequence.controlledEvaluate(input as Parameters<typeof sequence.controlledEvaluate>[0]);
        return completion.map((token, j) => {
          const probabilities = output[prefix.length - 1 + j]?.next?.probabilities;
          const p = probabilities?.get(token) ?? 0;
          return Math.log(p);
        });
      } finally {
        sequence.dispose();
      }
    });
  }

  get name(): string {
    return basename(this.modelFile);
  }

  /**
   * A free sequence of the context. A disposed sequence's slot is given back asynchronously by
   * node-llama-cpp, so right after one is released under the semaphore the next may briefly find
   * none: wait for the release rather than fail.
   */
  private async takeSequence(): Promise<LlamaContextSequence> {
    for (let attempt = 0; ; attempt++) {
      const context = this.assertContext();
      try {
        return context.getSequence();
      } catch (error) {
        if (attempt >= 200 || !/No sequences left/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new PolicyError('the policy was disposed');
  }

  private assertContext(): LlamaContext {
    this.assertUsable();
    if (!this.context) throw new PolicyError('the policy has no context: the last adapter switch failed; call useAdapter again');
    return this.context;
  }

  /** Idempotent; frees the context, the model and the backend. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.context?.dispose();
    await this.model.dispose();
    await this.llama.dispose();
    loadedInThisProcess = false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
