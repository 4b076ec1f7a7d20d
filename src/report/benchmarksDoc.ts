import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { writeFileAtomic } from '../artifacts/atomicWrite.js';

const HEADER = '# Benchmarks\n\nEvery table here is written by a benchmark command; rerun it to refresh its section.\n';

/**
 * Replaces the section between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` in
 * docs/benchmarks.md (appending it when absent), so each benchmark owns its section.
 */
export async function writeBenchmarkSection(file: string, name: string, markdown: string): Promise<void> {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${block}\n`;
  await writeFileAtomic(file, next);
}

/** One line naming the machine a number was measured on. */
export function describeMachine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}
