import { afterEach, beforeEach, vi } from 'vitest';

/**
 * codeq's log lines (src/util/log.ts writes them to stderr) captured instead of printed: a test that
 * provokes a warning or an error on purpose keeps it out of the test output, where it would read
 * like a real failure, and can assert on it. Anything else on stderr is passed through.
 */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  [field: string]: unknown;
}

export interface LogCapture {
  /** Every log line since the capture started (or since the last clear). */
  readonly lines: LogLine[];
  /** The lines of these levels. */
  at(...levels: LogLine['level'][]): LogLine[];
  clear(): void;
  restore(): void;
}

/** One log line as log.ts writes it: a JSON object with level and message, or on a terminal `warn: message  k=v`. */
function parseLogLine(text: string): LogLine | null {
  if (text.startsWith('{')) {
    try {
      const value = JSON.parse(text) as Partial<LogLine>;
      if (typeof value.level === 'string' && typeof value.message === 'string') return value as LogLine;
    } catch {
      return null;
    }
    return null;
  }
  const readable = /^(debug|warn|error): (.*)$/.exec(text);
  return readable ? { level: readable[1] as LogLine['level'], message: readable[2]! } : null;
}

/** Starts capturing now; `restore()` stops. */
export function captureLogs(): LogCapture {
  const lines: LogLine[] = [];
  const original = process.stderr.write.bind(process.stderr);
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const parsed = text.split('\n').filter((line) => line !== '').map(parseLogLine);
    if (parsed.length > 0 && parsed.every((line) => line !== null)) {
      lines.push(...(parsed as LogLine[]));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write);
  return {
    lines,
    at: (...levels) => lines.filter((line) => levels.includes(line.level)),
    clear: () => void lines.splice(0),
    restore: () => spy.mockRestore(),
  };
}

/**
 * Captures the log lines of every test in the calling file or describe block, anew for each test.
 * A test that provokes a warning or an error takes it with `expectLogged` (which fails when it was
 * not logged); after each test, the warnings and errors nobody took are printed after all, since
 * nobody expected them.
 */
export function useLogCapture(): { readonly current: LogCapture; expectLogged(level: 'warn' | 'error', message: RegExp | string): LogLine[] } {
  let current: LogCapture | null = null;
  let taken = new Set<LogLine>();
  beforeEach(() => {
    current = captureLogs();
    taken = new Set();
  });
  afterEach(() => {
    const capture = current!;
    current = null;
    capture.restore();
    for (const line of capture.at('warn', 'error').filter((l) => !taken.has(l))) process.stderr.write(`${JSON.stringify(line)}\n`);
  });
  return {
    get current() {
      if (!current) throw new Error('useLogCapture: no test is running');
      return current;
    },
    expectLogged(level, message) {
      const found = this.current.at(level).filter((line) => (typeof message === 'string' ? line.message === message : message.test(line.message)));
      if (found.length === 0) {
        throw new Error(`no ${level} log line ${String(message)}; logged: ${this.current.lines.map((line) => `${line.level} ${line.message}`).join('; ') || 'nothing'}`);
      }
      for (const line of found) taken.add(line);
      return found;
    },
  };
}
