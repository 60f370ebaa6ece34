// Loading the softbr_native addon (build/Release/softbr_native.node) and its TypeScript types,
// plus errno and MAC-byte helpers. No policy lives here.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyPollSetting } from './busy-poll.js';

export interface TapOpenOptions {
  /** Make a device we create survive our process (TUNSETPERSIST); close() undoes it. */
  persistent?: boolean;
  /** IFF_VNET_HDR: every read/write carries a virtio_net header (TapPort's `offload` mode). */
  vnetHdr?: boolean;
}

export interface TapOpenResult {
  fd: number;
  /** The name the kernel gave (differs from the request when it had %d or was ''). */
  name: string;
  /** true: we created the device; false: we attached to an existing (persistent) TAP. */
  created: boolean;
  /** Whether the device is persistent now. */
  persistent: boolean;
}

export interface PacketOpenOptions {
  /** PACKET_VNET_HDR, so checksums a peer left to offload can be completed. Default true. */
  vnetHdr?: boolean;
  /** Socket buffer sizes in bytes (SO_RCVBUFFORCE / SO_SNDBUFFORCE). Default 4 MiB each. */
  rcvbuf?: number;
  sndbuf?: number;
}

export interface PacketOpenResult {
  fd: number;
  ifindex: number;
  /** Whether PACKET_VNET_HDR is on (it is unless the kernel refused it). */
  vnetHdr: boolean;
}

export interface PollerStats {
  wakeups: number;
  batches: number;
  frames: number;
  /** Frames longer than a receive slot, dropped. */
  truncated: number;
  /** Frames shorter than an Ethernet header, dropped. */
  runts: number;
  /** Reads shorter than the virtio-net header (vnet mode), dropped. */
  shortVnetHdr: number;
  /** Segmentation-offload super-frames that could not be segmented (not TCP/UDP, malformed), dropped. */
  gso: number;
  /** Segmentation-offload super-frames (peer with TSO/USO on) cut into MTU-sized frames. */
  gsoSegmented: number;
  /** Super-frames handed up whole (TAP in offload mode, to a sink that takes them). */
  superFrames: number;
  /** Checksums completed for frames a veth peer left CHECKSUM_PARTIAL. */
  csumFixed: number;
  /** 802.1Q tags put back that AF_PACKET had moved into metadata. */
  vlanRestored: number;
  /** Failed reads by errno name (EAGAIN and EINTR are not failures). */
  errors: Record<string, number>;
  lastErrno: string | null;
  /** Frames arrive through an io_uring multishot read (a TAP poller that asked and was allowed). */
  ioUring: boolean;
  /** Times the multishot read ended (all buffers in use) and was armed again. */
  ioUringRearms: number;
  /** Why io_uring was refused when it was asked for, else null. */
  ioUringError: string | null;
  /** Frames arrive through the mmap'ed PACKET_RX_RING (an AF_PACKET poller that asked and was allowed). */
  ring: boolean;
  /** Why the ring was refused when it was asked for (EPERM, ENOMEM, EMSGSIZE for a frame too large…), else null. */
  ringError: string | null;
  /** Its slots and their size (0 without a ring). */
  ringSlots: number;
  ringSlotBytes: number;
  /** Frames copied out of ring slots. */
  ringFrames: number;
  /** Frames too long for a slot, taken whole from the socket's queue by recvmsg (TP_STATUS_COPY). */
  ringCopied: number;
}

export interface WriterStats {
  frames: number;
  /** Of those, super-frames sent whole with their virtio-net header (writeSuper). */
  superFrames: number;
  /** Frames not sent, in all. */
  dropped: number;
  /** Frames not sent, by the errno name that stopped them. */
  drops: Record<string, number>;
  lastErrno: string | null;
  /** Batches of two or more frames go out as one io_uring submission each, a lone frame with write() (a TAP writer that asked for io_uring and got it). */
  ioUring: boolean;
  ioUringBatches: number;
  /** Why io_uring was refused (ENOSYS, EPERM…) when it was asked for, else null. */
  ioUringError: string | null;
}

/** Reads batches from one fd on the Node event loop (uv_poll, not the threadpool). */
export interface NativePoller {
  start(): void;
  stop(): void;
  /** Stops polling and releases the uv handle; does not close the fd. Idempotent. */
  close(): void;
  ref(): void;
  unref(): void;
  stats(): PollerStats;
  /**
   * From now on a vnet TAP hands GSO super-frames up whole: frame i's virtio-net header at
   * hdrs[i * VNET_HDR_LEN ..], segLen[i] its longest segment's length (0: a wire-sized frame).
   */
  setSuperFrames(hdrs: Uint8Array, segLen: Int32Array): void;
}

export interface NativePollerCtor {
  new (
    fd: number,
    mode: number,
    vnetHdr: boolean,
    buf: Uint8Array,
    offs: Int32Array,
    lens: Int32Array,
    slotBytes: number,
    maxFrames: number,
    maxBatches: number,
    /** superFrames: how many of the count frames are super-frames (see setSuperFrames). */
    onBatch: (count: number, superFrames: number) => void,
    /**
     * A read failed. Polling goes on unless the callback stops or closes the poller: what the
     * errno means is decided in TypeScript (errno-policy.ts).
     */
    onError: (errnoName: string, errno: number) => void,
    /**
     * > 0 on a TAP: read through io_uring into maxFrames buffers of this many bytes at the start
     * of buf (maxFrames a power of two), or read() when io_uring is refused (stats().ioUring).
     */
    uringBufBytes?: number,
    /** MODE_PACKET: receive through a PACKET_RX_RING, or recvmmsg when refused (stats().ring). */
    packetRing?: boolean,
  ): NativePoller;
}

/** Writes the frames queued as (source, offset, length) for i < count in one call, from where they lie. */
export interface NativeWriter {
  /**
   * 0 when every frame went out, else the errno of the last failure (the frames not sent are
   * counted under their errno in stats().drops).
   */
  writeBatch(count: number): number;
  /** Frames queued with srcs[i] === slot are read from buf (0 <= slot < WRITER_SOURCES). */
  setSource(slot: number, buf: Uint8Array): void;
  /** One super-frame with its virtio-net header at hdrs[hdrOff ..], written now; 0 or the errno. */
  writeSuper(buf: Uint8Array, off: number, len: number, hdrs: Uint8Array, hdrOff: number): number;
  stats(): WriterStats;
  /** Releases the io_uring ring, if any (later batches use write()). Idempotent. */
  close(): void;
}

export interface NativeWriterCtor {
  /** Frame i is offs[i] .. offs[i]+lens[i] of the buffer set as source srcs[i] (setSource). */
  /** ioUring (MODE_TAP only): send each batch of two or more frames as one io_uring submission when the kernel allows it. */
  new (fd: number, mode: number, vnetHdr: boolean, srcs: Int32Array, offs: Int32Array, lens: Int32Array, ioUring?: boolean): NativeWriter;
}

/** Reads IPv4 UDP datagrams in batches (recvmmsg) on the Node event loop; see udp.cc. */
export interface NativeUdpPoller {
  start(): void;
  /** Stops polling and releases the uv handle; does not close the fd. Idempotent. */
  close(): void;
  stats(): { wakeups: number; batches: number; datagrams: number; truncated: number; errors: Record<string, number> };
}

export interface NativeUdpPollerCtor {
  /** Datagram i of a batch is buf[offs[i] ..][.. lens[i]) from addrs[i] (IPv4, host byte order). */
  new (
    fd: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, addrs: Uint32Array,
    slotBytes: number, maxFrames: number, maxBatches: number,
    onBatch: (count: number) => void,
    onError: (errnoName: string, errno: number) => void,
  ): NativeUdpPoller;
}

/** Sends datagram i = buf[offs[i] ..][.. lens[i]) to addrs[i]:dport for i < count, one sendmmsg() per call. */
export interface NativeUdpWriter {
  /** 0 when all went out, else the errno of the first refused one (all refused ones are counted by errno in stats()). */
  send(count: number): number;
  stats(): { sent: number; errors: Record<string, number> };
}

export interface NativeUdpWriterCtor {
  new (fd: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, addrs: Uint32Array, dport: number): NativeUdpWriter;
}

export interface VhostStats {
  connected: boolean;
  /** Both queues run (kicked, enabled, addresses set). */
  ready: boolean;
  connections: number;
  /** Connections closed at once because a front-end was connected already. */
  refused: number;
  messages: number;
  /** Negotiated virtio and vhost-user protocol feature bits. */
  features: number;
  protocolFeatures: number;
  /** virtio-net header bytes in front of every frame in the rings (10, or 12 with num_buffers). */
  hdrLen: number;
  regions: number;
  queueSize: number;
  kicks: number;
  batches: number;
  rxFrames: number;
  /** Guest frames longer than a receive slot, dropped. */
  truncated: number;
  /** Guest frames shorter than an Ethernet header, dropped. */
  runts: number;
  txFrames: number;
  /** Frames for the guest dropped because its receive queue had no buffers. */
  txNoRoom: number;
  /** Frames for the guest dropped because its queues were not running. */
  txNotReady: number;
  /** Frames for the guest dropped because they did not fit a receive buffer (no mergeable buffers). */
  txTooBig: number;
  /** Eventfd signals to the guest (at most one per batch per queue). */
  signals: number;
  /** Connections dropped because the guest broke the ring or message rules. */
  faults: number;
  /** Guest frames dropped for a virtio-net header it may not send (kind not negotiated, gso_size 0, checksum fields past the frame). */
  badHeaders: number;
  /** Guest frames whose checksum it left to us (NEEDS_CSUM), completed. */
  csumFixed: number;
  /** Guest super-frames handed up whole. */
  superRx: number;
  /** Super-frames written whole into the guest's receive queue. */
  superTx: number;
}

/**
 * Events of a vhost-user back-end: 'connected', 'ready' (both queues run), 'notready' (text: why),
 * 'disconnected' (text: why: closed by the front-end, or a guest or protocol error), 'refused'
 * (a second front-end), 'log' (what was negotiated).
 */
export type VhostEvent = 'connected' | 'ready' | 'notready' | 'disconnected' | 'refused' | 'log';

/** One vhost-user port's back-end on the Node loop (src/native/vhost.cc). */
export interface NativeVhost {
  /** Listens on a unix socket for one front-end; throws a Node-style errno error. */
  listen(path: string): void;
  /** Connects to a listening front-end: 0, or the errno to retry on. */
  connect(path: string): number;
  /** Frames i < count of the tx buffer into the guest's receive queue; returns how many were delivered. */
  writeBatch(count: number): number;
  /** One super-frame with its virtio-net header (hdrs[hdrOff ..]) into the guest's receive queue: 1 delivered, 0 not, -1 the guest did not negotiate its kind (send its segments). */
  writeSuper(buf: Uint8Array, off: number, len: number, hdrs: Uint8Array, hdrOff: number): number;
  /** The sink takes super-frames whole: headers and segment lengths of received frames go here (and HOST_TSO is offered). */
  setSuperFrames(hdrs: Uint8Array, segLen: Int32Array): void;
  /** Drops the connection (no event). */
  disconnect(): void;
  close(): void;
  ref(): void;
  unref(): void;
  stats(): VhostStats;
}

export interface NativeVhostCtor {
  new (
    rxBuf: Uint8Array,
    rxOffs: Int32Array,
    rxLens: Int32Array,
    slotBytes: number,
    maxFrames: number,
    maxBatches: number,
    txBuf: Uint8Array,
    txOffs: Int32Array,
    txLens: Int32Array,
    onBatch: (count: number, supers: number) => void,
    onEvent: (type: VhostEvent, text: string) => void,
    /** Offer checksum and TSO offloads. */
    offload: boolean,
  ): NativeVhost;
}

export interface NativeConstants {
  MODE_TAP: number;
  MODE_PACKET: number;
  TUN_F_CSUM: number;
  TUN_F_TSO4: number;
  TUN_F_TSO6: number;
  TUN_F_TSO_ECN: number;
  TUN_F_USO4: number;
  TUN_F_USO6: number;
  ETHTOOL_GGRO: number;
  ETHTOOL_SGRO: number;
  ETHTOOL_GGSO: number;
  ETHTOOL_SGSO: number;
  ETHTOOL_GTSO: number;
  ETHTOOL_STSO: number;
  ETHTOOL_GTXCSUM: number;
  ETHTOOL_STXCSUM: number;
  ETHTOOL_GFLAGS: number;
  ETHTOOL_SFLAGS: number;
  ETH_FLAG_LRO: number;
  IFF_UP: number;
  IFF_RUNNING: number;
  IFF_PROMISC: number;
  RTM_NEWLINK: number;
  RTM_DELLINK: number;
  IFLA_IFNAME: number;
  VNET_HDR_LEN: number;
  /** Largest GSO super-frame the addon reads whole or segments (common.h OVERFLOW_BYTES): the room a receive buffer keeps for one. */
  SUPER_FRAME_BYTES: number;
  WRITER_SOURCES: number;
}

/** Everything the addon exports. Name-based helpers act in the caller's network namespace. */
export interface NativeAddon {
  openTap(name: string, opts?: TapOpenOptions): TapOpenResult;
  tapSetPersist(fd: number, on: boolean): void;
  /** TUNSETOFFLOAD; returns the flags actually set (USO bits dropped on kernels without USO). */
  tapSetOffload(fd: number, flags: number): number;
  tapGetMac(fd: number): Buffer;
  tapSetMac(fd: number, mac: Uint8Array): void;
  tapIfName(fd: number): string;
  openPacket(ifname: string, opts?: PacketOpenOptions): PacketOpenResult;
  /** The ifindex an AF_PACKET socket is bound to; -1 once the device was unregistered. */
  packetBoundIfindex(fd: number): number;
  /** Frames the kernel dropped on the AF_PACKET socket's full receive queue since the last call; -1 if unknown. */
  packetKernelDrops(fd: number): number;
  /** IFF_* flags of the device with this ifindex in our namespace, or -1 if there is none. */
  ifFlagsByIndex(ifindex: number): number;
  ifIndex(name: string): number;
  getIfMac(name: string): Buffer;
  setIfMac(name: string, mac: Uint8Array): void;
  getIfMtu(name: string): number;
  setIfMtu(name: string, mtu: number): void;
  getIfFlags(name: string): number;
  setIfUp(name: string, up: boolean): void;
  ethtoolGet(name: string, cmd: number): number;
  ethtoolSet(name: string, cmd: number, value: number): void;
  /** Link speed in Mb/s, 0 when the driver does not report one. */
  ethtoolSpeed(name: string): number;
  /**
   * An AF_UNIX SOCK_DGRAM socket connected to peerPath and bound at bindPath (a stale file there
   * is replaced), chmod mode, chgrp gid (< 0: leave it), SO_SNDBUF sndbufBytes (0: leave it).
   * Non-blocking; read and written by Poller/Writer in MODE_TAP. Throws errors with .code.
   */
  unixDgramOpen(bindPath: string, peerPath: string, mode: number, gid: number, sndbufBytes: number): number;
  /** An rtnetlink socket subscribed to RTMGRP_LINK (non-blocking); rcvbufBytes 0: the kernel's. Read it with a MODE_TAP Poller. */
  netlinkLinkOpen(rcvbufBytes: number): number;
  /**
   * A non-blocking IPv4 UDP socket bound at localIp:port; with a group ('' for none) bound at
   * the wildcard address and joined to the group on ifindex (TTL 1, no loopback). Throws errors with .code.
   */
  udpOpen(localIp: string, port: number, group: string, ifindex: number, rcvbufBytes: number, sndbufBytes: number): number;
  closeFd(fd: number): void;
  errnoName(errno: number): string;
  /**
   * Cuts the super-frame buf[off .. off+len) (virtio-net header at hdrs[hdrOff ..]) into wire
   * frames at outBuf[outOffs[k] ..][.. outLens[k]); returns how many (0: it cannot be cut, or
   * they do not fit the out arrays).
   */
  segmentSuper(buf: Uint8Array, off: number, len: number, hdrs: Uint8Array, hdrOff: number, outBuf: Uint8Array, outOffs: Int32Array, outLens: Int32Array): number;
  Poller: NativePollerCtor;
  Writer: NativeWriterCtor;
  Vhost: NativeVhostCtor;
  /** Whether a guest that negotiated `features` takes a super-frame of virtio-net gso_type `type` whole (the rule writeSuper applies). */
  vhostGuestTakesGso(features: number, type: number): boolean;
  UdpPoller: NativeUdpPollerCtor;
  UdpWriter: NativeUdpWriterCtor;
  /** Busy polling of this thread's event loop (busy-poll.ts): the window in µs after each wakeup that brought frames, 0 = off. */
  setBusyPoll(us: number): void;
  /** This thread's busy polling: its window, whether the loop spins now, loop turns spent spinning, windows opened. */
  busyPollStats(): BusyPollStats;
  constants: NativeConstants;
}

export interface BusyPollStats { windowUs: number; active: boolean; spins: number; starts: number }

export class NativeAddonMissingError extends Error {
  override readonly name = 'NativeAddonMissingError';
}

export const NATIVE_MISSING_MESSAGE = 'native addon not built: run npm install (needs python3, make, g++)';

/**
 * The package root: the nearest directory upward holding softbr's package.json. Works from
 * src/native/ (vitest) and from dist/src/native/ (after tsc) alike.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        const name = (JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name;
        if (name === 'softbr') return dir;
      } catch {
        // an unreadable package.json is not ours; keep looking upward
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new NativeAddonMissingError(`${NATIVE_MISSING_MESSAGE} (no softbr package.json above ${from})`);
    dir = up;
  }
}

export function addonPath(): string {
  return join(packageRoot(), 'build', 'Release', 'softbr_native.node');
}

let cached: NativeAddon | undefined;

/** Loads the addon on first use, so code that never touches a kernel device runs without it. */
export function native(): NativeAddon {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) throw new NativeAddonMissingError(`${NATIVE_MISSING_MESSAGE}: ${path} not found`);
  const require = createRequire(import.meta.url);
  try {
    cached = require(path) as NativeAddon;
  } catch (err) {
    throw new NativeAddonMissingError(`${NATIVE_MISSING_MESSAGE}: loading ${path} failed: ${(err as Error).message}`);
  }
  // once per thread (each worker loads its own module instance): a refused value was already
  // refused, with its reason, by the daemon at start
  const busy = busyPollSetting();
  if ('us' in busy && busy.us > 0) cached.setBusyPoll(busy.us);
  return cached;
}

/** Whether the addon can be loaded (for tests that skip without it). */
export function nativeAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

/** 'EBADFD' for 77 (or -77). */
export function errnoName(errno: number): string {
  return native().errnoName(errno);
}

/** Six bytes for a 48-bit MAC number (hi16 * 2**32 + lo32), as the ioctls want them. */
export function macNumberToBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  const hi = Math.floor(mac / 0x100000000);
  const lo = mac >>> 0;
  b[0] = (hi >>> 8) & 0xff;
  b[1] = hi & 0xff;
  b[2] = lo >>> 24;
  b[3] = (lo >>> 16) & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  return b;
}

export function macBytesToNumber(b: Uint8Array): number {
  return ((b[0]! << 8) | b[1]!) * 0x100000000 + ((b[2]! << 24) >>> 0) + ((b[3]! << 16) | (b[4]! << 8) | b[5]!);
}
