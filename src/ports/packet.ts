// PacketPort: a port on an existing netdev (veth end, vnet0, eth0) through an AF_PACKET socket.
// Opens the promiscuous socket, turns off the receive offloads that would hand us frames
// larger than the MTU, and puts them back on close. Frames arrive through the poller's
// shared-memory receive ring (PACKET_RX_RING) unless SOFTBR_PACKET_RING=off or the kernel refuses.
import type { DriverDrops, PortIO } from '../bridge/port-io.js';
import { FdIO, native, macBytesToNumber, packetRingDefault } from '../native/index.js';
import { FdPort } from './fd-port.js';

export interface PacketPortOptions {
  /** An existing interface in this network namespace. */
  name: string;
  /**
   * 'disable' (default): turn off GRO and LRO on the device at attach, restore them on close.
   * 'keep': leave them (aggregated frames then count as truncated).
   */
  offloads?: 'disable' | 'keep';
  /** Override the link speed for STP path cost; default: what ethtool reports, else 10000. */
  speedMbps?: number;
  /** Frames per receive batch / per native write. Default 64. */
  batchFrames?: number;
  /** Receive through the shared-memory ring where the kernel allows it (FdIOOptions.packetRing). Default packetRingDefault(). */
  packetRing?: boolean;
}

/** One offload setting changed at attach, for logs and for restoring on close. */
export interface OffloadChange {
  feature: 'gro' | 'lro';
  from: boolean;
  to: boolean;
}

export class PacketPort extends FdPort implements PortIO {
  readonly kind = 'packet';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  readonly ifindex: number;
  /** What open() changed on the device (empty when nothing needed changing). */
  readonly offloadChanges: readonly OffloadChange[];

  private constructor(
    fd: number,
    name: string,
    ifindex: number,
    vnetHdr: boolean,
    mac: number,
    mtu: number,
    speed: number,
    changes: OffloadChange[],
    batch: number,
    packetRing: boolean,
  ) {
    super(fd, new FdIO(fd, `packet ${name}`, {
      mode: 'packet',
      vnetHdr,
      maxFrameBytes: mtu + 22,
      rxBatchFrames: batch,
      txBatchFrames: batch,
      packetRing,
    }));
    this.name = name;
    this.ifindex = ifindex;
    this.mac = mac;
    this.mtu = mtu;
    this.speedMbps = speed;
    this.offloadChanges = changes;
  }

  /** Attaches to interface `name`. Synchronous (socket calls and ioctls only). */
  static open(opts: PacketPortOptions): PacketPort {
    const n = native();
    const name = opts.name;
    const mac = macBytesToNumber(n.getIfMac(name));
    const mtu = n.getIfMtu(name);
    const changes = opts.offloads === 'keep' ? [] : disableRxOffloads(name);
    let s: { fd: number; ifindex: number; vnetHdr: boolean };
    try {
      s = n.openPacket(name);
    } catch (err) {
      restoreOffloads(name, changes);
      throw err;
    }
    const speed = opts.speedMbps ?? (n.ethtoolSpeed(name) || 10000);
    try {
      return new PacketPort(s.fd, name, s.ifindex, s.vnetHdr, mac, mtu, speed, changes, opts.batchFrames ?? 64, opts.packetRing ?? packetRingDefault());
    } catch (err) {
      n.closeFd(s.fd);
      restoreOffloads(name, changes);
      throw err;
    }
  }

  /** Frames the kernel dropped on this socket's full receive queue before softbr read them. */
  private kernelDrops = 0;

  /**
   * The addon's drops, plus the frames the kernel dropped because the socket's receive queue (or
   * its receive ring) was full (softbr did not read fast enough): those are `no_buffer` too, so no frame goes missing
   * without a reason. Read when asked (show, /metrics), never per frame.
   */
  override driverDrops(): DriverDrops {
    const d = super.driverDrops();
    if (!this.io.isClosed) {
      const k = native().packetKernelDrops(this.fd);
      if (k > 0) this.kernelDrops += k;
    }
    return { ...d, no_buffer: d.no_buffer + this.kernelDrops };
  }

  /**
   * Closes the socket, which drops its promiscuous membership (the kernel counts those, so a
   * tcpdump running at the same time keeps its own), and restores the offloads we turned off.
   */
  close(): void {
    if (this.io.isClosed) return;
    this.io.close();
    // Only if the name still means the same device: it may be gone or renamed by now.
    try {
      if (native().ifIndex(this.name) === this.ifindex) restoreOffloads(this.name, this.offloadChanges);
    } catch {
      // device gone: nothing to restore
    }
  }
}

/**
 * GRO and LRO merge received segments into frames larger than the MTU before AF_PACKET sees
 * them. Transmit offloads need no change: what we send is complete frames, and what the host
 * itself sends on the device is hidden from us by PACKET_IGNORE_OUTGOING. (A veth *peer's* or a
 * VM's TSO/checksum offload does reach us, as super-frames and partial checksums flagged in the
 * vnet header: the addon completes the checksums, and hands the super-frames up whole to a sink
 * that takes them or segments them for one that does not.)
 */
function disableRxOffloads(name: string): OffloadChange[] {
  const n = native();
  const c = n.constants;
  const changes: OffloadChange[] = [];
  try {
    if (n.ethtoolGet(name, c.ETHTOOL_GGRO) !== 0) {
      n.ethtoolSet(name, c.ETHTOOL_SGRO, 0);
      changes.push({ feature: 'gro', from: true, to: false });
    }
  } catch {
    // driver without GRO control: nothing to turn off
  }
  try {
    const flags = n.ethtoolGet(name, c.ETHTOOL_GFLAGS);
    if ((flags & c.ETH_FLAG_LRO) !== 0) {
      n.ethtoolSet(name, c.ETHTOOL_SFLAGS, flags & ~c.ETH_FLAG_LRO);
      changes.push({ feature: 'lro', from: true, to: false });
    }
  } catch {
    // no LRO on this driver
  }
  return changes;
}

function restoreOffloads(name: string, changes: readonly OffloadChange[]): void {
  const n = native();
  const c = n.constants;
  for (const ch of changes) {
    try {
      if (ch.feature === 'gro') n.ethtoolSet(name, c.ETHTOOL_SGRO, ch.from ? 1 : 0);
      else {
        const flags = n.ethtoolGet(name, c.ETHTOOL_GFLAGS);
        n.ethtoolSet(name, c.ETHTOOL_SFLAGS, ch.from ? flags | c.ETH_FLAG_LRO : flags & ~c.ETH_FLAG_LRO);
      }
    } catch {
      // best effort: the device may have changed under us
    }
  }
}
