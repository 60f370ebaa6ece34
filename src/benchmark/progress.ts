// Progress on stderr while a run goes: a redrawn bar on a terminal, one plain line per step
// otherwise (logs, CI), and nothing of it on stdout, which carries the table or the JSON.

export interface ProgressSink { isTTY?: boolean; columns?: number; write(s: string): unknown }

export class Progress {
  private done = 0;
  private drawn = false;

  constructor(private total = 0, private readonly out: ProgressSink = process.stderr) {}

  /** The number of steps, once known (notes may come before). */
  setTotal(n: number): void { this.total = n; }

  /** Starts step `label` (counted as done when the next one starts or finish() is called). */
  step(label: string): void {
    const i = Math.min(this.done + 1, this.total);
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((this.done / Math.max(1, this.total)) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${i}/${this.total} ${label}`;
      this.out.write(`\r\x1b[K${line.slice(0, (this.out.columns || 100) - 1)}`);
      this.drawn = true;
    } else {
      this.out.write(`softbr bench: [${i}/${this.total}] ${label}\n`);
    }
    this.done = i;
  }

  /** A message that must stay visible (a skipped switch, a failure). */
  note(msg: string): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.out.write(`softbr bench: ${msg}\n`);
  }

  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
