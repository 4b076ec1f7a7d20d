import type { Command } from 'commander';
import { resolveCacheDir } from '../config/env.js';
import { resolveModel } from '../models/pull.js';
import { Policy } from '../policy/policy.js';
import { loadPromptTemplates, rewritePrompt } from '../policy/prompts.js';
import { BACKENDS } from '../sandbox/types.js';
import { verdictText } from '../search/printTree.js';
import { judgeCandidate } from '../verify/judgeCandidate.js';
import { log } from '../util/log.js';
import { integer, nonNegativeInteger, nonNegativeNumber, oneOf, positiveInteger, requireInputFile } from './options.js';
import { checkTaskSource, findTask, openTaskRun, type TaskFlags } from './taskRun.js';

interface RepairFlags extends TaskFlags {
  task: string;
  tasks?: string;
  debugbench?: string;
  model?: string;
  k?: number;
  temperature?: number;
  json?: boolean;
}

export function registerRepairCommand(program: Command): void {
  program
    .command('repair')
    .description('one-shot repair of one task: the policy rewrites the buggy code, the verifier judges it (visible + hidden tests)')
    .requiredOption('--task <id>', 'task id, e.g. python3/two-sum/condition-error/1a2b3c4d (see tasks.jsonl or codeq data prepare)')
    .option('--tasks <file>', 'a prepared tasks.jsonl to take the task and its tests from (default: build them from DebugBench)')
    .option('--debugbench <dir>', 'DebugBench shards (default: $CODEQ_DEBUGBENCH or ../shared/debugbench)')
    .option('--model <name-or-path>', 'catalog name or .gguf path (default: policy.model or models.default)')
    .option('--k <n>', 'candidates to generate (default 1: single pass)', positiveInteger, 1)
    .option('--temperature <t>', 'sampling temperature (default: from config)', nonNegativeNumber)
    .option('--hidden <n>', 'hidden tests when building them from DebugBench', nonNegativeInteger)
    .option('--seed <n>', 'generation seed (default: from config)', integer)
    .option('--backend <backend>', `sandbox backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--json', 'print one JSON object')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: RepairFlags) => {
      const { config, tasks: tasksConfig, sandbox } = await openTaskRun({ ...flags, seed: undefined }, (config) => {
        checkTaskSource(flags, config);
        if (flags.model && (flags.model.endsWith('.gguf') || flags.model.includes('/'))) requireInputFile('--model', flags.model, 'give a .gguf path or a catalog name (configs/default.yaml models.catalog)');
      });
      let policy: Policy | null = null;
      try {
        const target = await findTask(flags, config.tasks.debugbench, sandbox, tasksConfig);
        const model = await resolveModel(flags.model ?? config.policy.model ?? undefined, config.models, resolveCacheDir(config.cacheDir));
        const policyConfig = { ...config.policy, sequences: Math.max(1, Math.min(flags.k!, config.policy.sequences)) };
        policy = await Policy.load(model.file, policyConfig);
        const templates = loadPromptTemplates(config.policy);
        const prompt = rewritePrompt(templates, { language: target.task.language, description: target.task.description, constraints: target.task.constraints, code: target.task.buggyCode });
        log.info('generating', { task: target.task.id, model: policy.name, k: flags.k });
        const candidates = await policy.generate(prompt, target.task.language, templates.system, {
          k: flags.k,
          ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
          ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        });
        const judged = [];
        for (const candidate of candidates) {
          if (!candidate.code) {
            judged.push({ candidate, verdict: 'no_code' as const, visible: null, hidden: null });
            continue;
          }
          judged.push({ candidate, ...(await judgeCandidate(sandbox, target, candidate.code, tasksConfig)) });
        }
        if (flags.json) {
          const out = judged.map(({ candidate, verdict, visible, hidden }) => ({
            task: target.task.id,
            model: policy!.name,
            adapter: candidate.adapter,
            seed: candidate.seed,
            tokens: candidate.tokens,
            ms: candidate.ms,
            verdict,
            ...(verdict === 'pass_visible_only' ? { visibleOnly: target.visibleOnly } : {}),
            visible: visible ? { verdict: visible.verdict, passed: visible.passed, total: visible.total } : null,
            hidden: hidden ? { verdict: hidden.verdict, passed: hidden.passed, total: hidden.total } : null,
            code: candidate.code,
            failure: candidate.failure,
          }));
          process.stdout.write(`${JSON.stringify(out.length === 1 ? out[0] : out)}\n`);
        } else {
          for (const { candidate, verdict, visible, hidden } of judged) {
            process.stdout.write(
              [
                `--- candidate ${candidate.index + 1} of ${judged.length} (${policy.name}${candidate.adapter ? ` + ${candidate.adapter}` : ''}, seed ${candidate.seed}, ${candidate.tokens} tokens, ${candidate.ms} ms)`,
                candidate.code ?? `(no program: ${candidate.failure})\n${candidate.text}`,
                `verdict: ${verdict === 'pass_visible_only' ? verdictText({ verdict, visibleOnly: target.visibleOnly }) : verdict}` +
                  (visible ? `  (visible ${visible.passed}/${visible.total}${hidden ? `, hidden ${hidden.passed}/${hidden.total}` : ''})` : '') +
                  (visible && visible.verdict !== 'pass' && visible.message ? `\n${visible.message}` : ''),
                '',
              ].join('\n'),
            );
          }
        }
        if (!flags.json && judged.length > 1) {
          const verdicts: string[] = judged.map((j) => j.verdict);
          const count = (v: string) => verdicts.filter((x) => x === v).length;
          process.stdout.write(`${count('pass')} of ${judged.length} pass (visible and hidden tests); ${count('pass_visible_only')} pass_visible_only (not counted as passes)\n`);
        }
        // pass_visible_only is not a pass: the hidden tests could not vouch for it.
        if (!judged.some((j) => j.verdict === 'pass')) process.exitCode = 4;
      } finally {
        await policy?.dispose();
        await sandbox.dispose();
      }
    });
}

