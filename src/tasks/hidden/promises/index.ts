import { adjacencyListGraph, arrangeablePairs, edgeListGraph } from './graphs.js';
import { keysAndLocks, knightBoard, noTwoAdjacent, snakeStart, twoIslands, validRectangles } from './grids.js';
import { predicatePromises } from './predicates.js';
import { anagramGroup, anagramOf, balancedString, lcpOfAWord, numericStrings, positionalCharacters, scoreOperations, sentence } from './strings.js';
import { parentArrayTree, shapedTree, traversalsOfOneTree } from './trees.js';
import type { KeptPromise, PromiseContext, PromiseRecipe } from './types.js';

/** Every builder recipe, in the order they are tried; one parameter is built by one promise at most. */
const RECIPES: PromiseRecipe[] = [
  traversalsOfOneTree,
  shapedTree,
  parentArrayTree,
  edgeListGraph,
  adjacencyListGraph,
  arrangeablePairs,
  keysAndLocks,
  knightBoard,
  twoIslands,
  noTwoAdjacent,
  validRectangles,
  snakeStart,
  balancedString,
  sentence,
  numericStrings,
  positionalCharacters,
  anagramOf,
  anagramGroup,
  scoreOperations,
  lcpOfAWord,
];

/** The promises a task's statement makes that generation keeps: builders first, then line-by-line checks and repairs. */
export function keptPromises(context: PromiseContext): KeptPromise[] {
  const kept: KeptPromise[] = [];
  const built = new Set<string>();
  for (const promise of [...RECIPES.map((recipe) => recipe(context)), ...predicatePromises(context)]) {
    if (!promise || promise.builds.some((b) => built.has(b))) continue;
    for (const b of promise.builds) built.add(b);
    kept.push(promise);
  }
  return kept;
}
