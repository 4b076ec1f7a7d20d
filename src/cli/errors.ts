import type { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';

/**
 * How codeq reports an error it expected: one line, `codeq: <what>. HINT: <what to do>`, no stack
 * trace. A message without a HINT of its own gets one pointing at the command's --help.
 */

/** The subcommand path the arguments name (`data prepare`), or '' for codeq itself. */
export function commandPath(program: Command, args: readonly string[]): string {
  const names: string[] = [];
  let command = program;
  for (const arg of args) {
    if (arg.startsWith('-')) break;
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    command = sub;
  }
  return names.join(' ');
}

const helpHint = (path: string) => `HINT: codeq ${path ? `${path} ` : ''}--help shows the options`;

/** Folds a message to one line: lines joined with '; ', list bullets dropped. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join('; ')
    .replace(/:;/g, ':');
}

function withHint(message: string, path: string): string {
  const line = oneLine(message);
  if (line.includes('HINT:')) return line;
  return `${line.replace(/[.;:\s]+$/, '')}. ${helpHint(path)}`;
}

function configLine(error: ConfigError): string {
  const missing = error.problems.length === 1 && error.problems[0]!.startsWith('file not found');
  if (missing) return `config file ${error.file} does not exist. HINT: check the path given to --config (or $CODEQ_CONFIG)`;
  const hinted = error.problems.find((p) => p.includes('HINT:'));
  const problems = error.problems.map((p) => p.replace(/\s*HINT:.*$/, '').replace(/[.\s]+$/, ''));
  const hint = hinted ? hinted.slice(hinted.indexOf('HINT:')) : `HINT: fix the keys named (codeq config check ${error.file} checks it again)`;
  return `invalid config ${error.file}: ${oneLine(problems.join('; '))}. ${hint}`;
}

/** A Node system error on a path (EEXIST, ENOTDIR, EACCES...) is a path the user gave, or one beside it. */
export function isPathError(error: unknown): error is NodeJS.ErrnoException & { path: string; syscall: string } {
  const e = error as NodeJS.ErrnoException;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.path === 'string' && typeof e.syscall === 'string';
}

const PATH_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'a file is in the way',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOSPC: 'the disk is full',
  EROFS: 'the file system is read-only',
};

/** The one line for an expected error. */
export function errorLine(error: Error, path: string): string {
  if (error instanceof ConfigError) return configLine(error);
  if (isPathError(error)) {
    const problem = PATH_PROBLEMS[error.code!] ?? error.message.split('\n')[0]!;
    return `cannot ${error.syscall} ${error.path}: ${problem} (${error.code}). HINT: check the paths on the command line (${`codeq ${path}`.trimEnd()} --help shows the options)`;
  }
  return withHint(error.message, path);
}

/** Commander's own message (a bad option value, a missing option), as one line with a HINT. */
export function commanderLine(error: CommanderError, path: string): string {
  return withHint(error.message.replace(/^error: /, ''), path);
}

/** Commander errors that are not mistakes: help or the version shown. */
export function isCommanderExit(error: CommanderError): boolean {
  return error.exitCode === 0 || error.code === 'commander.help' || error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
}
