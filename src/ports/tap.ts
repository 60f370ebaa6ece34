// TapPort: a port on a Linux TAP device. Creates the TAP (or attaches to an existing persistent
// one), sets its MAC/MTU, brings it up, and moves frames through the batched native fd I/O.
// After open() the device is only ever touched through its fd, so it keeps working when the
// kernel side is moved into another network namespace.
import type { PortIO } from '../bridge/port-io.js';
import { parseMac } from '../frame/mac.js';
import { FdIO, ioUringDefault, ioUringReadDefault, native, macNumberToBytes, macBytesToNumber } from '../native/index.js';
import { FdPort } from './fd-port.js';

export interface TapPortOptions {
  /** Device name; '' or a name with %d lets the kernel choose (tap%d). */
  name: string;
  /** MAC for the TAP device (48-bit number or 'aa:bb:…'); default: the kernel's random one. */
  mac?: number | string;
  /** MTU to set on the device; default: leave it (1500 for a new TAP). */
  mtu?: number;
  /**
   * The largest MTU the port will carry, when larger than the device's: its buffers are sized for
   * it and it is the `mtu` the engine sees, while the device MTU (what the kernel side uses) may be
   * set lower and changed later with setDeviceMtu(). The bridge's host port, whose device MTU is
   * the bridge's effective MTU, is opened so.
   */
  capacityMtu?: number;
  /** Bring the device up. Default true. */
  up?: boolean;
  /** Create the TAP persistent (survives a crash of this process); close() still deletes it. */
  persistent?: boolean;
  /** Reported link speed for STP path cost. Default 10000 (what the kernel reports for tun). */
  speedMbps?: number;
  /** Frames per receive batch / per native write. Default 64. */
  batchFrames?: number;
  /**
   * Offload mode (IFF_VNET_HDR + TUNSETOFFLOAD): the kernel side may send TSO super-frames and
   * leave checksums to us — one read per 64 KiB instead of one per frame. The bridge carries a
   * super-frame whole to ports that take it (another offload TAP, a packet socket) and cuts it
   * for the others; a sink that does not take super-frames gets them cut by the addon. Checksums
   * left to us are completed. Default true.
   */
  offload?: boolean;
  /** Batches writes through io_uring where the kernel allows it (FdIOOptions.ioUring). Default ioUringDefault(). */
  ioUring?: boolean;
  /** With ioUring, also receives through an io_uring multishot read (FdIOOptions.ioUringRead). Default ioUringReadDefault(). */
  ioUringRead?: boolean;
}

export class TapPort extends FdPort implements PortIO {
  readonly kind = 'tap';
  readonly name: string;
  /** The TAP device's own MAC, read back after open. */
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  /** We created the device (so close() removes it), rather than attaching to an existing one. */
  readonly created: boolean;
  readonly persistent: boolean;
  /** TUN_F_* offload flags in force (0 when opened with offload: false). */
  readonly offloadFlags: number;

  private constructor(
    fd: number,
    name: string,
    mac: number,
    mtu: number,
    created: boolean,
    persistent: boolean,
    offloadFlags: number,
    opts: TapPortOptions,
  ) {
    const batch = opts.batchFrames ?? 64;
    const carried = Math.max(mtu, opts.capacityMtu ?? 0);
    // mtu + Ethernet header + two VLAN tags: anything longer is malformed for the engine anyway.
    super(fd, new FdIO(fd, `tap ${name}`, {
      mode: 'tap',
      vnetHdr: opts.offload !== false,
      maxFrameBytes: carried + 22,
      rxBatchFrames: batch,
      txBatchFrames: batch,
      ioUring: opts.ioUring ?? ioUringDefault(),
      ioUringRead: opts.ioUringRead ?? ioUringReadDefault(),
    }));
    this.offloadFlags = offloadFlags;
    this.name = name;
    this.mac = mac;
    this.mtu = carried;
    this.created = created;
    this.persistent = persistent;
    this.speedMbps = opts.speedMbps ?? 10000;
  }

  /**
   * Creates TAP `name`, or attaches to it if it exists and is persistent. Synchronous (ioctls
   * only); awaiting it is harmless. Throws errors with .code (EBUSY, EPERM, …) on failure.
   */
  static open(opts: TapPortOptions): TapPort {
    const n = native();
    const offload = opts.offload !== false;
    const t = n.openTap(opts.name, { persistent: opts.persistent === true, vnetHdr: offload });
    try {
      const c = n.constants;
      let offloadFlags = 0;
      if (offload) {
        try {
          offloadFlags = n.tapSetOffload(t.fd, c.TUN_F_CSUM | c.TUN_F_TSO4 | c.TUN_F_TSO6 | c.TUN_F_TSO_ECN | c.TUN_F_USO4 | c.TUN_F_USO6);
        } catch {
          // a kernel without these offloads: the headers still come, every one a plain frame
        }
      }
      if (opts.mac !== undefined) {
        const mac = typeof opts.mac === 'string' ? parseMac(opts.mac) : opts.mac;
        n.tapSetMac(t.fd, macNumberToBytes(mac));
      }
      // Name-based ioctls are safe here: the device was just created/attached in our namespace.
      if (opts.mtu !== undefined) n.setIfMtu(t.name, opts.mtu);
      if (opts.up !== false) n.setIfUp(t.name, true);
      const mac = macBytesToNumber(n.tapGetMac(t.fd));
      const mtu = n.getIfMtu(t.name);
      return new TapPort(t.fd, t.name, mac, mtu, t.created, t.persistent, offloadFlags, opts);
    } catch (err) {
      if (t.created && t.persistent) {
        try {
          n.tapSetPersist(t.fd, false);
        } catch {
          // closing still leaves a persistent device behind; nothing more we can do here
        }
      }
      n.closeFd(t.fd);
      throw err;
    }
  }

  /** The device's MTU now (at most `mtu`). */
  get deviceMtu(): number {
    return native().getIfMtu(this.name);
  }

  /** Sets the device's MTU (name-based: for a TAP that stays in this namespace, as the host port does). */
  setDeviceMtu(mtu: number): void {
    if (mtu > this.mtu) throw new RangeError(`tap ${this.name}: MTU ${mtu} is more than the ${this.mtu} it was opened for`);
    native().setIfMtu(this.name, mtu);
  }

  /**
   * Stops receiving and closes the fd. A TAP we created disappears with its fd (we drop
   * persistence first if we set it); a pre-existing persistent TAP stays.
   */
  close(): void {
    if (this.io.isClosed) return;
    if (this.offloadFlags !== 0) {
      // Whoever opens a persistent TAP next may not read vnet headers: stop advertising TSO.
      try {
        native().tapSetOffload(this.fd, 0);
      } catch {
        // device gone
      }
    }
    if (this.created && this.persistent) {
      try {
        native().tapSetPersist(this.fd, false);
      } catch {
        // EBADFD: the device is already gone with its namespace
      }
    }
    this.io.close();
  }
}
