import { dirname, join } from 'node:path';
import { ResourceLimitsSchema, type ResourceLimits, type SandboxConfig } from '../config/schema.js';
import { log } from '../util/log.js';
import { Semaphore } from '../util/semaphore.js';
import { CompileCache, compileKey, type CompiledProgram } from './compileCache.js';
import { languageSpecs, type LanguageSpec } from './languages/index.js';
import {
  RunRequestError,
  SANDBOX_PATHS,
  SandboxError,
  type Executor,
  type Mounts,
  type RawExecution,
  type RunRequest,
  type Sandbox,
  type SandboxResult,
} from './types.js';
import { judgeRun, trimMessage } from './verdict.js';
import { Workspace } from './workspace.js';

const STDIN_FILE = 'stdin.txt';

/**
 * The one Sandbox implementation: compile once per program (cached by content hash), run, judge.
 * Backends differ only in how they execute one isolated process (the Executor).
 */
export class ProgramSandbox implements Sandbox {
  private readonly languages: Record<string, LanguageSpec>;
  private readonly compileCache: CompileCache;
  private readonly slots: Semaphore;
  private readonly running = new Set<Promise<unknown>>();
  private disposed = false;
  private warnedAboutHeaders = false;

  constructor(
    private readonly executor: Executor,
    private readonly config: SandboxConfig,
    private readonly workspace: Workspace,
  ) {
    this.languages = languageSpecs(config.languages);
    this.compileCache = new CompileCache(join(workspace.compiledDir, executor.backend));
    this.slots = new Semaphore(config.concurrency);
  }

  get backend() {
    return this.executor.backend;
  }

  run(request: RunRequest): Promise<SandboxResult> {
    if (this.disposed) return Promise.reject(new Error('the sandbox was disposed'));
    const task = this.slots.use(() => this.runNow(request));
    this.running.add(task);
    void task.finally(() => this.running.delete(task)).catch(() => undefined);
    return task;
  }

  private async runNow(request: RunRequest): Promise<SandboxResult> {
    request.signal?.throwIfAborted();
    const language = this.languages[request.language];
    if (!language) throw new RunRequestError(`unknown language ${JSON.stringify(request.language)}`);
    const limits = checkedLimits({ ...this.config.limits, ...request.limits });
    const sourceFile = language.sourceFileName(request.source);
    for (const reserved of [sourceFile, STDIN_FILE]) {
      if (request.files && reserved in request.files) {
        throw new RunRequestError(`input file name ${JSON.stringify(reserved)} is taken by the program or its stdin; rename it`);
      }
    }
    let jobDir: string | null = null;
    try {
      const files: Record<string, string> = { ...request.files, [sourceFile]: request.source };
      if (request.stdin !== undefined) files[STDIN_FILE] = request.stdin;
      jobDir = await this.workspace.createJobDir(files);

      // A compile is shared by every request for the same program: no one request may cancel it.
      const compiled = await this.compile(language, request.source, jobDir);
      request.signal?.throwIfAborted();
      if (compiled && !compiled.ok) {
        // A compiler stopped by our limits is not a rejected program: say which limit.
        const verdict = compiled.killedBy ?? 'compile_error';
        return this.result({ verdict, message: compiled.message, compile: compiled });
      }
      const run = await this.executor.exec({
        argv: language.runCommand(request.source, limits),
        mounts: { job: jobDir, ...(compiled ? { prog: compiled.dir } : {}) },
        stdinFile: request.stdin !== undefined ? STDIN_FILE : undefined,
        limits,
        signal: request.signal,
      });
      request.signal?.throwIfAborted();
      const judged = judgeRun({ run, language, limits, expectedStdout: request.expectedStdout });
      return this.result({ ...judged, run, ...(compiled ? { compile: compiled } : {}) });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (!(error instanceof SandboxError)) throw error;
      return this.result({ verdict: 'sandbox_error', message: error.message });
    } finally {
      if (jobDir) this.workspace.remove(jobDir);
    }
  }

  /** Compiles (or finds in the cache) the program; null for interpreted languages. */
  private async compile(language: LanguageSpec, source: string, jobDir: string): Promise<CompiledProgram | null> {
    const limits = this.config.compileLimits;
    if (!language.compileCommand(source, limits, false)) return null;
    const include = await this.precompiledHeaders(language);
    const argv = language.compileCommand(source, limits, include !== null)!;
    const key = compileKey([language.id, language.toolchainKey, language.sourceFileName(source), source]);
    return this.compileCache.getOrBuild(key, () => this.buildInSandbox(key, argv, { job: jobDir, ...(include ? { include } : {}) }, []));
  }

  /**
   * The language's precompiled header, built once per toolchain into the compile cache; null
   * when the language has none or it could not be built (compiles then simply take longer).
   */
  private async precompiledHeaders(language: LanguageSpec): Promise<string | null> {
    const header = language.precompiledHeader;
    if (!header) return null;
    const key = compileKey(['precompiled header', language.id, language.toolchainKey, header.source]);
    const built = await this.compileCache.getOrBuild(key, async () => {
      const jobDir = await this.workspace.createJobDir({ [header.sourceName]: header.source });
      try {
        const outputDirs = header.command.filter((arg) => arg.startsWith(`${SANDBOX_PATHS.out}/`)).map((arg) => dirname(arg.slice(SANDBOX_PATHS.out.length + 1)));
        return await this.buildInSandbox(key, header.command, { job: jobDir }, outputDirs);
      } finally {
        this.workspace.remove(jobDir);
      }
    });
    if (built.ok) return built.dir;
    if (!this.warnedAboutHeaders) log.warn('cannot precompile headers; compiling without them', { language: language.id, message: built.message });
    this.warnedAboutHeaders = true;
    return null;
  }

  /** Runs a compiler in the sandbox writing into a fresh dir (with `subdirs`) for the compile cache. */
  private async buildInSandbox(key: string, argv: string[], mounts: Omit<Mounts, 'out'>, subdirs: string[]) {
    const limits = this.config.compileLimits;
    const tempDir = this.workspace.createWritableDir(this.compileCache.tempParent(key), subdirs);
    try {
      const run = await this.executor.exec({ argv, mounts: { ...mounts, out: tempDir }, limits });
      return { tempDir, ...compileOutcome(run, limits) };
    } catch (error) {
      this.workspace.remove(tempDir);
      throw error;
    }
  }

  private result(parts: {
    verdict: SandboxResult['verdict'];
    message: string;
    run?: RawExecution;
    compile?: CompiledProgram;
  }): SandboxResult {
    const { run } = parts;
    return {
      verdict: parts.verdict,
      exitCode: run?.exitCode ?? null,
      signal: run?.signal ?? null,
      timedOut: run?.timedOut ?? false,
      oomKilled: run?.oomKilled ?? false,
      outputTruncated: run?.outputTruncated ?? false,
      stdout: run?.stdout ?? '',
      stderr: run?.stderr ?? '',
      durationMs: run?.durationMs ?? 0,
      message: parts.message,
      backend: this.executor.backend,
      ...(parts.compile ? { compile: { cached: parts.compile.cached, durationMs: parts.compile.durationMs } } : {}),
    };
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
    await this.executor.settle();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.settle();
    await this.executor.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** Limits from a request are checked like config values: a bad one is the caller's mistake, named. */
function checkedLimits(limits: ResourceLimits): ResourceLimits {
  const parsed = ResourceLimitsSchema.safeParse(limits);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new RunRequestError(`invalid run limits: ${problems.join('; ')}`);
}

/** A compiler's verdict on the program; a compiler killed by our limits is not cached (it may be load). */
function compileOutcome(run: RawExecution, limits: ResourceLimits) {
  const durationMs = run.durationMs;
  if (run.timedOut) {
    return { outcome: { ok: false, message: `the compiler ran past ${limits.timeoutMs} ms`, durationMs, killedBy: 'timeout' as const }, cacheable: false };
  }
  if (run.oomKilled) {
    return { outcome: { ok: false, message: `the compiler ran past ${limits.memoryMb} MiB`, durationMs, killedBy: 'memory' as const }, cacheable: false };
  }
  if (run.exitCode !== 0) {
    const diagnostics = trimMessage(`${run.stderr}${run.stdout}`, false) || `the compiler exited with ${run.exitCode ?? run.signal}`;
    return { outcome: { ok: false, message: diagnostics, durationMs }, cacheable: run.exitCode !== null };
  }
  return { outcome: { ok: true, message: '', durationMs }, cacheable: true };
}
