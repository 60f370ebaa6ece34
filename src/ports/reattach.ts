// ReattachPort: a port known by device name (`addif br0 vnet0`) that outlives its device. When
// the device is deleted (QEMU exits and its TAP goes), the port stays configured and down; when
// a device of that name appears again (the next QEMU), it is attached again, found through
// rtnetlink link events (native/link-events.ts) — no polling, and no softbr command.
import { existsSync } from 'node:fs';
import type { DriverDrops, PortIO, RxOffload, RxSink } from '../bridge/port-io.js';
import { watchLink, type LinkEvent } from '../native/index.js';

export class ReattachPort implements PortIO {
  readonly kind: string;
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  /** Times the device came back and was attached again. */
  reattached = 0;
  /**
   * Present while the device attached last takes super-frames whole (PortIO.sendSuper), so they
   * leave through a port known by name as they would through the device itself; absent, the
   * engine cuts them. Set again on each attach: the next device may not take them.
   */
  sendSuper: PortIO['sendSuper'];
  private readonly superOut = (buf: Uint8Array, off: number, len: number, offload: RxOffload, i: number): boolean => {
    const s = this.inner?.sendSuper;
    return s === undefined ? false : s(buf, off, len, offload, i);
  };
  private inner: PortIO | null;
  private sink: RxSink | null = null;
  private attaching = false;
  private closed = false;
  private readonly gone: DriverDrops = { malformed: 0, no_buffer: 0, tx_error: 0 };
  private readonly unwatch: () => void;

  /** `first` is the device opened now; `reopen` opens a device of the same name again. */
  constructor(first: PortIO, private readonly reopen: () => Promise<PortIO>, private readonly log: (m: string) => void) {
    this.inner = first;
    this.kind = first.kind;
    this.name = first.name;
    this.mac = first.mac;
    this.mtu = first.mtu;
    this.speedMbps = first.speedMbps;
    this.sendSuper = first.sendSuper === undefined ? undefined : this.superOut;
    this.unwatch = watchLink(this.name, (e) => this.onLink(e));
  }

  /** Whether a device is attached now (false while waiting for it to come back). */
  get attached(): boolean {
    return this.inner !== null;
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    const i = this.inner;
    return i === null ? false : i.send(buf, off, len);
  }

  flush(): void {
    this.inner?.flush();
  }

  start(sink: RxSink): void {
    this.sink = sink;
    if (this.inner !== null) this.inner.start(sink);
    else sink.linkDown(this.waiting('is gone'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.detach();
    this.sink = null;
  }

  driverDrops(): DriverDrops {
    const d = this.inner?.driverDrops?.();
    return {
      malformed: this.gone.malformed + (d?.malformed ?? 0),
      no_buffer: this.gone.no_buffer + (d?.no_buffer ?? 0),
      tx_error: this.gone.tx_error + (d?.tx_error ?? 0),
    };
  }

  private waiting(what: string): string {
    return `device ${this.name} ${what}; it is attached again when a device of that name appears`;
  }

  private onLink(e: LinkEvent): void {
    if (this.closed) return;
    if (e.type === 'del') {
      const idx = (this.inner as { ifindex?: number } | null)?.ifindex;
      if (this.inner !== null && (idx === undefined || idx === e.ifindex)) this.lost('was deleted');
    } else if (e.type === 'new') {
      if (this.inner === null) void this.attach();
    } else if (this.inner !== null && !existsSync(`/sys/class/net/${this.name}`)) {
      this.lost('is gone');
    } else if (this.inner === null && existsSync(`/sys/class/net/${this.name}`)) {
      void this.attach();
    }
  }

  private lost(what: string): void {
    this.detach();
    const reason = this.waiting(what);
    this.log(`${this.name}: ${reason}`);
    this.sink?.linkDown(reason);
  }

  private detach(): void {
    const i = this.inner;
    if (i === null) return;
    this.inner = null;
    const d = i.driverDrops?.();
    if (d) {
      this.gone.malformed += d.malformed;
      this.gone.no_buffer += d.no_buffer;
      this.gone.tx_error += d.tx_error;
    }
    i.close();
  }

  private async attach(): Promise<void> {
    if (this.attaching) return;
    this.attaching = true;
    try {
      const io = await this.reopen();
      if (this.closed || this.inner !== null) {
        io.close();
        return;
      }
      this.inner = io;
      this.sendSuper = io.sendSuper === undefined ? undefined : this.superOut;
      this.reattached++;
      this.log(`${this.name}: device is back: attached again`);
      if (this.sink !== null) {
        io.start(this.sink);
        this.sink.linkUp?.();
      }
    } catch (e) {
      // not usable yet (being set up, or enslaved elsewhere): the next event for it tries again
      this.log(`${this.name}: cannot attach the new device yet: ${(e as Error).message}`);
    } finally {
      this.attaching = false;
    }
  }
}
