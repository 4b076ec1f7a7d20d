import type { ResourceLimits } from '../config/schema.js';

export const LANGUAGES = ['python3', 'cpp', 'java'] as const;
export type Language = (typeof LANGUAGES)[number];

export const BACKENDS = ['bwrap', 'docker'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * What happened to a program. `sandbox_error` is reserved for failures of codeq or the host and
 * is never blamed on the program.
 */
export const VERDICTS = [
  'pass',
  'wrong_answer',
  'compile_error',
  'runtime_error',
  'timeout',
  'memory',
  'output_limit',
  'sandbox_error',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** One result shape for every backend and every outcome. */
export interface SandboxResult {
  verdict: Verdict;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  oomKilled: boolean;
  outputTruncated: boolean;
  stdout: string;
  stderr: string;
  /** Wall time of the program run (0 when it never ran). */
  durationMs: number;
  /** Why, in a line or a few: the compiler message, the trimmed trace, or what failed in the sandbox. */
  message: string;
  backend: BackendName;
  /** Present for compiled languages. */
  compile?: { cached: boolean; durationMs: number };
}

export interface RunRequest {
  language: Language;
  source: string;
  /** Delivered to the program as a file opened on its standard input. */
  stdin?: string;
  /** Extra input files, readable by the program under /job. */
  files?: Record<string, string>;
  /** Overrides of the configured run limits. */
  limits?: Partial<ResourceLimits>;
  /** When given, stdout is compared (trailing whitespace per line ignored) and a mismatch is wrong_answer. */
  expectedStdout?: string;
  signal?: AbortSignal;
}

export interface Sandbox {
  readonly backend: BackendName;
  run(request: RunRequest): Promise<SandboxResult>;
  /** Resolves once runs in flight have finished and their cleanup (containers, dirs) is done. */
  settle(): Promise<void>;
  /** Idempotent; waits for runs in flight. */
  dispose(): Promise<void>;
}

/** Host directories a process sees, at fixed paths inside the sandbox. */
export interface Mounts {
  /** Read-only at /job: the source and input files. */
  job: string;
  /** Read-only at /prog: compiled artifacts. */
  prog?: string;
  /** Read-only at /include: precompiled headers for a compiler. */
  include?: string;
  /** Writable at /out: where a compiler writes. */
  out?: string;
}

export const SANDBOX_PATHS = { job: '/job', prog: '/prog', out: '/out', include: '/include', cwd: '/tmp' } as const;

/** Programs run as nobody, on every backend. */
export const SANDBOX_UID = 65534;

/** The whole environment a program sees: nothing of ours leaks in. */
export const SANDBOX_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: SANDBOX_PATHS.cwd,
  LANG: 'C.UTF-8',
  TMPDIR: SANDBOX_PATHS.cwd,
} as const;

/** One process to run in isolation: the unit both backends implement. */
export interface ExecSpec {
  argv: string[];
  mounts: Mounts;
  /** File name inside the job dir to open as stdin; /dev/null otherwise. */
  stdinFile?: string;
  limits: ResourceLimits;
  signal?: AbortSignal;
}

/** What a backend observed about one process, before any verdict. */
export interface RawExecution {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  oomKilled: boolean;
  outputTruncated: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Fork attempts refused by the pids limit, when the backend can tell. */
  pidsLimitHits?: number;
}

export interface Executor {
  readonly backend: BackendName;
  exec(spec: ExecSpec): Promise<RawExecution>;
  /** Resolves once cleanup that exec left to the background is done. */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

/** A failure of the sandbox itself (engine down, cgroup unavailable, image missing). */
export class SandboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

/** A request the sandbox cannot run as given (the caller's mistake): run() rejects with it. */
export class RunRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}
