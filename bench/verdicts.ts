/**
 * npm run bench:verdicts — how often codeq's verdicts agree with LeetCode's judge, on programs whose
 * judge verdict is known without asking LeetCode:
 * - accepted: the other correct solutions of a problem in the task's own language (DebugBench keeps
 *   several accepted solutions for some problems, one per record); they must pass;
 * - rejected: DebugBench's buggy programs (the benchmark kept only bugs LeetCode's judge rejects);
 *   they must fail.
 * The tests are built as `codeq data prepare` builds them, except that the solutions being judged
 * never serve as peer oracles for the inputs they are judged on (other languages' solutions do).
 * Writes its section of docs/benchmarks.md and the programs it judged wrongly to --details.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomicSync } from '../src/artifacts/atomicWrite.js';
import { resolveCacheDir } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { debugbenchDir } from '../src/config/paths.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { createSandbox } from '../src/sandbox/createSandbox.js';
import { LANGUAGES, type BackendName, type Language } from '../src/sandbox/types.js';
import { loadDebugBench } from '../src/tasks/debugbench.js';
import { buildTests, writtenInPython, type TaskTests } from '../src/tasks/prepare/buildTests.js';
import { agreeing, answers, usablePeers, type PeerOracle } from '../src/tasks/prepare/oracles.js';
import type { Task } from '../src/tasks/task.js';
import { Progress } from '../src/util/progress.js';
import { Random } from '../src/util/random.js';
import { Semaphore } from '../src/util/semaphore.js';
import { wilson } from '../src/evaluation/intervals.js';
import { judgeCandidate, judgeTargetOfTests } from '../src/verify/judgeCandidate.js';
import type { FinalVerdict } from '../src/verify/verdicts.js';
import type { CaseFailure } from '../src/verify/verifyProgram.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'bwrap' },
    rejected: { type: 'string', default: '120' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
    details: { type: 'string', default: 'docs/bench/verdicts-details.json' },
  },
});
const REPO = resolve(import.meta.dirname, '..');
const config = loadConfig();
const loaded = loadDebugBench(debugbenchDir(config.tasks.debugbench), LANGUAGES);
const rng = new Random(`verdicts:${args.seed}`);

/** Each slug's correct solutions by language (a Python oracle in a Java record counts as Python). */
const solutions = new Map<string, { language: Language; code: string; examples: string[] }[]>();
for (const task of loaded.tasks) {
  const language = task.language !== 'python3' && writtenInPython(task.oracleCode) ? 'python3' : task.language;
  const list = solutions.get(task.slug) ?? [];
  if (!list.some((s) => s.code === task.oracleCode)) list.push({ language, code: task.oracleCode, examples: task.examples });
  solutions.set(task.slug, list);
}

interface Candidate {
  kind: 'accepted' | 'rejected';
  code: string;
}
const sample = new Map<string, { task: Task; candidates: Candidate[] }>();
const add = (task: Task, candidate: Candidate) => {
  const entry = sample.get(task.id) ?? { task, candidates: [] };
  entry.candidates.push(candidate);
  sample.set(task.id, entry);
};
// Accepted: every record whose problem has another solution in the record's language. A program
// is judged on the tests of every such record and counted once: failed if it fails any of them.
for (const task of loaded.tasks) {
  if (task.language !== 'python3' && writtenInPython(task.oracleCode)) continue;
  for (const other of solutions.get(task.slug) ?? []) if (other.language === task.language && other.code !== task.oracleCode) add(task, { kind: 'accepted', code: other.code });
}
// Rejected: the buggy programs of those records, and of a random sample of each language's others.
for (const entry of sample.values()) entry.candidates.push({ kind: 'rejected', code: entry.task.buggyCode });
for (const language of LANGUAGES) {
  const others = rng.shuffle(loaded.tasks.filter((t) => t.language === language && !sample.has(t.id)));
  for (const task of others.slice(0, Number(args.rejected))) add(task, { kind: 'rejected', code: task.buggyCode });
}

const scratch = mkdtempSync(join(resolveCacheDir(config.cacheDir), 'bench-verdicts-'));
chmodSync(scratch, 0o755);
const sandbox = await createSandbox(config, args.backend as BackendName);
type Outcome = {
  id: string;
  language: Language;
  kind: Candidate['kind'];
  verdict: FinalVerdict | 'untestable';
  visiblePass: boolean;
  why: string;
  /** Accepted programs: the problem and program, to count each once. */
  program?: string;
  /** An accepted program that failed: how many other solutions answer its failing input as the oracle does, of how many that ran. */
  witnesses?: { agree: number; of: number };
};
const outcomes: Outcome[] = [];

/**
 * Whether a failing input of an accepted program is a real counterexample: every other solution
 * of the problem (any language, not the program itself) that can be run on it answers it as the
 * oracle did. Then the program is wrong on an input the contract allows, and LeetCode's tests
 * simply never reached it; otherwise the input (or codeq's judging) is the suspect.
 */
async function witnessesOf(task: Task, code: string, tests: TaskTests, failure: CaseFailure): Promise<{ agree: number; of: number }> {
  const others = (solutions.get(task.slug) ?? []).filter((s) => s.code !== code && s.code !== task.oracleCode).map((s) => ({ language: s.language, oracleCode: s.code, examples: s.examples }));
  const witnesses = await usablePeers(task.slug, tests.spec, others, tests.visible, tests.compare, sandbox, config.tasks);
  const failing = { input: failure.input, expected: failure.expected };
  let agree = 0;
  for (const witness of witnesses) {
    const run = await answers(sandbox, witness, [failing.input], config.tasks);
    if (agreeing(run.outputs, [failing], tests.compare)[0]) agree++;
  }
  return { agree, of: witnesses.length };
}
const progress = new Progress('judging known verdicts', sample.size);
const slots = new Semaphore(config.tasks.verify.concurrency);
const started = Date.now();
await Promise.all(
  [...sample.values()].map(({ task, candidates }) =>
    slots.use(async () => {
      // The solutions being judged never vouch for the inputs they are judged on.
      const judged = new Set(candidates.map((c) => c.code));
      const peers: PeerOracle[] = (solutions.get(task.slug) ?? [])
        .filter((s) => s.code !== task.oracleCode && !judged.has(s.code))
        .map((s) => ({ language: s.language, oracleCode: s.code, examples: s.examples }));
      const built = await buildTests({ ...task, peers }, sandbox, config.tasks);
      for (const candidate of candidates) {
        if (!built.ok) {
          outcomes.push({ id: task.id, language: task.language, kind: candidate.kind, ...(candidate.kind === 'accepted' ? { program: `${task.slug}\0${candidate.code}` } : {}), verdict: 'untestable', visiblePass: false, why: `${built.reason}: ${built.detail.slice(0, 200)}` });
          continue;
        }
        const judgement = await judgeCandidate(sandbox, judgeTargetOfTests(built.tests), candidate.code, config.tasks);
        const failure = judgement.hidden?.firstFailure ?? judgement.visible.firstFailure;
        const failedAccepted = candidate.kind === 'accepted' && failure && judgement.verdict !== 'pass' && judgement.verdict !== 'pass_visible_only';
        outcomes.push({
          id: task.id,
          language: task.language,
          kind: candidate.kind,
          ...(candidate.kind === 'accepted' ? { program: `${task.slug}\0${candidate.code}` } : {}),
          verdict: judgement.verdict,
          visiblePass: judgement.visible.verdict === 'pass',
          why: judgement.verdict === 'pass_visible_only' ? `${built.tests.visibleOnly}` : `${judgement.hidden && judgement.hidden.verdict !== 'pass' ? 'hidden' : 'visible'}: ${(judgement.hidden ?? judgement.visible).message} ${failure ? JSON.stringify(failure).slice(0, 300) : ''}`,
          ...(failedAccepted ? { witnesses: await witnessesOf(task, candidate.code, built.tests, failure) } : {}),
        });
      }
      progress.advance(1);
    }),
  ),
);
await sandbox.dispose();

rmSync(scratch, { recursive: true, force: true });
const minutes = (Date.now() - started) / 60000;

/** Each accepted program once: its failing judgement if any record's tests failed it, else its best one. */
function oncePerProgram(all: Outcome[]): Outcome[] {
  const rank = (o: Outcome) => (o.verdict === 'untestable' ? 0 : o.verdict === 'pass_visible_only' ? 1 : o.verdict === 'pass' ? 2 : 3);
  const byProgram = new Map<string, Outcome>();
  const rest: Outcome[] = [];
  for (const o of all) {
    if (!o.program) {
      rest.push(o);
      continue;
    }
    const seen = byProgram.get(o.program);
    if (!seen || rank(o) > rank(seen)) byProgram.set(o.program, o);
  }
  return [...byProgram.values(), ...rest];
}
const judgedOutcomes = oncePerProgram(outcomes);

const pct = (k: number, n: number) => (n === 0 ? '–' : `${((100 * k) / n).toFixed(1)}%`);
const interval = (k: number, n: number) => {
  if (n === 0) return '';
  const w = wilson(k, n);
  return ` [${(100 * w.low).toFixed(1)}, ${(100 * w.high).toFixed(1)}]`;
};
function row(label: string, group: Outcome[]) {
  const testable = group.filter((o) => o.verdict !== 'untestable' && o.verdict !== 'pass_visible_only');
  const accepted = testable.filter((o) => o.kind === 'accepted');
  const rejected = testable.filter((o) => o.kind === 'rejected');
  const failedAccepted = accepted.filter((o) => o.verdict !== 'pass');
  const wrongFails = failedAccepted.length;
  const confirmed = failedAccepted.filter((o) => o.witnesses && o.witnesses.of > 0 && o.witnesses.agree === o.witnesses.of).length;
  const wrongPasses = rejected.filter((o) => o.verdict === 'pass').length;
  const rejectedAll = group.filter((o) => o.kind === 'rejected' && o.verdict !== 'untestable');
  const examplesOnly = rejectedAll.filter((o) => o.visiblePass).length;
  const agree = testable.length - wrongFails - wrongPasses;
  const untestable = group.length - testable.length;
  return `| ${label} | ${group.length} | ${pct(untestable, group.length)} (${group.filter((o) => o.verdict === 'untestable').length} + ${group.filter((o) => o.verdict === 'pass_visible_only').length}) | ${pct(agree, testable.length)}${interval(agree, testable.length)} | ${wrongFails} / ${accepted.length} = ${pct(wrongFails, accepted.length)}${interval(wrongFails, accepted.length)} | ${confirmed} | ${wrongFails - confirmed} / ${accepted.length} = ${pct(wrongFails - confirmed, accepted.length)}${interval(wrongFails - confirmed, accepted.length)} | ${wrongPasses} / ${rejected.length} = ${pct(wrongPasses, rejected.length)}${interval(wrongPasses, rejected.length)} | ${examplesOnly} / ${rejectedAll.length} = ${pct(examplesOnly, rejectedAll.length)} |`;
}
const lines = [
  '## Verdicts against known judge verdicts',
  '',
  `Command: \`npm run bench:verdicts\` (seed ${args.seed}). Accepted programs: every other correct solution of a problem in the task's own language`,
  "(DebugBench holds several accepted solutions for some problems), each judged on the tests of every record of its problem and counted once, failed if any failed it; rejected programs: DebugBench's buggy programs (the benchmark kept",
  `bugs that LeetCode's judge rejects) of those tasks and of ${args.rejected} random other tasks per language. Tests are built as \`codeq data prepare\``,
  'builds them, except that a solution being judged never vouches for the inputs it is judged on. "Untestable": no tests (the oracle',
  'fails, unsupported signature) + pass_visible_only (no hidden test can vouch: several valid answers, random answers, too few hidden tests).',
  'Agreement, wrong failures and wrong passes count the programs codeq can test; examples-only = the verdict on the visible tests alone.',
  '"Counterexample": an accepted program failed on an input that every other solution of the problem (any language, at least one)',
  "answers as the oracle does: the program is wrong on an input the constraints allow, which LeetCode's tests did not reach; the",
  'rest are the wrong failures codeq itself may cause (inputs outside the contract, answers judged too strictly).',
  `Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes.toFixed(1)} min. Intervals: Wilson 95%.`,
  '',
  '| language | programs | untestable | agreement | accepted, failed | of them on a counterexample | accepted, failed, no counterexample | rejected, passed | rejected, passed on examples only |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...LANGUAGES.map((l) => row(l, judgedOutcomes.filter((o) => o.language === l))),
  row('all', judgedOutcomes),
  '',
  'Targets: agreement ≥ 97%, rejected passed ≤ 2%, accepted failed ≤ 1% (read on the failures without a counterexample: a program',
  'wrong on a valid input should fail), untestable ≤ 10%.',
];
writeFileAtomicSync(resolve(REPO, args.details!), `${JSON.stringify(judgedOutcomes.filter((o) => (o.kind === 'accepted' && o.verdict !== 'pass' && o.verdict !== 'pass_visible_only' && o.verdict !== 'untestable') || (o.kind === 'rejected' && o.verdict === 'pass')), null, 1)}\n`);
await writeBenchmarkSection(resolve(REPO, args.out!), 'verdicts', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n\nwrong verdicts: ${args.details}\n`);
