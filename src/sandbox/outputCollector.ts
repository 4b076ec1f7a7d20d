/**
 * Collects stdout and stderr up to one shared byte budget. The first byte past the budget marks
 * the output truncated and calls `onLimit` once (the backend kills the run there: a program that
 * writes gigabytes must not make us read gigabytes).
 */
export class OutputCollector {
  private readonly chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  private kept = 0;
  truncated = false;

  constructor(
    private readonly limitBytes: number,
    private readonly onLimit: () => void,
  ) {}

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.limitBytes - this.kept;
    if (chunk.length > room) {
      if (room > 0) this.chunks[stream].push(chunk.subarray(0, room));
      this.kept = this.limitBytes;
      this.truncated = true;
      this.onLimit();
      return;
    }
    this.chunks[stream].push(chunk);
    this.kept += chunk.length;
  }

  text(stream: 'stdout' | 'stderr'): string {
    return Buffer.concat(this.chunks[stream]).toString('utf8');
  }
}
