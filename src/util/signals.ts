import { constants } from 'node:os';

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

/** Shell-style exit statuses above 128 mean "killed by signal (status - 128)". */
export function signalFromStatus(status: number): string | null {
  return status > 128 && status < 128 + 65 ? (SIGNAL_NAMES.get(status - 128) ?? `SIG${status - 128}`) : null;
}
