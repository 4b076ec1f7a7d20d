import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { buildTests, type TestSource } from '../../src/tasks/prepare/buildTests.js';
import { materializeLarge } from '../../src/tasks/prepare/largeCases.js';
import { prepareTask } from '../../src/tasks/prepare/prepareTask.js';
import { parseTaskLine, serializeTask } from '../../src/tasks/store.js';
import type { Task } from '../../src/tasks/task.js';
import { judgeCandidate, judgeTargetOf, judgeTargetOfTests } from '../../src/verify/judgeCandidate.js';
import { config, openSandbox } from '../helpers/host.js';

/**
 * Verdicts as LeetCode's judge would give them, on the real sandbox with problems written for
 * these tests: renamed parameters, several valid answers, answers random by design, answers in
 * any order at two levels, inputs another correct solution answers otherwise, and large inputs
 * on which a slow but correct solution times out.
 */
const tasks = { ...config.tasks, hidden: { ...config.tasks.hidden, count: 12 } };

function source(extra: Partial<TestSource> & Pick<TestSource, 'slug' | 'oracleCode' | 'examples'>): TestSource {
  return { id: `python3/${extra.slug}/test/00000000`, language: 'python3', description: '', constraints: '', ...extra };
}

async function built(sandbox: ProgramSandbox, task: TestSource) {
  const result = await buildTests(task, sandbox, tasks);
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.tests;
}

describe('judging like LeetCode', () => {
  let sandbox: ProgramSandbox;
  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
  });
  afterAll(() => sandbox?.dispose());

  it('calls Python positionally: a fix that renames its parameters passes', async () => {
    const tests = await built(sandbox, source({
      slug: 'add-two',
      constraints: '-100 <= a, b <= 100',
      examples: ['Input: a = 1, b = 2\nOutput: 3', 'Input: a = -4, b = 2\nOutput: -2'],
      oracleCode: 'class Solution:\n    def add(self, a: int, b: int) -> int:\n        return a + b\n',
    }));
    const renamed = 'class Solution:\n    def add(self, x: int, y: int) -> int:\n        return x + y\n';
    const swapped = 'class Solution:\n    def add(self, b: int, a: int) -> int:\n        return b - a\n';
    expect((await judgeCandidate(sandbox, judgeTargetOfTests(tests), renamed, tasks)).verdict).toBe('pass');
    expect((await judgeCandidate(sandbox, judgeTargetOfTests(tests), swapped, tasks)).verdict).toBe('wrong_answer');
  });

  it('several valid answers: the stated one is accepted on the visible test, and a pass is pass_visible_only', async () => {
    const tests = await built(sandbox, source({
      slug: 'any-divisor',
      description: 'Return any divisor d of n with 1 < d < n. If there are many valid solutions, you can return any of them.',
      constraints: '4 <= n <= 1000',
      examples: ['Input: n = 12\nOutput: 3', 'Input: n = 9\nOutput: 3'],
      oracleCode: 'class Solution:\n    def divisor(self, n: int) -> int:\n        return next(d for d in range(2, n) if n % d == 0)\n',
    }));
    expect(tests.visibleOnly).toBe('multi_answer');
    expect(tests.visible[0]!.alsoAccepted).toEqual([3]);
    const largest = 'class Solution:\n    def divisor(self, n: int) -> int:\n        return 3 if n in (9, 12) else n // 2\n';
    const judged = await judgeCandidate(sandbox, judgeTargetOfTests(tests), largest, tasks);
    expect(judged.verdict).toBe('pass_visible_only');
    expect(judged.hidden).toBeNull();
  });

  it('several valid answers with a checker: hidden tests judge them, any valid answer passes', async () => {
    const euler = (pop: string) =>
      `class Solution:\n    def validArrangement(self, pairs: List[List[int]]) -> List[List[int]]:\n        out, bal = {}, {}\n        for a, b in pairs:\n            out.setdefault(a, []).append(b)\n            bal[a] = bal.get(a, 0) + 1\n            bal[b] = bal.get(b, 0) - 1\n        start = next((k for k, d in bal.items() if d == 1), pairs[0][0])\n        stack, path = [start], []\n        while stack:\n            if out.get(stack[-1]):\n                stack.append(out[stack[-1]].${pop})\n            else:\n                path.append(stack.pop())\n        path.reverse()\n        return [[path[i], path[i + 1]] for i in range(len(path) - 1)]\n`;
    const tests = await built(sandbox, source({
      slug: 'valid-arrangement-of-pairs',
      description: 'An arrangement of pairs is valid if for every index i where 1 <= i < pairs.length, we have endi-1 == starti.\nReturn any valid arrangement of pairs.',
      constraints: '1 <= pairs.length <= 12\npairs[i].length == 2\n0 <= starti, endi <= 1000\nstarti != endi\nNo two pairs are exactly the same.\nThere exists a valid arrangement of pairs.',
      examples: ['Input: pairs = [[5,1],[4,5],[11,9],[9,4]]\nOutput: [[11,9],[9,4],[4,5],[5,1]]', 'Input: pairs = [[1,2],[1,3],[2,1]]\nOutput: [[1,2],[2,1],[1,3]]'],
      oracleCode: euler('pop()'),
    }));
    expect(tests.compare.checker).toBe('valid-arrangement-of-pairs');
    expect(tests.visibleOnly).toBeNull();
    expect(tests.hidden.length).toBeGreaterThanOrEqual(10);
    const target = judgeTargetOfTests(tests);
    // Another valid path (edges taken in the other order) is another answer, and it passes.
    const other = euler('pop(0)');
    expect((await judgeCandidate(sandbox, target, other, tasks)).verdict).toBe('pass');
    const unchained = 'class Solution:\n    def validArrangement(self, pairs):\n        return sorted(pairs)\n';
    expect((await judgeCandidate(sandbox, target, unchained, tasks)).verdict).toBe('wrong_answer');
    // A chain that drops a pair is not an arrangement of the pairs.
    const dropping = euler('pop()').replace('return [[path[i], path[i + 1]] for i in range(len(path) - 1)]', 'return [[path[i], path[i + 1]] for i in range(len(path) - 2)]');
    expect((await judgeCandidate(sandbox, target, dropping, tasks)).verdict).toBe('wrong_answer');
  });

  it('an answer random by design makes the task nondeterministic', async () => {
    const tests = await built(sandbox, source({
      slug: 'pick-one',
      constraints: '1 <= nums.length <= 20\n0 <= nums[i] <= 1000',
      examples: ['Input: nums = [5]\nOutput: 5'],
      oracleCode: 'import random\nclass Solution:\n    def pick(self, nums: List[int]) -> int:\n        return random.choice(nums)\n',
    }));
    expect(tests.visibleOnly).toBe('nondeterministic');
  });

  it('groups of anagrams in any order, and the words of each group in any order', async () => {
    const tests = await built(sandbox, source({
      slug: 'group-words',
      description: 'Group the anagrams together. You can return the answer in any order.',
      constraints: '1 <= strs.length <= 10\n0 <= strs[i].length <= 4\nstrs[i] consists of lowercase English letters.',
      examples: ['Input: strs = ["eat","tea","tan","ate","nat","bat"]\nOutput: [["bat"],["nat","tan"],["ate","eat","tea"]]'],
      oracleCode: 'class Solution:\n    def groupAnagrams(self, strs: List[str]) -> List[List[str]]:\n        groups = {}\n        for s in strs:\n            groups.setdefault("".join(sorted(s)), []).append(s)\n        return list(groups.values())\n',
    }));
    expect(tests.compare.orderFreeLevels).toEqual([0, 1]);
    expect(tests.visibleOnly).toBeNull();
    const reversed = 'class Solution:\n    def groupAnagrams(self, strs):\n        groups = {}\n        for s in reversed(strs):\n            groups.setdefault("".join(sorted(s)), []).insert(0, s)\n        return [sorted(g, reverse=True) for g in reversed(list(groups.values()))]\n';
    expect((await judgeCandidate(sandbox, judgeTargetOfTests(tests), reversed, tasks)).verdict).toBe('pass');
  });

  it('drops inputs another correct solution answers otherwise, and freezes what produced them', async () => {
    // The statement promises nums is sorted, but says so only in prose the generator cannot read;
    // the peer (binary search) relies on it, the oracle (a scan) does not.
    const task = source({
      slug: 'first-at-least',
      description: 'nums is sorted. Return the first index i with nums[i] >= x, or len(nums).',
      constraints: '1 <= nums.length <= 12\n0 <= nums[i], x <= 50\nThe list is given in the order it was stored.',
      // Two-element examples: too short for the generator to infer that lists are sorted.
      examples: ['Input: nums = [1,3], x = 2\nOutput: 1', 'Input: nums = [2,9], x = 2\nOutput: 0'],
      oracleCode: 'class Solution:\n    def first(self, nums: List[int], x: int) -> int:\n        return next((i for i, v in enumerate(nums) if v >= x), len(nums))\n',
      peers: [{ language: 'python3', examples: ['Input: nums = [1,3], x = 2\nOutput: 1'], oracleCode: 'import bisect\nclass Solution:\n    def first(self, nums: List[int], x: int) -> int:\n        return bisect.bisect_left(nums, x)\n' }],
    });
    const tests = await built(sandbox, task);
    expect(tests.peers.used).toBe(1);
    expect(tests.peers.disagreements).toBeGreaterThan(0);
    expect(tests.peers.frozen).toEqual(['nums']);
    expect(tests.hidden.length).toBeGreaterThan(5);
    // Every hidden input kept is one both solutions answer alike.
    const peer = 'import bisect\nclass Solution:\n    def first(self, nums, x):\n        return bisect.bisect_left(nums, x)\n';
    expect((await judgeCandidate(sandbox, judgeTargetOfTests(tests), peer, tasks)).verdict).toBe('pass');
  });

  it('large inputs: a correct but quadratic fix times out, and the inputs come back from their recipe', async () => {
    const record: Task = {
      id: 'python3/count-smaller-pairs/test/00000000',
      language: 'python3',
      slug: 'count-smaller-pairs',
      level: 'medium',
      bugType: 'operation error',
      category: 'logic',
      description: 'Return how many distinct values nums has.',
      constraints: '1 <= nums.length <= 105\n0 <= nums[i] <= 109',
      examples: ['Input: nums = [1,2,1]\nOutput: 2', 'Input: nums = [5]\nOutput: 1'],
      oracleCode: 'class Solution:\n    def distinct(self, nums: List[int]) -> int:\n        return len(set(nums))\n',
      buggyCode: 'class Solution:\n    def distinct(self, nums: List[int]) -> int:\n        return len(nums)\n',
      source: { file: 'test', index: 0 },
    };
    const outcome = await prepareTask(record, 'test', sandbox, tasks);
    if (outcome.status !== 'testable') throw new Error(outcome.detail);
    const task = parseTaskLine(serializeTask(outcome.task));
    expect(task.large?.cases.length).toBeGreaterThan(0);
    const cases = materializeLarge(task);
    expect((cases[0]!.input as number[][])[0]!.length).toBeGreaterThanOrEqual(80000);
    const quadratic = 'class Solution:\n    def distinct(self, nums):\n        seen = []\n        for v in nums:\n            if v not in seen:\n                seen.append(v)\n        return len(seen)\n';
    const judged = await judgeCandidate(sandbox, judgeTargetOf(task, tasks), quadratic, tasks);
    expect(judged.visible.verdict).toBe('pass');
    expect(judged.verdict).toBe('timeout');
    expect((await judgeCandidate(sandbox, judgeTargetOf(task, tasks), record.oracleCode, tasks)).verdict).toBe('pass');
  }, 120_000);
});
