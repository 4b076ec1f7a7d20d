import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The absolute path of an executable (a path, or a name looked up on PATH), or null. */
export function findExecutable(nameOrPath: string): string | null {
  const candidates = isAbsolute(nameOrPath)
    ? [nameOrPath]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, nameOrPath));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}
