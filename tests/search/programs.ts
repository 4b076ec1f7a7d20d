/**
 * Python programs for count-target-pairs (see tests/fixtures/problems.ts), each with a known
 * score on the two visible tests ([1,2,3,4], 5 → 2 and [1,1,1], 2 → 3).
 */
const header = 'class Solution:\n    def countPairs(self, nums: List[int], target: int) -> int:\n';

/** Passes everything. */
export const CORRECT = `${header}        return sum(1 for i in range(len(nums)) for j in range(i + 1, len(nums)) if nums[i] + nums[j] == target)`;
/** 0/2: always 0. */
export const ZERO = `${header}        return 0  # zero`;
/** 1/2: right on the first example only. */
export const TWO = `${header}        return 2  # two`;
/** 1/2 as well, another program. */
export const HALF = `${header}        return 2 if len(nums) > 3 else 0  # half`;
/** 2/2 visible, wrong on almost every hidden test. */
export const MEMORIZED = `${header}        return {4: 2, 3: 3}.get(len(nums), -1)  # memorized`;
/** Does not compile. */
export const BROKEN = `${header}        return sum(  # broken`;
/** n-th distinct wrong program (0/2), for searches that must not end. */
export const wrong = (n: number) => `${header}        return -${n + 1}  # wrong ${n}`;
/** Passes everything too: another correct program (agrees with CORRECT on every input). */
export const CORRECT_LOOP = `${header}        count = 0\n        for i, a in enumerate(nums):\n            for b in nums[i + 1:]:\n                count += a + b == target\n        return count  # loop`;
