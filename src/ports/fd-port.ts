// What every fd-backed port driver (TAP, AF_PACKET) shares: the batched native I/O behind the
// PortIO send/flush/start calls, link-down reporting, stats, the addon's drop counts and
// event-loop ref control.
import type { DriverDrops, RxOffload, RxSink } from '../bridge/port-io.js';
import { FdIO, type FdIOStats } from '../native/index.js';

export abstract class FdPort {
  readonly fd: number;
  protected readonly io: FdIO;
  /** Set when the fd carries virtio-net headers, so super-frames go out whole (PortIO.sendSuper). */
  readonly sendSuper: ((buf: Uint8Array, off: number, len: number, offload: RxOffload, i: number) => boolean) | undefined;

  protected constructor(fd: number, io: FdIO) {
    this.fd = fd;
    this.io = io;
    this.sendSuper = io.sendSuper;
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    return this.io.send(buf, off, len);
  }

  flush(): void {
    this.io.flush();
  }

  start(sink: RxSink): void {
    this.io.start(sink);
  }

  /** errno name once the device is gone (deleted, or its namespace deleted), else null. */
  get downReason(): string | null {
    return this.io.downReason;
  }

  stats(): FdIOStats {
    return this.io.stats();
  }

  driverDrops(): DriverDrops {
    return this.io.drops();
  }

  ref(): void {
    this.io.ref();
  }

  unref(): void {
    this.io.unref();
  }
}
