import { env } from '../config/env.js';

/**
 * Logs to stderr: readable lines on a terminal, one JSON object per line otherwise (CI, files,
 * log collectors). stdout stays for results (`--json` output).
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;
type Fields = Record<string, unknown>;

function threshold(): number {
  const configured = env.logLevel as Level | undefined;
  return LEVELS[configured ?? 'info'] ?? LEVELS.info;
}

function write(level: Level, message: string, fields: Fields = {}): void {
  if (LEVELS[level] < threshold()) return;
  if (process.stderr.isTTY && !env.jsonLogs) {
    const extra = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    process.stderr.write(`${level === 'info' ? '' : `${level}: `}${message}${extra ? `  ${extra}` : ''}\n`);
    return;
  }
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}

export const log = {
  debug: (message: string, fields?: Fields) => write('debug', message, fields),
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};
