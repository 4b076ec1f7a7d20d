import { log } from '../util/log.js';

/**
 * SIGINT/SIGTERM abort the returned signal, so long work stops at its next safe point and keeps
 * what is done (`what` says what happens then); a second signal exits at once.
 */
export function abortOnSignals(what: string): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    log.warn(`${name}: ${what} (again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: controller.signal, release: () => (process.off('SIGINT', handler), process.off('SIGTERM', handler)) };
}
