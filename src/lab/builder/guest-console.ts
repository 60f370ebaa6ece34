// The serial console of a lab VM (QEMU's ttyS0 on a unix socket), speaking the guest init's line
// protocol (scripts/build-guest.sh): the guest prints "__SB_READY__ HOST" once its NICs have
// their DHCP leases; then each line sent is run by sh, and its output is followed by
// "__SB_END__ <exit code>".
import { connect, type Socket } from 'node:net';

const READY = /__SB_READY__[^\n]*\n/;
const END = /__SB_END__ (\d+)\r?\n/;

/** Quotes words for the guest's sh. */
export function shellLine(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`)).join(' ');
}

export class GuestConsole {
  private buf = '';
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { this.buf += d.replaceAll('\r', ''); this.wake?.(); });
    sock.on('close', () => { this.closed = true; this.wake?.(); });
    sock.on('error', () => { /* close follows */ });
  }

  /** Connects to the console socket, retrying while QEMU has not created it yet. */
  static async connect(path: string, timeoutMs: number): Promise<GuestConsole> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const s = await new Promise<Socket>((resolve, reject) => {
          const c = connect(path);
          c.once('connect', () => resolve(c));
          c.once('error', reject);
        });
        return new GuestConsole(s);
      } catch (e) {
        if (Date.now() > end) throw new Error(`no console on ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async until(re: RegExp, timeoutMs: number, what: string, onText?: (s: string) => void): Promise<RegExpExecArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        onText?.(this.buf.slice(0, m.index));
        this.buf = this.buf.slice(m.index + m[0].length);
        return m;
      }
      if (onText) {
        // pass on whole lines as they come, keeping a partial last line (it may be the marker)
        const nl = this.buf.lastIndexOf('\n');
        if (nl >= 0 && !this.buf.slice(0, nl + 1).includes('__SB_')) { onText(this.buf.slice(0, nl + 1)); this.buf = this.buf.slice(nl + 1); }
      }
      if (this.closed) throw new Error(`the guest console closed while waiting for ${what}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (console said: ${JSON.stringify(this.buf.slice(-300))})`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.wake = () => { clearTimeout(t); r(); }; });
      this.wake = undefined;
    }
  }

  /** Waits for the guest's ready line (booted, DHCP done); returns the boot's console text. */
  async ready(timeoutMs: number): Promise<string> {
    let text = '';
    await this.until(READY, timeoutMs, 'the guest to boot', (s) => { text += s; });
    return text;
  }

  /** Runs a shell line in the guest; output goes to onOutput (or is returned). */
  async run(line: string, timeoutMs: number, onOutput?: (s: string) => void): Promise<{ code: number; output: string }> {
    if (line.includes('\n')) throw new Error('one line at a time');
    let output = '';
    // anything printed since the last command (kernel messages) is not this command's output
    this.buf = '';
    this.sock.write(line + '\n');
    const m = await this.until(END, timeoutMs, `'${line}' to finish`, (s) => { output += s; onOutput?.(s); });
    return { code: Number(m[1]), output };
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }
}
