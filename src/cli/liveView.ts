import type { ExperimentState, PhaseProgress, RoundState } from '../workflows/definitions.js';

/** What the main job shows while a round runs. */
export interface LiveSnapshot {
  state: ExperimentState;
  round: RoundState | null;
  startedAt: number;
}

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;

function progressLine(p: PhaseProgress | null | undefined): string {
  if (!p) return 'starting…';
  const parts = [`${bar(p.done, p.total)} ${p.done}/${p.total}`];
  if (p.solved !== undefined) parts.push(`${p.solved} solved`);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(4)}`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${clock(p.etaSeconds)}`);
  return parts.join('  ');
}

/** The live view's lines: experiment, round and phase, the phase's progress, elapsed time. */
export function liveLines(s: LiveSnapshot, now = Date.now()): string[] {
  const phase = s.round?.phase ?? s.state.phase;
  const unit = phase === 'train' ? 'steps' : 'tasks';
  const head = `experiment ${s.state.experimentId}: ${s.state.status}, round ${Math.min(s.state.round, s.state.rounds)}/${s.state.rounds}, policy ${s.state.policy.label}   (${clock((now - s.startedAt) / 1000)} elapsed)`;
  // Between rounds (or after the last) no phase runs: say so rather than show an empty bar.
  if (!phase) return [head, s.state.status === 'done' ? '  all rounds finished' : '  waiting for the round to start'];
  const progress = s.round?.progress ?? s.state.progress;
  return [head, `  phase ${phase}${s.round?.paused ? ' (paused)' : ''}: ${progressLine(progress)}${progress ? ` ${unit}` : ''}`];
}

/** Redraws a block of lines in place on a TTY. */
export class TtyBlock {
  private drawn = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  draw(lines: string[]): void {
    const width = this.out.columns ?? 120;
    const text = lines.map((l) => (l.length > width - 1 ? `${l.slice(0, width - 2)}…` : l));
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    this.out.write(text.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = text.length;
  }
  /** Leaves the last drawing on screen; later output starts below it. */
  done(): void {
    this.drawn = 0;
  }
}
