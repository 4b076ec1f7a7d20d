import { log } from './log.js';

/**
 * Progress of a long job: a redrawn bar on a terminal, a structured log line every few seconds
 * otherwise. `detail` adds live counters (solved, dropped, ...).
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastLog = 0;
  private readonly tty = Boolean(process.stderr.isTTY) && process.env.CODEQ_LOG_JSON !== '1';

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly intervalMs = 10_000,
  ) {}

  advance(by = 1, detail: Record<string, number | string> = {}): void {
    this.done += by;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = this.done / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? Math.round((this.total - this.done) / rate) : null;
    if (this.tty) {
      const width = 30;
      const filled = Math.round((this.done / Math.max(this.total, 1)) * width);
      const extra = Object.entries(detail).map(([k, v]) => `${k} ${v}`).join('  ');
      process.stderr.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  ${rate.toFixed(1)}/s  ETA ${eta ?? '?'}s  ${extra}\u001b[K`,
      );
      if (this.done >= this.total) process.stderr.write('\n');
      return;
    }
    if (Date.now() - this.lastLog >= this.intervalMs || this.done >= this.total) {
      this.lastLog = Date.now();
      log.info(this.label, { done: this.done, total: this.total, perSecond: Number(rate.toFixed(2)), etaSeconds: eta, ...detail });
    }
  }
}
