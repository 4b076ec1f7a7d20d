import type { Random } from '../../../util/random.js';
import type { Value } from '../../literal.js';
import { indexOf, linesMatching, type BuildContext, type PromiseParam, type PromiseRecipe } from './types.js';

const gridOf = (p: PromiseParam) => p.type.kind === 'list' && p.type.of.kind === 'list';
const size = (at: BuildContext, name: string, depth: number) => Math.max(1, at.length(name, depth));

/** Cells of an m x n grid in random order. */
function cells(rng: Random, m: number, n: number): [number, number][] {
  return rng.shuffle(Array.from({ length: m * n }, (_, k) => [Math.floor(k / n), k % n] as [number, number]));
}

/**
 * A maze with keys and locks ("exactly one '@'", "the number of keys is in the range [1, 6]",
 * "each key in the grid is unique", "each key has a matching lock"): walls and open cells, one
 * start, k distinct keys a.. and their locks A.., each in a cell of its own.
 */
export const keysAndLocks: PromiseRecipe = (context) => {
  const grid = context.params.find((p) => p.type.kind === 'list' && p.type.of.kind === 'string');
  if (!grid) return null;
  const lines = linesMatching(context, /exactly one '@'|number of keys|each key|matching lock|either an English letter, '\.', '#', or '@'/i);
  if (!lines.some((l) => /exactly one '@'/.test(l)) || !lines.some((l) => /matching lock/.test(l))) return null;
  const keys = /number of keys in the grid is in the range \[\s*(\d+),\s*(\d+)\]/i.exec(lines.join('\n'));
  const [fewest, most] = keys ? [Number(keys[1]), Number(keys[2])] : [1, 6];
  return {
    name: 'keys and locks',
    lines,
    builds: [grid.name],
    build(input, at) {
      const m = size(at, grid.name, 0);
      const n = size(at, grid.name, 1);
      const k = at.rng.int(fewest, Math.min(most, Math.floor((m * n - 1) / 2)));
      if (2 * k + 1 > m * n) return false;
      const rows = Array.from({ length: m }, () => Array.from({ length: n }, (): string => (at.rng.chance(0.25) ? '#' : '.')));
      const free = cells(at.rng, m, n);
      const put = (c: string) => {
        const [r, col] = free.pop()!;
        rows[r]![col] = c;
      };
      put('@');
      for (let key = 0; key < k; key++) {
        put(String.fromCharCode(97 + key));
        put(String.fromCharCode(65 + key));
      }
      input[indexOf(context, grid.name)] = rows.map((r) => r.join(''));
      return true;
    },
  };
};

const KNIGHT: [number, number][] = [
  [1, 2], [2, 1], [2, -1], [1, -2], [-1, -2], [-2, -1], [-2, 1], [-1, 2],
];

/** A knight's tour of an n x n board from the top-left corner (Warnsdorff's rule, random ties), or null. */
export function knightTour(rng: Random, n: number): number[][] | null {
  const board = Array.from({ length: n }, () => Array<number>(n).fill(-1));
  const free = (r: number, c: number) => r >= 0 && c >= 0 && r < n && c < n && board[r]![c] === -1;
  const degree = (r: number, c: number) => KNIGHT.filter(([dr, dc]) => free(r + dr, c + dc)).length;
  let [r, c] = [0, 0];
  board[0]![0] = 0;
  for (let step = 1; step < n * n; step++) {
    const moves = rng.shuffle(KNIGHT.map(([dr, dc]) => [r + dr, c + dc] as [number, number]).filter(([a, b]) => free(a, b)));
    if (moves.length === 0) return null;
    moves.sort((a, b) => degree(a[0], a[1]) - degree(b[0], b[1]));
    [r, c] = moves[0]!;
    board[r]![c] = step;
  }
  return board;
}

/**
 * A board numbered 0..n²-1 ("0 <= grid[row][col] < n * n", "all integers in grid are unique"):
 * half the time a real knight's tour (so both answers come up), else one with two cells swapped
 * or a random numbering.
 */
export const knightBoard: PromiseRecipe = (context) => {
  const grid = context.params.find(gridOf);
  if (!grid || !/knight/i.test(context.description)) return null;
  const lines = linesMatching(context, new RegExp(`${grid.name}\\[\\w+\\]\\[\\w+\\] < n \\* n|\\b(?:unique|distinct)\\b|^n == ${grid.name}\\.length == ${grid.name}\\[i\\]\\.length$`, 'i'));
  if (!lines.some((l) => /n \* n/.test(l))) return null;
  return {
    name: 'knight board',
    lines,
    builds: [grid.name],
    build(input, at) {
      const n = Math.max(3, Math.min(7, at.length(grid.name)));
      const tour = n >= 5 && at.rng.chance(0.6) ? knightTour(at.rng, n) : null;
      let board: number[][];
      if (tour) {
        board = tour;
        if (at.rng.chance(0.4)) {
          const [a, b] = cells(at.rng, n, n);
          [board[a![0]]![a![1]], board[b![0]]![b![1]]] = [board[b![0]]![b![1]]!, board[a![0]]![a![1]]!];
        }
      } else {
        const numbers = at.rng.shuffle(Array.from({ length: n * n }, (_, k) => k));
        board = Array.from({ length: n }, (_, r) => numbers.slice(r * n, r * n + n));
      }
      input[indexOf(context, grid.name)] = board;
      return true;
    },
  };
};

/** "There are exactly two islands in grid": a 0/1 grid with two 4-connected groups of 1s that do not touch. */
export const twoIslands: PromiseRecipe = (context) => {
  const grid = context.params.find(gridOf);
  const lines = linesMatching(context, /exactly two islands/i);
  if (!grid || lines.length === 0) return null;
  return {
    name: 'two islands',
    lines,
    builds: [grid.name],
    build(input, at) {
      const n = Math.max(2, size(at, grid.name, 0));
      const rows = Array.from({ length: n }, () => Array<number>(n).fill(0));
      const island = (id: number): boolean => {
        const free = cells(at.rng, n, n).filter(([r, c]) => rows[r]![c] === 0 && !touches(rows, r, c, id));
        if (free.length === 0) return false;
        const grown: [number, number][] = [free[0]!];
        rows[free[0]![0]]![free[0]![1]] = id;
        for (let k = 0; k < at.rng.int(0, n * 2); k++) {
          const [r, c] = at.rng.pick(grown);
          const [dr, dc] = at.rng.pick([[1, 0], [-1, 0], [0, 1], [0, -1]] as const);
          const [a, b] = [r + dr, c + dc];
          if (a < 0 || b < 0 || a >= n || b >= n || rows[a]![b] !== 0 || touches(rows, a, b, id)) continue;
          rows[a]![b] = id;
          grown.push([a, b]);
        }
        return true;
      };
      if (!island(1) || !island(2)) return false;
      input[indexOf(context, grid.name)] = rows.map((r) => r.map((v): Value => (v ? 1 : 0)));
      return true;
    },
  };
};

/** Whether a cell borders a cell of another island. */
function touches(rows: number[][], r: number, c: number, id: number): boolean {
  return [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dr, dc]) => {
    const v = rows[r + dr!]?.[c + dc!];
    return v !== undefined && v !== 0 && v !== id;
  });
}

/** "There are no two adjacent flowers in flowerbed": a 0/1 list with no two 1s side by side. */
export const noTwoAdjacent: PromiseRecipe = (context) => {
  const line = context.lines.find((l) => /^There are no two adjacent \w+ in (\w+)$/i.test(l));
  const name = line ? /in (\w+)$/.exec(line)![1]! : null;
  if (!line || !name || indexOf(context, name) < 0) return null;
  return {
    name: 'no two adjacent ones',
    lines: [line],
    builds: [name],
    build(input, at) {
      const out: number[] = [];
      for (let k = 0, n = Math.max(1, at.length(name)); k < n; k++) out.push(out[k - 1] === 1 ? 0 : at.rng.chance(0.35) ? 1 : 0);
      input[indexOf(context, name)] = out;
      return true;
    },
  };
};

/** "rec1 and rec2 represent a valid rectangle with a non-zero area": [x1, y1, x2, y2] with x1 < x2 and y1 < y2. */
export const validRectangles: PromiseRecipe = (context) => {
  const line = context.lines.find((l) => /represents? a valid rectangle/i.test(l));
  if (!line) return null;
  const names = context.params.filter((p) => p.type.kind === 'list' && new RegExp(`\\b${p.name}\\b`).test(line)).map((p) => p.name);
  if (names.length === 0) return null;
  return {
    name: 'valid rectangles',
    lines: [line],
    builds: names,
    build(input, at) {
      for (const name of names) {
        const { lo, typicalHi } = at.valueRange(name, 1);
        const [x1, x2] = [at.rng.int(lo, typicalHi), at.rng.int(lo, typicalHi)].sort((a, b) => a - b);
        const [y1, y2] = [at.rng.int(lo, typicalHi), at.rng.int(lo, typicalHi)].sort((a, b) => a - b);
        if (x1 === x2 || y1 === y2) return false;
        input[indexOf(context, name)] = [x1!, y1!, x2!, y2!];
      }
      return true;
    },
  };
};

/** "It is guaranteed that the snake starts at empty cells": the two top-left cells are 0. */
export const snakeStart: PromiseRecipe = (context) => {
  const line = context.lines.find((l) => /snake starts at empty cells/i.test(l));
  const grid = context.params.find(gridOf);
  if (!line || !grid) return null;
  const i = indexOf(context, grid.name);
  return { name: 'snake starts on empty cells', lines: [line], builds: [], holds: (input) => (input[i] as number[][])[0]?.[0] === 0 && (input[i] as number[][])[0]?.[1] === 0 };
};
