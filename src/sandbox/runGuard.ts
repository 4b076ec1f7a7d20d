/** Kills a run when its time limit passes or its caller aborts; remembers whether time ran out. */
export class RunGuard {
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort: () => void;

  constructor(
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    kill: () => void,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      kill();
    }, timeoutMs);
    this.onAbort = kill;
    // An abort that came before the run started must still stop it.
    if (signal?.aborted) queueMicrotask(kill);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The run ended: no kill from here on. Idempotent. */
  stop(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
