import type { ResourceLimits } from '../config/schema.js';
import type { Language, Verdict } from './types.js';

/**
 * Small programs with a known verdict in every language: the `codeq demo` self-check and a
 * cross-language verdict test. Each reads two integers and prints their sum when it behaves.
 */
export interface SelfCheckCase {
  name: string;
  language: Language;
  source: string;
  stdin: string;
  expectedStdout: string;
  expect: Verdict;
  limits?: Partial<ResourceLimits>;
}

const STDIN = '2 40\n';
const EXPECTED = '42\n';
const SHORT = { timeoutMs: 2000 };

const python: Record<string, [string, Verdict, Partial<ResourceLimits>?]> = {
  sum: ['a, b = map(int, input().split())\nprint(a + b)\n', 'pass'],
  'wrong answer': ['a, b = map(int, input().split())\nprint(a - b)\n', 'wrong_answer'],
  'syntax error': ['a, b = map(int, input().split()\nprint(a + b)\n', 'compile_error'],
  exception: ['a, b = map(int, input().split())\nprint(a // 0)\n', 'runtime_error'],
  'infinite loop': ['while True:\n    pass\n', 'timeout', SHORT],
  'memory hog': ['blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n', 'memory'],
};

const cpp: Record<string, [string, Verdict, Partial<ResourceLimits>?]> = {
  sum: ['#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }\n', 'pass'],
  'wrong answer': ['#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a * b << "\\n"; }\n', 'wrong_answer'],
  'syntax error': ['#include <iostream>\nint main() { long a, b; std::cin >> a >> b std::cout << a + b; }\n', 'compile_error'],
  segfault: ['#include <cstdio>\nint main() { volatile int *p = nullptr; *p = 1; std::puts("x"); }\n', 'runtime_error'],
  'infinite loop': ['int main() { volatile unsigned long i = 0; for (;;) i++; }\n', 'timeout', SHORT],
  'memory hog': [
    '#include <cstring>\n#include <vector>\nint main() { std::vector<char*> v; for (;;) { char *p = new char[16 << 20]; std::memset(p, 1, 16 << 20); v.push_back(p); } }\n',
    'memory',
  ],
};

const java: Record<string, [string, Verdict, Partial<ResourceLimits>?]> = {
  sum: ['import java.util.*;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); long x = s.nextLong(), y = s.nextLong(); System.out.println(x + y); } }\n', 'pass'],
  'wrong answer': ['import java.util.*;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); long x = s.nextLong(), y = s.nextLong(); System.out.println(x - y); } }\n', 'wrong_answer'],
  'syntax error': ['public class Main { public static void main(String[] a) { System.out.println(42) } }\n', 'compile_error'],
  exception: ['public class Main { public static void main(String[] a) { int[] x = new int[1]; System.out.println(x[2]); } }\n', 'runtime_error'],
  'infinite loop': ['public class Main { public static void main(String[] a) { long i = 0; while (true) i++; } }\n', 'timeout', SHORT],
  'memory hog': ['import java.util.*;\npublic class Main { public static void main(String[] a) { List<long[]> l = new ArrayList<>(); while (true) l.add(new long[1 << 21]); } }\n', 'memory'],
};

function cases(language: Language, table: typeof python): SelfCheckCase[] {
  return Object.entries(table).map(([name, [source, expect, limits]]) => ({
    name,
    language,
    source,
    stdin: STDIN,
    expectedStdout: EXPECTED,
    expect,
    ...(limits ? { limits } : {}),
  }));
}

export const SELF_CHECK_CASES: SelfCheckCase[] = [...cases('python3', python), ...cases('cpp', cpp), ...cases('java', java)];
