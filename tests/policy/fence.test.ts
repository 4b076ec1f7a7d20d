import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/models/pull.js';
import { Policy } from '../../src/policy/policy.js';
import { cacheDir, config } from '../helpers/host.js';

/**
 * With the real default model (npm test's setup pulled it): an answer opens with the fence and
 * stops where its first code block closes, so no tokens go to the prose the 0.5B model writes
 * around its code. Without the switches the same prompt and seeds run on into prose.
 */
const PROMPT = 'Fix the bug and explain what you changed.\n\n```python\ndef add(a, b):\n    return a - b\n```';

describe('answers that are code only (the real default model)', () => {
  let fenced: Policy;
  beforeAll(async () => {
    const model = await resolveModel(undefined, config.models, cacheDir);
    fenced = await Policy.load(model.file, { ...config.policy, sequences: 2, contextSize: 2048 });
  }, 120_000);
  afterAll(() => fenced?.dispose());

  it('opens with ```python, ends at the closing fence with nothing after it, where free text runs on into prose', async () => {
    const options = { k: 2, maxTokens: 256, temperature: 0.8, seed: 7 };
    const answers = await fenced.generate(PROMPT, 'python3', 'You are a careful programmer.', options);
    for (const a of answers) {
      expect(a.text.startsWith('```python\n'), a.text).toBe(true);
      expect(a.tokens).toBeLessThan(256);
      expect(a.text.endsWith('\n```'), a.text).toBe(true);
      expect(a.text.match(/```/g), a.text).toHaveLength(2);
      expect(a.code).not.toBeNull();
    }
    // The same prompt and seeds with both switches off: prose before or after the code.
    const loose = await fenced.generate(PROMPT, 'python3', 'You are a careful programmer.', { ...options, openFence: false, stopAtFenceEnd: false });
    const after = (text: string) => text.slice(text.lastIndexOf('```') + 3).trim().length + text.slice(0, text.indexOf('```')).trim().length;
    expect(loose.some((a) => after(a.text) > 0)).toBe(true);
  }, 900_000);
});
