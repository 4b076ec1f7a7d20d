import type { Random } from '../../../util/random.js';
import type { Value } from '../../literal.js';
import { indexOf, linesMatching, paramNamed, shuffled, type PromiseContext, type PromiseParam, type PromiseRecipe } from './types.js';

/**
 * Graphs built from what the statement promises about them, never by mutating an edge list: a
 * tree (n - 1 edges, connected), a DAG (edges follow a random order of the nodes), a connected
 * graph (a spanning tree plus extra edges), and always without self-loops or repeated edges when
 * the statement rules them out.
 */
export interface GraphPromises {
  tree: boolean;
  acyclic: boolean;
  connected: boolean;
  directed: boolean;
}

type Edge = [number, number];

/** Edges of a random graph on nodes 0..n-1 keeping the promises; `edges` is a target count (trees have n - 1). */
export function randomGraph(rng: Random, n: number, edges: number, promises: GraphPromises): Edge[] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const out: Edge[] = [];
  const seen = new Set<string>();
  const add = (a: number, b: number): boolean => {
    if (a === b) return false;
    const key = promises.directed ? `${a},${b}` : `${Math.min(a, b)},${Math.max(a, b)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    out.push(promises.directed || rng.chance(0.5) ? [a, b] : [b, a]);
    return true;
  };
  if (promises.tree || promises.connected) {
    // A random tree over the shuffled order: each node hangs from an earlier one.
    for (let i = 1; i < n; i++) add(order[rng.int(0, i - 1)]!, order[i]!);
  }
  if (!promises.tree) {
    const most = promises.directed ? n * (n - 1) : (n * (n - 1)) / 2;
    const target = Math.min(Math.max(edges, out.length), most);
    for (let tries = 0; out.length < target && tries < target * 20; tries++) {
      const i = rng.int(0, n - 1);
      const j = rng.int(0, n - 1);
      if (i === j) continue;
      // Acyclic: every edge goes from earlier to later in the order.
      if (promises.acyclic) add(order[Math.min(i, j)]!, order[Math.max(i, j)]!);
      else add(order[i]!, order[j]!);
    }
  }
  return rng.shuffle(out);
}

export function graphPromises(text: string): GraphPromises {
  const says = (pattern: RegExp) => pattern.test(text);
  const tree = says(/\b(?:valid|is a|forms? a|represents? a|undirected) tree\b|edges represent(?:s)? a (?:valid )?tree/i);
  return {
    tree,
    acyclic: tree || says(/\bacyclic\b|\bDAG\b|\bno cycles?\b/i),
    connected: tree || says(/\bconnected\b/i),
    directed: says(/\bdirected\b/i) && !says(/\bundirected\b/i),
  };
}

const GRAPH_LINE = /\b(?:tree|acyclic|DAG|cycles?|connected|directed|duplicate edges|repeated edges|self[- ]?loops?|multiple edges|parallel edges)\b|\bedges\.length == n - 1\b/i;

/** The node labels' base (0 or 1), from the bound on the first field and else from the examples. */
function labelBase(context: PromiseContext, edges: PromiseParam): number {
  const bound = context.constraints.bounds.get(`${edges.name}[]#0.value`)?.bound ?? context.constraints.bounds.get(`${edges.name}[][].value`)?.bound;
  if (bound?.lo !== undefined) return bound.lo >= 1 ? 1 : 0;
  const labels = edges.values.flatMap((v) => (Array.isArray(v) ? v.flatMap((row) => (Array.isArray(row) ? row.slice(0, 2) : [])) : []));
  return labels.length && labels.every((x) => typeof x === 'number' && x >= 1) ? 1 : 0;
}

/** The example rows' width (2: [u, v]; 3: [u, v, weight]). */
function rowWidth(edges: PromiseParam): number | null {
  const widths = new Set(edges.values.flatMap((v) => (Array.isArray(v) ? v.map((row) => (Array.isArray(row) ? row.length : -1)) : [])));
  return widths.size === 1 ? [...widths][0]! : null;
}

/**
 * An edge list (`edges[i] = [ai, bi]` or with a weight) and the node count `n` where there is
 * one: built from the graph promises of the statement and constraints.
 */
export const edgeListGraph: PromiseRecipe = (context) => {
  const edges = context.params.find((p) => /^(edges|roads|connections|prerequisites|relations|times|flights)$/.test(p.name) && p.type.kind === 'list' && p.type.of.kind === 'list' && p.type.of.of.kind === 'int');
  if (!edges) return null;
  const width = rowWidth(edges);
  if (width === null || width < 2 || width > 3) return null;
  const lines = linesMatching(context, GRAPH_LINE);
  const text = `${context.description}\n${context.lines.join('\n')}`;
  if (lines.length === 0 && !/\bgraph\b|\btree\b/i.test(context.description)) return null;
  const promises = graphPromises(text);
  const n = ['n', 'numCourses', 'numNodes', 'nodes'].map((name) => paramNamed(context, name)).find((p) => p?.type.kind === 'int');
  const base = labelBase(context, edges);
  return {
    name: `edge list (${[promises.tree && 'tree', promises.acyclic && 'acyclic', promises.connected && 'connected', promises.directed ? 'directed' : 'undirected'].filter(Boolean).join(', ')})`,
    lines,
    builds: n ? [edges.name, n.name] : [edges.name],
    build(input, at) {
      const nodeRange = n ? at.valueRange(n.name) : { lo: 2, hi: at.maxLength, typicalHi: at.maxLength };
      const nodes = at.rng.int(Math.max(nodeRange.lo, promises.connected || promises.tree ? 1 : 2), Math.max(nodeRange.lo, Math.min(nodeRange.hi, at.maxLength)));
      const count = promises.tree ? nodes - 1 : at.length(edges.name);
      const graph = randomGraph(at.rng, nodes, count, promises);
      const weights = at.valueRange(edges.name, 1);
      const weightBound = context.constraints.bounds.get(`${edges.name}[]#2.value`)?.bound;
      input[indexOf(context, edges.name)] = graph.map(([a, b]): Value[] => {
        const row: Value[] = [a + base, b + base];
        if (width === 3) row.push(at.rng.int(weightBound?.lo ?? Math.max(weights.lo, 1), Math.min(weightBound?.hi ?? weights.typicalHi, weights.typicalHi)));
        return row;
      });
      if (n) input[indexOf(context, n.name)] = nodes;
      return true;
    },
  };
};

/**
 * An adjacency list (`graph[u]` lists u's neighbours): undirected when the statement says "if
 * graph[u] contains v, then graph[v] contains u", no self-loops or repeats, connected if promised.
 */
export const adjacencyListGraph: PromiseRecipe = (context) => {
  const graph = context.params.find((p) => /^(graph|adj|adjList|rooms)$/.test(p.name) && p.type.kind === 'list' && p.type.of.kind === 'list' && p.type.of.of.kind === 'int');
  if (!graph) return null;
  const lines = linesMatching(context, new RegExp(`\\b${graph.name}\\[\\w\\] (?:does not contain|contains)\\b|${GRAPH_LINE.source}`, 'i'));
  if (lines.length === 0) return null;
  const text = lines.join('\n');
  const undirected = /then \w+\[\w\] contains/i.test(text) || /\bundirected\b/i.test(`${context.description}\n${text}`);
  const promises = { ...graphPromises(text), directed: !undirected };
  return {
    name: `adjacency list (${undirected ? 'undirected' : 'directed'}${promises.connected ? ', connected' : ''}${promises.acyclic ? ', acyclic' : ''})`,
    lines,
    builds: [graph.name],
    build(input, at) {
      const nodes = Math.max(promises.connected ? 1 : 2, at.length(graph.name));
      const lists: number[][] = Array.from({ length: nodes }, () => []);
      for (const [a, b] of randomGraph(at.rng, nodes, at.rng.int(nodes - 1, nodes * 2), promises)) {
        lists[a]!.push(b);
        if (undirected) lists[b]!.push(a);
      }
      input[indexOf(context, graph.name)] = lists.map((l) => l.sort((x, y) => x - y));
      return true;
    },
  };
};

/**
 * A walk through `m` distinct directed edges between `nodes` nodes, no self-loops: the edges of
 * a graph with an Eulerian path. Shorter when the walk gets stuck (every edge out of a node used).
 */
export function eulerianWalk(rng: Random, nodes: number, m: number): [number, number][] {
  const used = new Set<string>();
  const walk: [number, number][] = [];
  let at = rng.int(0, nodes - 1);
  while (walk.length < m) {
    const next = rng.shuffle(Array.from({ length: nodes }, (_, k) => k)).find((k) => k !== at && !used.has(`${at},${k}`));
    if (next === undefined) break;
    used.add(`${at},${next}`);
    walk.push([at, next]);
    at = next;
  }
  return walk;
}

/**
 * "There exists a valid arrangement of pairs" (each pair's end the next one's start, "no two pairs
 * are exactly the same", "starti != endi"): the pairs of a random Eulerian walk, shuffled, with
 * node labels drawn from the values' range.
 */
export const arrangeablePairs: PromiseRecipe = (context) => {
  const pairs = context.params.find((p) => p.type.kind === 'list' && p.type.of.kind === 'list' && p.type.of.of.kind === 'int' && rowWidth(p) === 2);
  const promise = `${context.description}\n${context.lines.join('\n')}`;
  if (!pairs || !/there exists a valid arrangement/i.test(promise)) return null;
  return {
    name: 'pairs with a valid arrangement',
    lines: linesMatching(context, /valid arrangement|^start\w* != end\w*$|no two pairs are exactly the same/i),
    builds: [pairs.name],
    build(input, at) {
      const m = Math.max(1, at.length(pairs.name));
      let fewest = 2;
      while (fewest * (fewest - 1) < m) fewest++;
      const nodes = at.rng.int(fewest, Math.max(fewest, Math.min(m + 1, fewest + 6)));
      const { lo, hi, typicalHi } = at.valueRange(pairs.name, 2);
      const top = Math.max(lo + nodes - 1, at.rng.chance(0.5) ? typicalHi : Math.min(hi, lo + 3 * nodes));
      const labels = new Set<number>();
      while (labels.size < nodes) labels.add(at.rng.int(lo, top));
      const names = [...labels];
      input[indexOf(context, pairs.name)] = shuffled(at.rng, eulerianWalk(at.rng, nodes, m)).map(([a, b]) => [names[a]!, names[b]!]);
      return true;
    },
  };
};
