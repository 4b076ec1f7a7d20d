import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import type { ChatMessage } from '../preferences/pairs.js';

/**
 * Turns a conversation into token ids the way the policy sees it: ChatML (Qwen's template), the
 * markers as special tokens and the contents as plain text (a content can never smuggle in a
 * marker). The answer ends with <|im_end|>, which the model must learn to emit.
 */
export class ChatTokenizer {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
  ) {}

  /** Loads only the vocabulary of a GGUF (no weights). */
  static async load(modelFile: string): Promise<ChatTokenizer> {
    const llama = await getLlama({ build: 'never', gpu: false, progressLogs: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: modelFile, vocabOnly: true });
    return new ChatTokenizer(llama, model);
  }

  private text(text: string): number[] {
    return [...this.model.tokenize(text, false)];
  }

  private special(text: string): number[] {
    return [...this.model.tokenize(text, true)];
  }

  /** The prompt: every message, then the assistant's header. */
  prompt(messages: ChatMessage[]): Int32Array {
    const ids: number[] = [];
    for (const m of messages) ids.push(...this.special(`<|im_start|>${m.role}\n`), ...this.text(m.content), ...this.special('<|im_end|>\n'));
    ids.push(...this.special('<|im_start|>assistant\n'));
    return Int32Array.from(ids);
  }

  /** An answer: its content and the end-of-turn marker. */
  answer(messages: ChatMessage[]): Int32Array {
    const content = messages.map((m) => m.content).join('');
    return Int32Array.from([...this.text(content), ...this.special('<|im_end|>')]);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
    await this.llama.dispose();
  }
}
