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
  visits: number;
  /** Sum of backed-up values; Q_search = valueSum / visits. */
  valueSum: number;
  /** The critic's score in [0, 1], or null when no critic scored it. */
  critic: number | null;
  visible: VisibleOutcome;
  /** The expansion that proposed it (null for the root). */
  expansion: number | null;
  /** Expanded and every program proposed was already in the tree: not expanded again. */
  exhausted: boolean;
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

/** Q_search: the mean backed-up value. */
export function searchValue(node: SearchNode): number {
  return node.visits > 0 ? node.valueSum / node.visits : 0;
}

/** Q = alpha * Q_search + (1 - alpha) * Q_critic; Q_search alone when the node has no critic score. */
export function blendedValue(node: SearchNode, alpha: number): number {
  const q = searchValue(node);
  return node.critic === null ? q : alpha * q + (1 - alpha) * node.critic;
}

/** UCB1 of a child: Q + c * sqrt(ln N_parent / N_child); unvisited children come first. */
export function ucb1(child: SearchNode, parentVisits: number, exploration: number, alpha: number): number {
  if (child.visits === 0) return Number.POSITIVE_INFINITY;
  return blendedValue(child, alpha) + exploration * Math.sqrt(Math.log(Math.max(parentVisits, 1)) / child.visits);
}

/** The search tree: nodes by id and by program hash, and the expansions that grew it. */
export class SearchTree {
  readonly nodes: SearchNode[] = [];
  readonly expansions: Expansion[] = [];
  private readonly byHash = new Map<string, SearchNode>();

  constructor(rootCode: string, rootOutcome: VisibleOutcome) {
    this.add(rootCode, null, rootOutcome, null);
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

  /** A new node with one visit valued at its own reward (it has been run: a rollout of length 0). */
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
      critic: null,
      visible,
      expansion,
      exhausted: false,
    };
    this.nodes.push(node);
    this.byHash.set(hash, node);
    parentNode?.children.push(node.id);
    return node;
  }

  addExpansion(parent: number, kind: Expansion['kind'], prompt: string, cost: CallCost): Expansion {
    const expansion: Expansion = { id: this.expansions.length, parent, kind, prompt, ...cost, rewrites: [] };
    this.expansions.push(expansion);
    return expansion;
  }

  /** Adds `value` to every node from `leaf` up to the root (mean-value backup). */
  backup(leaf: number, value: number): void {
    for (let node: SearchNode | null = this.node(leaf); node; node = node.parent === null ? null : this.node(node.parent)) {
      node.visits += 1;
      node.valueSum += value;
    }
  }

  /**
   * Whether a node, or something below it, can still be expanded. A rewrite that passes the
   * visible tests ends the search; the buggy root may pass them (its bug is in hidden cases) and
   * still be rewritten.
   */
  expandable(node: SearchNode, maxDepth: number): boolean {
    if ((node.parent !== null && node.visible.verdict === 'pass') || node.depth >= maxDepth) return false;
    if (node.children.length === 0) return !node.exhausted;
    return node.children.some((id) => this.expandable(this.node(id), maxDepth));
  }

  /**
   * UCB1 descent from the root to a leaf that can be expanded, or null when none is left. Among
   * children whose subtree can still grow, the highest UCB1 wins; ties go to the older node.
   */
  select(maxDepth: number, exploration: number, alpha: number): SearchNode | null {
    let node = this.root;
    if (!this.expandable(node, maxDepth)) return null;
    while (node.children.length > 0) {
      let best: SearchNode | null = null;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const id of node.children) {
        const child = this.node(id);
        if (!this.expandable(child, maxDepth)) continue;
        const score = ucb1(child, node.visits, exploration, alpha);
        if (score > bestScore) {
          best = child;
          bestScore = score;
        }
      }
      node = best!;
    }
    return node;
  }

  /**
   * The program a search answers with: the first node that passed the visible tests, else the
   * best by reward, then blended Q, then age. The buggy root only when nothing else was proposed.
   */
  chosen(alpha: number): SearchNode {
    const candidates = this.nodes.length > 1 ? this.nodes.slice(1) : this.nodes;
    const passing = candidates.find((n) => n.visible.verdict === 'pass');
    if (passing) return passing;
    return candidates.reduce((best, n) => {
      if (n.visible.reward !== best.visible.reward) return n.visible.reward > best.visible.reward ? n : best;
      return blendedValue(n, alpha) > blendedValue(best, alpha) ? n : best;
    });
  }
}
