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
  refine: string;
  reflect: string;
}

/** The templates named by the policy config (paths relative to configs/). */
export function loadPromptTemplates(config: PolicyConfig, configsDir = CONFIGS_DIR): PromptTemplates {
  const read = (path: string) => {
    const text = readFileSync(join(configsDir, path), 'utf8');
    // An empty system prompt would make node-llama-cpp put its own default there, unrecorded.
    if (text.trim() === '') throw new Error(`prompt template ${join(configsDir, path)} is empty. HINT: write the prompt in it, or point policy.prompts at another file`);
    return text;
  };
  const p = config.prompts;
  return { system: read(p.system).trim(), rewrite: read(p.rewrite), feedback: read(p.feedback), critic: read(p.critic), refine: read(p.refine), reflect: read(p.reflect) };
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
  /** Reflection: how attempts already made from this code failed (visible feedback only). */
  siblings?: string[];
  /** Reflection: a self-reflection on why `code` fails. */
  reflection?: string | null;
}

/** The reflection sections of a prompt: sibling attempts and how they failed, and the self-reflection. */
function reflectionSections(input: Pick<RewriteInput, 'siblings' | 'reflection'>): { siblings: string; reflection: string } {
  const siblings = input.siblings?.length ? `\n## Other attempts already made from this code, and how they failed\n${input.siblings.map((f, i) => `- Attempt ${i + 1}: ${f}`).join('\n')}\n` : '';
  const reflection = input.reflection ? `\n## Why it fails (a reflection)\n${input.reflection.trim()}\n` : '';
  return { siblings, reflection };
}

/** The placeholders every rewrite-like prompt fills from its task. */
function taskValues(input: Pick<RewriteInput, 'language' | 'description' | 'constraints'>): Record<string, string> {
  return { language: LANGUAGE_NAMES[input.language], fence: FENCES[input.language], description: input.description.trim(), constraints: input.constraints.trim() || '(none given)' };
}

export function rewritePrompt(templates: PromptTemplates, input: RewriteInput): string {
  const sections = reflectionSections(input);
  const feedback = (input.feedback ? render(templates.feedback, { feedback: input.feedback }) : '') + sections.siblings + sections.reflection;
  return render(templates.rewrite, { ...taskValues(input), code: input.code.trim(), feedback });
}

/** The critic's prompt: the problem, the program and its visible-test feedback (never hidden tests). */
export function criticPrompt(templates: PromptTemplates, input: Pick<RewriteInput, 'language' | 'description' | 'constraints' | 'code'> & { feedback: string }): string {
  return render(templates.critic, { ...taskValues(input), code: input.code.trim(), feedback: input.feedback.trim() });
}

export interface RefineInput extends RewriteInput {
  /** The task's buggy program (the attempt `code` was made from it). */
  original: string;
  feedback: string;
}

/** MCTS's prompt below the root: the original program, the attempt, its feedback and the reflection. */
export function refinePrompt(templates: PromptTemplates, input: RefineInput): string {
  const sections = reflectionSections(input);
  return render(templates.refine, {
    ...taskValues(input),
    original: input.original.trim(),
    attempt: input.code.trim(),
    feedback: input.feedback.trim(),
    ...sections,
  });
}

export function reflectPrompt(templates: PromptTemplates, input: Pick<RewriteInput, 'language' | 'description' | 'constraints' | 'code'> & { feedback: string }): string {
  return render(templates.reflect, { ...taskValues(input), code: input.code.trim(), feedback: input.feedback.trim() });
}
