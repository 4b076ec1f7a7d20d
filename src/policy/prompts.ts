import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGS_DIR } from '../config/load.js';
import type { PolicyConfig } from '../config/schema.js';
import type { Language } from '../sandbox/types.js';

/** Markdown fence names per language. */
export const FENCES: Record<Language, string> = { python3: 'python', cpp: 'cpp', java: 'java' };
const LANGUAGE_NAMES: Record<Language, string> = { python3: 'Python 3', cpp: 'C++', java: 'Java' };

export interface PromptTemplates {
  system: string;
  rewrite: string;
  feedback: string;
  critic: string;
}

/** The templates named by the policy config (paths relative to configs/). */
export function loadPromptTemplates(config: PolicyConfig, configsDir = CONFIGS_DIR): PromptTemplates {
  const read = (path: string) => {
    const text = readFileSync(join(configsDir, path), 'utf8');
    // An empty system prompt would make node-llama-cpp put its own default there, unrecorded.
    if (text.trim() === '') throw new Error(`prompt template ${join(configsDir, path)} is empty. HINT: write the prompt in it, or point policy.prompts at another file`);
    return text;
  };
  return { system: read(config.prompts.system).trim(), rewrite: read(config.prompts.rewrite), feedback: read(config.prompts.feedback), critic: read(config.prompts.critic) };
}

/** `{{name}}` → value; an unknown placeholder is an error, so a typo in a template cannot pass silently. */
export function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`prompt template uses {{${name}}}, which is not one of ${Object.keys(values).join(', ')}`);
    return values[name]!;
  });
}

export interface RewriteInput {
  language: Language;
  description: string;
  constraints: string;
  code: string;
  /** Sandbox feedback on `code` (depth > 0): visible tests only, never hidden ones. */
  feedback?: string;
}

export function rewritePrompt(templates: PromptTemplates, input: RewriteInput): string {
  const feedback = input.feedback ? render(templates.feedback, { feedback: input.feedback }) : '';
  return render(templates.rewrite, {
    language: LANGUAGE_NAMES[input.language],
    fence: FENCES[input.language],
    description: input.description.trim(),
    constraints: input.constraints.trim() || '(none given)',
    code: input.code.trim(),
    feedback,
  });
}

export function criticPrompt(templates: PromptTemplates, input: { language: Language; description: string; code: string }): string {
  return render(templates.critic, {
    language: LANGUAGE_NAMES[input.language],
    fence: FENCES[input.language],
    description: input.description.trim(),
    code: input.code.trim(),
  });
}
