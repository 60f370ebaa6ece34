// A PortIO for tests: records what the bridge sends (copies, tagged with the port name), lets a
// test inject received frames as one batch, fail sends, and take the link down and up.
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import { buildEthernet, type EthernetFields } from '../../src/frame/ethernet.js';
import { parseMac } from '../../src/frame/mac.js';

export interface SentFrame {
  /** Name of the port the frame was sent on. */
  port: string;
  /** A copy of the frame bytes as handed to send(). */
  bytes: Uint8Array;
  /** Global send order across every port sharing the log. */
  seq: number;
}

/** A send log that several capture ports can share, to see the order across ports. */
export class CaptureLog {
  readonly frames: SentFrame[] = [];
  private seq = 0;
  record(port: string, bytes: Uint8Array): SentFrame {
    const f = { port, bytes, seq: this.seq++ };
    this.frames.push(f);
    return f;
  }
  /** Names of the ports each recorded frame went to, in order. */
  ports(): string[] { return this.frames.map((f) => f.port); }
  clear(): void { this.frames.length = 0; }
}

export interface CapturePortOptions {
  /** Port MAC (number or string); defaults to 02:00:00:ff:<n>. */
  mac?: number | string;
  mtu?: number;
  speedMbps?: number;
  kind?: string;
  /** Shared log; each port also keeps its own list in `sent`. */
  log?: CaptureLog;
}

let autoMac = 0;

export class CapturePort implements PortIO {
  readonly kind: string;
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  readonly log: CaptureLog | undefined;

  /** Frames successfully sent on this port, oldest first. */
  readonly sent: SentFrame[] = [];
  /** Number of send() calls, including those that failed. */
  sendCalls = 0;
  /** Number of flush() calls. */
  flushes = 0;
  /** Frames sent since the last flush (what a real driver would still have queued). */
  pending = 0;
  /** When true (or when the predicate returns true) send() fails and records nothing. */
  failSend: boolean | ((buf: Uint8Array, off: number, len: number) => boolean) = false;
  sink: RxSink | null = null;
  started = false;
  closed = false;

  constructor(name: string, opts: CapturePortOptions = {}) {
    this.name = name;
    this.kind = opts.kind ?? 'capture';
    this.mac = typeof opts.mac === 'string' ? parseMac(opts.mac) : opts.mac ?? 0x0200_00ff_0000 + (++autoMac & 0xffff);
    this.mtu = opts.mtu ?? 1500;
    this.speedMbps = opts.speedMbps ?? 10000;
    this.log = opts.log;
  }

  // ---- PortIO

  send(buf: Uint8Array, off: number, len: number): boolean {
    this.sendCalls++;
    const fail = typeof this.failSend === 'function' ? this.failSend(buf, off, len) : this.failSend;
    if (fail) return false;
    const bytes = buf.slice(off, off + len);
    const f = this.log ? this.log.record(this.name, bytes) : { port: this.name, bytes, seq: this.sendCalls };
    this.sent.push(f);
    this.pending++;
    return true;
  }

  flush(): void {
    this.flushes++;
    this.pending = 0;
  }

  start(sink: RxSink): void {
    if (this.started) throw new Error(`capture port ${this.name} started twice`);
    this.started = true;
    this.sink = sink;
  }

  close(): void {
    this.closed = true;
  }

  // ---- test controls

  private requireSink(): RxSink {
    if (!this.sink) throw new Error(`capture port ${this.name} is not started`);
    if (this.closed) throw new Error(`capture port ${this.name} is closed`);
    return this.sink;
  }

  /**
   * Delivers the frames as ONE batch (one receiveBatch call), packed into a single buffer at
   * non-zero, non-aligned offsets with garbage between them, as a ring-buffer driver would.
   * An entry may also be { buf, len } to claim a length other than the buffer's (for malformed tests).
   */
  inject(...frames: (Uint8Array | { buf: Uint8Array; len: number })[]): void {
    const sink = this.requireSink();
    let total = 3;
    for (const f of frames) total += (f instanceof Uint8Array ? f.length : Math.max(f.buf.length, f.len)) + 5;
    const buf = new Uint8Array(total).fill(0xee);
    const offs = new Array<number>(frames.length);
    const lens = new Array<number>(frames.length);
    let o = 3;
    frames.forEach((f, i) => {
      const b = f instanceof Uint8Array ? f : f.buf;
      const len = f instanceof Uint8Array ? f.length : f.len;
      buf.set(b, o);
      offs[i] = o;
      lens[i] = len;
      o += Math.max(b.length, len) + 5;
    });
    sink.receiveBatch(buf, offs, lens, frames.length);
  }

  /** Delivers each frame in its own batch. */
  injectEach(...frames: Uint8Array[]): void {
    for (const f of frames) this.inject(f);
  }

  linkDown(reason = 'test: link down'): void { this.requireSink().linkDown(reason); }

  linkUp(): void {
    const sink = this.requireSink();
    if (!sink.linkUp) throw new Error('sink has no linkUp');
    sink.linkUp();
  }

  /** Returns and forgets what was sent so far. */
  take(): SentFrame[] {
    return this.sent.splice(0, this.sent.length);
  }

  clear(): void {
    this.sent.length = 0;
    this.sendCalls = 0;
    this.flushes = 0;
  }
}

/** n capture ports p1..pn sharing one log. */
export function capturePorts(n: number, opts: Omit<CapturePortOptions, 'log' | 'mac'> = {}, prefix = 'p'): { ports: CapturePort[]; log: CaptureLog } {
  const log = new CaptureLog();
  const ports: CapturePort[] = [];
  for (let i = 1; i <= n; i++) ports.push(new CapturePort(`${prefix}${i}`, { ...opts, log, mac: 0x0200_00ff_0000 + i }));
  return { ports, log };
}

/** A test frame; MACs may be numbers or strings. Default: IPv4 EtherType, 46-byte payload. */
export function frame(dst: number | string, src: number | string, more: Partial<EthernetFields> = {}): Uint8Array {
  return buildEthernet({
    etherType: 0x0800,
    ...more,
    dst: typeof dst === 'string' ? parseMac(dst) : dst,
    src: typeof src === 'string' ? parseMac(src) : src,
  });
}
