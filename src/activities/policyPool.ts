import { basename } from 'node:path';
import type { PolicyConfig } from '../config/schema.js';
import { Policy } from '../policy/policy.js';
import type { PolicyRef } from '../workflows/definitions.js';

/**
 * The one model an inference worker holds (one per process: it is the memory). Activities
 * borrow it with the adapter they need; a borrower asking for another base model or adapter
 * waits until the current borrowers are done, then the pool switches (an adapter switch keeps
 * the model loaded; another base model reloads it).
 */
export class PolicyPool {
  private policy: Policy | null = null;
  private current: string | null = null;
  private users = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly config: PolicyConfig) {}

  async borrow(ref: PolicyRef): Promise<{ policy: Policy; release: () => void }> {
    const key = `${ref.model}\0${ref.adapter ?? ''}`;
    while (this.users > 0 && this.current !== key) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.users++;
    try {
      if (this.current !== key) {
        const adapter = ref.adapter ? { name: basename(ref.adapter, '.gguf'), file: ref.adapter, scale: 1 } : null;
        if (this.policy && this.policy.modelFile === ref.model) {
          await this.policy.useAdapter(adapter);
        } else {
          await this.policy?.dispose();
          this.policy = null;
          this.policy = await Policy.load(ref.model, this.config, adapter);
        }
        this.current = key;
      }
    } catch (error) {
      this.current = null;
      this.done();
      throw error;
    }
    let released = false;
    return {
      policy: this.policy!,
      release: () => {
        if (!released) (released = true), this.done();
      },
    };
  }

  private done(): void {
    this.users--;
    if (this.users === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  async dispose(): Promise<void> {
    await this.policy?.dispose();
    this.policy = null;
    this.current = null;
  }
}
