import type { ResourceLimits } from '../../config/schema.js';
import { runCpus } from '../cpuGroup.js';
import { SANDBOX_PATHS } from '../types.js';
import type { LanguageConfig, LanguageSpec } from './types.js';

const IDENT = '[A-Za-z_$][\\w$]*';

/** The public top-level class, which javac requires to live in <Name>.java. */
export function publicClassName(source: string): string | null {
  return new RegExp(`(?:^|[;}\\s])public\\s+(?:final\\s+|abstract\\s+)*class\\s+(${IDENT})`).exec(source)?.[1] ?? null;
}

/** The class declaring `static void main(`: the last class declared before the first main method. */
export function mainClassName(source: string): string | null {
  const main = /\bstatic\s+void\s+main\s*\(/.exec(source);
  if (!main) return publicClassName(source);
  let name: string | null = null;
  for (const match of source.slice(0, main.index).matchAll(new RegExp(`\\b(?:class|enum|record)\\s+(${IDENT})`, 'g'))) {
    name = match[1] ?? name;
  }
  return name;
}

export function javaHeapMb(limits: ResourceLimits, heapFraction: number): number {
  return Math.max(16, Math.floor(limits.memoryMb * heapFraction));
}

/**
 * The JVM sizes its compiler and GC threads (and availableProcessors()) by the CPUs it sees: in
 * a container it reads the CFS quota, in bwrap (no /sys) it sees the whole machine. Tell it the
 * run's limit, so a program sees the same on both backends.
 */
function processorsFlag(limits: ResourceLimits): string {
  return `-XX:ActiveProcessorCount=${Math.max(1, Math.ceil(runCpus(limits.cpus)))}`;
}

export function javaSpec(config: LanguageConfig['java']): LanguageSpec {
  return {
    id: 'java',
    sourceFileName: (source) => `${publicClassName(source) ?? 'Main'}.java`,
    compileCommand: (source, limits) => [
      config.javac,
      `-J-Xmx${javaHeapMb(limits, config.heapFraction)}m`,
      `-J${processorsFlag(limits)}`,
      ...config.jvmFlags.map((flag) => `-J${flag}`),
      '-encoding',
      'UTF-8',
      '-nowarn',
      '-d',
      SANDBOX_PATHS.out,
      `${SANDBOX_PATHS.job}/${publicClassName(source) ?? 'Main'}.java`,
    ],
    runCommand: (source, limits) => [
      config.java,
      `-Xmx${javaHeapMb(limits, config.heapFraction)}m`,
      `-Xss${limits.stackMb}m`,
      processorsFlag(limits),
      ...config.jvmFlags,
      '-cp',
      SANDBOX_PATHS.prog,
      mainClassName(source) ?? 'Main',
    ],
    precompiledHeader: null,
    isOutOfMemory: (stderr) => stderr.includes('java.lang.OutOfMemoryError'),
    isParseError: () => false,
    toolchainKey: JSON.stringify(config),
  };
}
