/**
 * Code compared for identity: trailing whitespace and blank lines do not count, indentation does
 * (in Python it can be the bug). Used to deduplicate records and, later, programs in a search tree.
 */
export function normalizeCode(code: string): string {
  return code
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}
