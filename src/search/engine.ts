import type { CodeqConfig, SearchMode } from '../config/schema.js';
import { criticPrompt, reflectPrompt, refinePrompt, rewritePrompt, type PromptTemplates } from '../policy/prompts.js';
import type { Sandbox } from '../sandbox/types.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import type { Task } from '../tasks/task.js';
import { judgeHidden, runsHidden, type JudgeTarget } from '../verify/judgeCandidate.js';
import { finalVerdict, type FinalVerdict } from '../verify/verdicts.js';
import type { TestReport } from '../verify/verifyProgram.js';
import { BudgetMeter, type BudgetUsed, type StopReason } from './budget.js';
import type { RewritePolicy } from './rewritePolicy.js';
import { chooseByAgreement, type AgreementRecord } from './agreement.js';
import { programHash, SearchTree, type Expansion, type SearchNode, type SelectionRule } from './tree.js';
import { VisibleRunner } from './visibleRunner.js';

/** What a search needs of a task; the split decides which hidden results are recorded (see SearchOutcome). */
export type SearchTask = Pick<Task, 'id' | 'language' | 'description' | 'constraints' | 'buggyCode'> & Pick<PreparedTask, 'split'> & JudgeTarget;

export interface SearchContext {
  policy: RewritePolicy;
  sandbox: Sandbox;
  templates: PromptTemplates;
  /** search, policy (generation, critic alpha, sequences) and tasks settings. */
  config: Pick<CodeqConfig, 'search' | 'policy' | 'tasks'>;
  /** Candidate i of the n-th policy call uses seed + (rewrites before it) + i. */
  seed: number;
  signal?: AbortSignal;
  /** Called after each policy call's rewrites were run (progress of a long search). */
  onExpansion?: (expansion: Expansion, tree: SearchTree, used: BudgetUsed) => void;
}

export interface SearchOutcome {
  mode: SearchMode;
  tree: SearchTree;
  budget: BudgetUsed;
  stop: StopReason;
  /** The program the search answers with; null when the policy never gave a program. */
  chosen: SearchNode | null;
  /** The chosen program on the hidden tests: null when it failed the visible ones or they were not run. */
  hidden: TestReport | null;
  /**
   * On the train split only: every program that passed the visible tests, on the hidden tests, so
   * that one that overfits the examples never becomes a pair's chosen side (hidden tests may filter
   * training data). Empty on the test split, where they are evaluation's alone. Run after the
   * search has stopped: nothing in it steers the search.
   */
  hiddenOfNodes: Map<number, TestReport>;
  /** pass only when the chosen program passes the visible AND the hidden tests (see FinalVerdict). */
  verdict: FinalVerdict | 'no_program';
  /** How the answer was chosen among several visible passes (search.agreement); null: the first pass, or none. */
  agreement: AgreementRecord | null;
}

/** One search of one task: the buggy program is run first; every rewrite is run on visible tests. */
export async function runSearch(mode: SearchMode, task: SearchTask, context: SearchContext): Promise<SearchOutcome> {
  const search = new Search(task, context);
  return search.run(mode);
}

class Search {
  private readonly meter: BudgetMeter;
  private readonly runner: VisibleRunner;
  private tree!: SearchTree;
  private nextSeed: number;
  /** Rewrites that passed the visible tests, in the order found. */
  private readonly passes: SearchNode[] = [];
  /** Answers in a row, per node, that only repeated programs already in the tree. */
  private readonly repeatStreak = new Map<number, number>();

  constructor(
    private readonly task: SearchTask,
    private readonly context: SearchContext,
  ) {
    this.meter = new BudgetMeter(context.config.search.budget);
    this.runner = new VisibleRunner(context.sandbox, task, context.config.tasks, context.signal);
    this.nextSeed = context.seed;
  }

  /** Enough programs passed the visible tests (search.agreement.candidates): the search is over. */
  private get solved(): boolean {
    return this.passes.length >= this.context.config.search.agreement.candidates;
  }

  async run(mode: SearchMode): Promise<SearchOutcome> {
    const root = await this.runner.run(this.task.buggyCode);
    this.meter.execution();
    this.tree = new SearchTree(this.task.buggyCode, root, this.context.config.search.mcts.backup);
    const { search, policy } = this.context.config;
    let stop: StopReason;
    try {
      stop =
        mode === 'mcts'
          ? await this.mcts()
          : mode === 'best-of-n'
            ? await this.sample(search.bestOfN.n, policy.generation.temperature)
            : await this.sample(1, search.singlePass.temperature);
    } catch (error) {
      // Stopped in the middle of a step (Ctrl-C): the tree so far is the result.
      if (!this.context.signal?.aborted) throw error;
      stop = 'aborted';
    }
    const agreement = stop === 'aborted' ? null : await this.agreement();
    const chosen = agreement ? this.tree.node(agreement.chosen) : this.chooseProgram();
    const budget = this.meter.snapshot();
    const hiddenOfNodes = stop === 'aborted' ? new Map<number, TestReport>() : await this.hiddenReports(chosen);
    const hidden = chosen ? (hiddenOfNodes.get(chosen.id) ?? null) : null;
    if (this.task.split !== 'train') hiddenOfNodes.clear();
    const verdict = !chosen ? 'no_program' : finalVerdict(chosen.visible.verdict, hidden?.verdict ?? null, this.task.visibleOnly);
    return { mode, tree: this.tree, budget, stop, chosen, hidden, hiddenOfNodes, verdict, agreement };
  }

  /** With several visible passes: the answer by agreement of their outputs on the search's own inputs. */
  private async agreement(): Promise<AgreementRecord | null> {
    const { config, sandbox, signal, seed } = this.context;
    if (config.search.agreement.candidates < 2 || this.passes.length < 2) return null;
    return chooseByAgreement(sandbox, this.task, this.passes, config.tasks, { inputs: config.search.agreement.inputs, seed, ...(signal ? { signal } : {}) });
  }

  /**
   * The answer: the search's best rewrite; the buggy program itself when every rewrite was that
   * program again; null when the policy never gave a program.
   */
  private chooseProgram(): SearchNode | null {
    if (this.tree.nodes.length > 1) return this.tree.chosen();
    const echoed = this.tree.expansions.some((e) => e.rewrites.some((r) => r.node === this.tree.root.id));
    return echoed ? this.tree.root : null;
  }

  /** single and best-of-n: independent samples of the root prompt, k at a time, until enough pass (search.agreement). */
  private async sample(n: number, temperature: number): Promise<StopReason> {
    let drawn = 0;
    while (drawn < n) {
      const k = Math.min(this.context.config.policy.sequences, n - drawn);
      const spent = this.spent(k);
      if (spent) return spent;
      await this.expand(this.tree.root, 'sample', k, temperature);
      drawn += k;
      if (this.solved) return 'solved';
    }
    return 'samples';
  }

  /**
   * MCTS: select the node to grow (progressive widening, UCB1 or PUCT below it), give it k new
   * rewrites (each run at once and backed up as it is), then follow the best new program by
   * visible reward for rolloutDepth greedy steps; stop once enough programs pass the visible
   * tests (the first, unless search.agreement asks for more).
   */
  private async mcts(): Promise<StopReason> {
    const mcts = this.context.config.search.mcts;
    const temperature = this.context.config.policy.generation.temperature;
    const growth = { maxDepth: mcts.maxDepth, widening: mcts.widening };
    const selection: SelectionRule = mcts.critic ? { kind: 'puct', puct: mcts.puct } : { kind: 'ucb1', exploration: mcts.exploration };
    for (;;) {
      if (this.meter.used.rollouts >= mcts.rollouts) return 'rollouts';
      const spent = this.spent(mcts.k);
      if (spent) return spent;
      const target = this.tree.select(growth, selection);
      if (!target) return 'exhausted';
      this.meter.rollout();
      const added = await this.expand(target, 'expand', mcts.k, temperature);
      if (this.solved) return 'solved';
      if (added.length === 0) continue;
      let current = this.greedyPick(added);
      // A program that passed the visible tests is not rewritten (searching on for agreement goes elsewhere).
      for (let step = 0; step < mcts.rolloutDepth && current.depth < mcts.maxDepth && current.visible.verdict !== 'pass' && !this.spent(mcts.k); step++) {
        const next = await this.expand(current, 'rollout', mcts.k, temperature);
        if (this.solved) return 'solved';
        if (next.length === 0) break;
        current = this.greedyPick(next);
      }
    }
  }

  /** The rollout's next step: the best visible reward (exact and free), the critic breaking ties, then age. */
  private greedyPick(nodes: SearchNode[]): SearchNode {
    return nodes.reduce((best, n) => {
      if (n.visible.reward !== best.visible.reward) return n.visible.reward > best.visible.reward ? n : best;
      return (n.critic ?? -1) > (best.critic ?? -1) ? n : best;
    });
  }

  /** Why the next policy call (of k answers) must not be made, or null. */
  private spent(k: number): StopReason | null {
    if (this.context.signal?.aborted) return 'aborted';
    const exhausted = this.meter.exhausted();
    if (exhausted) return exhausted;
    // What is left cannot pay for one token per answer: the budget is spent.
    return this.meter.callCap(k, this.context.config.policy.generation.maxTokens) < 1 ? 'tokens' : null;
  }

  /**
   * One policy call from `parent`: k rewrites; programs new to the tree are run on the visible
   * tests (concurrently) and become children, the others are recorded as duplicates and not run.
   */
  private async expand(parent: SearchNode, kind: Expansion['kind'], k: number, temperature: number): Promise<SearchNode[]> {
    const { policy, templates, signal, config } = this.context;
    const prompt = await this.promptFor(parent, kind);
    // The last call of a search gets only what is left: the budget is never passed (a
    // self-reflection may just have spent the rest: then the call is not made).
    const maxTokens = this.meter.callCap(k, config.policy.generation.maxTokens);
    if (maxTokens < 1) return [];
    const seed = this.nextSeed;
    this.nextSeed += k;
    const candidates = await policy.generate(prompt, this.task.language, templates.system, { k, temperature, seed, maxTokens, ...(signal ? { signal } : {}) });
    this.meter.policyCall(candidates.reduce((sum, c) => sum + c.tokens, 0));
    const expansion = this.tree.addExpansion(parent.id, kind, prompt, { maxTokens, spentTokens: this.meter.used.generatedTokens });

    // Programs new to the tree, once each, in candidate order; run together.
    const fresh = new Map<string, string>();
    for (const c of candidates) {
      if (c.code === null) continue;
      const hash = programHash(c.code);
      if (!this.tree.find(c.code) && !fresh.has(hash)) fresh.set(hash, c.code);
    }
    const outcomes = new Map(
      await Promise.all(
        [...fresh].map(async ([hash, code]) => {
          const outcome = await this.runner.run(code);
          this.meter.execution();
          return [hash, outcome] as const;
        }),
      ),
    );
    const added: SearchNode[] = [];
    for (const c of candidates) {
      const base = { text: c.text, tokens: c.tokens, seed: c.seed, failure: c.failure };
      if (c.code === null) {
        expansion.rewrites.push({ node: null, duplicate: false, ...base });
        continue;
      }
      const existing = this.tree.find(c.code);
      if (existing) {
        this.meter.duplicate();
        expansion.rewrites.push({ node: existing.id, duplicate: true, ...base });
        continue;
      }
      const node = this.tree.add(c.code, parent.id, outcomes.get(programHash(c.code))!, expansion.id);
      added.push(node);
      expansion.rewrites.push({ node: node.id, duplicate: false, ...base });
      if (node.visible.verdict === 'pass') this.passes.push(node);
    }
    // Only answers that repeat known programs count toward exhausting a node (exhaustAfter in a
    // row): an answer without a program is chance (a cut-off answer), and asking again may give one.
    const repeats = expansion.rewrites.filter((r) => r.duplicate).length;
    const streak = added.length > 0 ? 0 : (this.repeatStreak.get(parent.id) ?? 0) + repeats;
    this.repeatStreak.set(parent.id, streak);
    if (streak >= config.search.mcts.exhaustAfter) parent.exhausted = true;
    // Once solved, the critic has nothing left to decide.
    if (added.length > 0 && !this.solved && kind !== 'sample' && this.context.config.search.mcts.critic) await this.score(added);
    this.context.onExpansion?.(expansion, this.tree, this.meter.snapshot());
    return added;
  }

  /**
   * The prompt of a policy call from `parent`. Samples (single, best-of-n), and MCTS without
   * reflection, get the node's plain rewrite prompt. With reflection, MCTS prompts also carry the
   * attempts already made from this node and how they failed (visible feedback, cut to
   * feedbackChars), the node's self-reflection, and below the root the original buggy program
   * beside the attempt being rewritten.
   */
  private async promptFor(parent: SearchNode, kind: Expansion['kind']): Promise<string> {
    const { templates, config } = this.context;
    const reflection = config.search.reflection;
    const base = { ...this.taskText(), code: parent.code, feedback: parent.visible.feedback };
    if (kind === 'sample' || !reflection.enabled) return rewritePrompt(templates, base);
    const cut = (text: string) => (text.length > reflection.feedbackChars ? `${text.slice(0, reflection.feedbackChars - 1)}…` : text).replace(/\s+/g, ' ').trim();
    const siblings = reflection.siblings > 0 ? parent.children.slice(-reflection.siblings).map((id) => cut(this.tree.node(id).visible.feedback)) : [];
    const reflected = reflection.selfReflection ? await this.reflectOn(parent) : null;
    if (parent.parent === null) return rewritePrompt(templates, { ...base, siblings, reflection: reflected });
    return refinePrompt(templates, { ...base, original: this.tree.root.code, siblings, reflection: reflected });
  }

  private taskText(): { language: SearchTask['language']; description: string; constraints: string } {
    return { language: this.task.language, description: this.task.description, constraints: this.task.constraints };
  }

  /**
   * A node's self-reflection, generated the first time one of its children is asked for and kept
   * on the node. None for a program that passed the visible tests, and none when the budget left
   * could not also pay for a rewrite as long as the reflection may be.
   */
  private async reflectOn(node: SearchNode): Promise<string | null> {
    if (node.reflection !== null || node.visible.verdict === 'pass') return node.reflection;
    const { policy, templates, signal, config } = this.context;
    const { reflectionTokens, temperature } = config.search.reflection;
    if (this.meter.remainingTokens() < 2 * reflectionTokens) return null;
    const prompt = reflectPrompt(templates, { ...this.taskText(), code: node.code, feedback: node.visible.feedback });
    // Its own seed (the run's seed and the node): rewrites keep their seeds whether or not it runs.
    const answer = await policy.reflect(prompt, templates.system, { maxTokens: reflectionTokens, temperature, seed: this.context.seed + 1_000_003 * (node.id + 1), ...(signal ? { signal } : {}) });
    this.meter.reflection(answer.tokens);
    node.reflection = answer.text;
    return node.reflection;
  }

  /**
   * Critic priors for new nodes: one forward pass each over the problem, the program and its
   * visible feedback (no text generated: the token budget is untouched; the prompt tokens read
   * are recorded).
   */
  private async score(nodes: SearchNode[]): Promise<void> {
    const { policy, templates, signal } = this.context;
    const prompts = nodes.map((n) => criticPrompt(templates, { ...this.taskText(), code: n.code, feedback: n.visible.feedback }));
    const priors = await policy.criticPrior(prompts, templates.system, signal ? { signal } : {});
    nodes.forEach((node, i) => {
      node.critic = priors[i]!.score;
      this.meter.critic(priors[i]!.promptTokens);
    });
  }

  /**
   * Hidden tests, only for programs that passed the visible ones and only once the search is over:
   * the chosen program (the final verdict's second half) and, on the train split, every other
   * program that passed the visible tests (see SearchOutcome.hiddenOfNodes).
   */
  private async hiddenReports(chosen: SearchNode | null): Promise<Map<number, TestReport>> {
    const reports = new Map<number, TestReport>();
    if (!runsHidden(this.task)) return reports;
    const judged = this.task.split === 'train' ? this.tree.nodes : chosen ? [chosen] : [];
    const { sandbox, config, signal } = this.context;
    const passing = judged.filter((n) => n.visible.verdict === 'pass');
    const results = await Promise.all(passing.map((n) => judgeHidden(sandbox, this.task, n.code, config.tasks, signal)));
    passing.forEach((n, i) => reports.set(n.id, results[i]!));
    return reports;
  }
}
