import { createHash } from 'node:crypto';
import { normalizeCode } from '../tasks/normalize.js';
import type { TestVerdict } from '../verify/verifyProgram.js';

/** How a program fared on the visible tests (the only tests a search ever sees). */
export interface VisibleOutcome {
  verdict: TestVerdict;
  passed: number;
  total: number;
  /** Fraction of visible tests passed; 0 when it does not compile. */
  reward: number;
  /** What the policy is told about this program when asked to rewrite it. */
  feedback: string;
}

/** A program in the tree. Identical programs (after normalizeCode) are one node. */
export interface SearchNode {
  id: number;
  /** sha256 of the normalized program, first 16 hex. */
  hash: string;
  code: string;
  parent: number | null;
  depth: number;
  children: number[];
  /** Programs in its subtree, itself included: each is backed up once, when it is run. */
  visits: number;
  /** Sum of the visible rewards in its subtree; mean backup: Q_search = valueSum / visits. */
  valueSum: number;
  /** The best visible reward in its subtree; max backup: Q_search = valueMax. */
  valueMax: number;
  /** The critic's prior in [0, 1] (search.mcts.critic), or null when no critic scored it. Never part of Q. */
  critic: number | null;
  visible: VisibleOutcome;
  /** The expansion that proposed it (null for the root). */
  expansion: number | null;
  /** Its last search.mcts.exhaustAfter answers only repeated programs already in the tree: not grown again. */
  exhausted: boolean;
  /** Why its program fails, in the policy's words: generated once, carried by its children's prompts. */
  reflection: string | null;
}

/** One rewrite the policy proposed in an expansion. */
export interface ProposedRewrite {
  /** The node of its program, or null when the answer held no program. */
  node: number | null;
  /** Its program was already in the tree (not run again): node is that existing node. */
  duplicate: boolean;
  /** The policy's whole answer, as generated: what DPO trains on. */
  text: string;
  tokens: number;
  seed: number;
  /** Why no program could be taken from the answer. */
  failure: string | null;
}

/** What a policy call cost: the cap each answer had, and the search's tokens once it returned. */
export interface CallCost {
  /** Tokens each answer of the call could generate: min(configured, what the budget had left / k). */
  maxTokens: number;
  /** The search's generated tokens once this call returned (its own critic answers come after). */
  spentTokens: number;
}

/** One policy call: the prompt it saw (built from `parent`) and the rewrites it proposed. */
export interface Expansion extends CallCost {
  id: number;
  parent: number;
  kind: 'expand' | 'rollout' | 'sample';
  prompt: string;
  rewrites: ProposedRewrite[];
}

export function programHash(code: string): string {
  return createHash('sha256').update(normalizeCode(code)).digest('hex').slice(0, 16);
}

export type BackupRule = 'mean' | 'max';

/** How a node may grow: progressive widening (null: leaves only, once). */
export interface GrowthRule {
  maxDepth: number;
  widening: { c: number; alpha: number } | null;
}

/** How a child is picked on the way down: UCB1, or PUCT with the critic's prior. */
export type SelectionRule = { kind: 'ucb1'; exploration: number } | { kind: 'puct'; puct: number };

/** Q_search: the mean of the rewards in the node's subtree, or their max. */
export function searchValue(node: SearchNode, backup: BackupRule = 'mean'): number {
  if (backup === 'max') return node.valueMax;
  return node.visits > 0 ? node.valueSum / node.visits : 0;
}

/** UCB1 of a child: Q + c * sqrt(ln N_parent / N_child); unvisited children come first. */
export function ucb1(child: SearchNode, parentVisits: number, exploration: number, backup: BackupRule = 'mean'): number {
  if (child.visits === 0) return Number.POSITIVE_INFINITY;
  return searchValue(child, backup) + exploration * Math.sqrt(Math.log(Math.max(parentVisits, 1)) / child.visits);
}

/**
 * PUCT (AlphaZero's rule) of a child: Q + c * P * sqrt(N_parent) / (1 + N_child), P its prior.
 * The value stays the visible reward's backup; the critic only says where to look first.
 */
export function puct(child: SearchNode, prior: number, parentVisits: number, c: number, backup: BackupRule = 'mean'): number {
  return searchValue(child, backup) + (c * prior * Math.sqrt(parentVisits)) / (1 + child.visits);
}

/**
 * Priors of siblings: their critic scores normalized to sum 1; a sibling without a score gets the
 * mean of the others' (uniform when none has one).
 */
export function siblingPriors(children: SearchNode[]): number[] {
  const scored = children.filter((c) => c.critic !== null);
  const fill = scored.length ? scored.reduce((s, c) => s + c.critic!, 0) / scored.length : 1;
  const raw = children.map((c) => c.critic ?? fill);
  const total = raw.reduce((s, v) => s + v, 0);
  return total > 0 ? raw.map((v) => v / total) : children.map(() => 1 / Math.max(1, children.length));
}

/** The search tree: nodes by id and by program hash, and the expansions that grew it. */
export class SearchTree {
  readonly nodes: SearchNode[] = [];
  readonly expansions: Expansion[] = [];
  private readonly byHash = new Map<string, SearchNode>();

  constructor(
    rootCode: string,
    rootOutcome: VisibleOutcome,
    readonly backupRule: BackupRule = 'mean',
  ) {
    this.add(rootCode, null, rootOutcome, null);
  }

  /** Q_search of a node under this tree's backup rule. */
  value(node: SearchNode): number {
    return searchValue(node, this.backupRule);
  }

  get root(): SearchNode {
    return this.nodes[0]!;
  }

  node(id: number): SearchNode {
    const node = this.nodes[id];
    if (!node) throw new RangeError(`no node ${id} in the tree`);
    return node;
  }

  find(code: string): SearchNode | undefined {
    return this.byHash.get(programHash(code));
  }

  /**
   * A new node, backed up at once: it has been run, so its reward is a sample of its own value and
   * of every ancestor's (one visit each), whether or not a rollout ever ends there. So every
   * node's visits are 1 + the sum of its children's.
   */
  add(code: string, parent: number | null, visible: VisibleOutcome, expansion: number | null): SearchNode {
    const hash = programHash(code);
    if (this.byHash.has(hash)) throw new Error(`program ${hash} is already node ${this.byHash.get(hash)!.id}`);
    const parentNode = parent === null ? null : this.node(parent);
    const node: SearchNode = {
      id: this.nodes.length,
      hash,
      code,
      parent,
      depth: parentNode ? parentNode.depth + 1 : 0,
      children: [],
      visits: 1,
      valueSum: visible.reward,
      valueMax: visible.reward,
      critic: null,
      visible,
      expansion,
      exhausted: false,
      reflection: null,
    };
    this.nodes.push(node);
    this.byHash.set(hash, node);
    parentNode?.children.push(node.id);
    for (let up = parentNode; up; up = up.parent === null ? null : this.node(up.parent)) {
      up.visits += 1;
      up.valueSum += visible.reward;
      up.valueMax = Math.max(up.valueMax, visible.reward);
    }
    return node;
  }

  addExpansion(parent: number, kind: Expansion['kind'], prompt: string, cost: CallCost): Expansion {
    const expansion: Expansion = { id: this.expansions.length, parent, kind, prompt, ...cost, rewrites: [] };
    this.expansions.push(expansion);
    return expansion;
  }

  /**
   * Whether a node may get another child: not a rewrite that passed the visible tests (that ends
   * the search; the buggy root may pass them, its bug in hidden cases, and still be rewritten),
   * above the depth limit, not exhausted, and without widening only while it has no children.
   */
  canGrow(node: SearchNode, growth: GrowthRule): boolean {
    if ((node.parent !== null && node.visible.verdict === 'pass') || node.depth >= growth.maxDepth || node.exhausted) return false;
    return growth.widening !== null || node.children.length === 0;
  }

  /** Whether a node, or something below it, can still get a child. */
  expandable(node: SearchNode, growth: GrowthRule): boolean {
    return this.canGrow(node, growth) || node.children.some((id) => this.expandable(this.node(id), growth));
  }

  /**
   * The node to expand next, or null when none can grow. From the root down: a node takes a new
   * child when widening allows one (children < c * N^alpha) or when none of its children's
   * subtrees can grow; otherwise the child with the highest UCB1 (or PUCT) among those that can
   * (ties to the older) is descended into. Without widening this is the classic descent to a leaf.
   */
  select(growth: GrowthRule, selection: SelectionRule): SearchNode | null {
    let node = this.root;
    if (!this.expandable(node, growth)) return null;
    for (;;) {
      const open = node.children.map((id) => this.node(id)).filter((c) => this.expandable(c, growth));
      if (this.canGrow(node, growth)) {
        const { widening } = growth;
        if (open.length === 0 || (widening && node.children.length < widening.c * node.visits ** widening.alpha)) return node;
      }
      let best = open[0]!;
      let bestScore = Number.NEGATIVE_INFINITY;
      const priors = selection.kind === 'puct' ? siblingPriors(open) : [];
      for (const [i, child] of open.entries()) {
        const score = selection.kind === 'puct' ? puct(child, priors[i]!, node.visits, selection.puct, this.backupRule) : ucb1(child, node.visits, selection.exploration, this.backupRule);
        if (score > bestScore) {
          best = child;
          bestScore = score;
        }
      }
      node = best;
    }
  }

  /**
   * The program a search answers with: the first node that passed the visible tests, else the
   * best by reward, then Q, then age. The buggy root only when nothing else was proposed.
   */
  chosen(): SearchNode {
    const candidates = this.nodes.length > 1 ? this.nodes.slice(1) : this.nodes;
    const passing = candidates.find((n) => n.visible.verdict === 'pass');
    if (passing) return passing;
    return candidates.reduce((best, n) => {
      if (n.visible.reward !== best.visible.reward) return n.visible.reward > best.visible.reward ? n : best;
      return this.value(n) > this.value(best) ? n : best;
    });
  }
}
