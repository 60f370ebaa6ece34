// The contract between the engine and a port driver (tap, AF_PACKET, socket, memory):
// drivers deliver received frames in batches and accept sends that they flush once per batch.
// Segmentation-offload super-frames travel whole beside their batch (RxOffload) between drivers
// whose devices take them; the engine cuts them only for ports that cannot.

/**
 * Beside a batch from a driver whose device hands it GSO/TSO super-frames whole (a TAP in offload
 * mode): which frames are super-frames, the virtio-net header each came with (opaque to the
 * engine: only drivers read it), and how to cut one into wire frames. Filled in place by the
 * receiving driver, indexed like offs/lens; valid only during receiveBatch.
 */
export interface RxOffload {
  /** 0 for a wire-sized frame; else the length of super-frame i's longest segment (what must fit an egress port). */
  readonly segLen: Int32Array;
  /** Virtio-net headers by frame index, for sending drivers (PortIO.sendSuper). */
  readonly hdrs: Uint8Array;
  /**
   * Cuts super-frame i = buf[off .. off+len) into wire frames, frame k at
   * segBuf[segOffs[k] ..][.. segLens[k]) for k < the count returned (0: it cannot be cut).
   * Asking again for the same frame (a flood) reuses the cut.
   */
  segment(buf: Uint8Array, off: number, len: number, i: number): number;
  readonly segBuf: Uint8Array;
  readonly segOffs: Int32Array;
  readonly segLens: Int32Array;
}

/** Where a driver hands what it receives. */
export interface RxSink {
  /**
   * A batch of received frames: frame i is buf[offs[i] .. offs[i]+lens[i]), i < count.
   * The buffer may be reused by the driver as soon as this returns.
   */
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number, offload?: RxOffload | null): void;
  /**
   * The sink understands RxOffload: drivers hand it super-frames whole. Without it they cut them
   * into wire frames before delivery.
   */
  readonly takesSuperFrames?: boolean;
  /** The device went away or failed (e.g. its namespace was deleted); the port is now down. */
  linkDown(reason: string): void;
  /** The device is usable again (carrier back). */
  linkUp?(): void;
}

/**
 * Frames a driver dropped where the engine cannot see them (too short or long to deliver,
 * refused by the kernel on send), under the engine's drop reasons. Read at scrape time.
 */
export interface DriverDrops {
  malformed: number;
  no_buffer: number;
  tx_error: number;
  /** A tunnel port: frames that fit the port but not the underlay with the tunnel's headers. */
  too_big?: number;
}

/** What the engine needs of a port driver. */
export interface PortIO {
  /** Driver kind: 'tap', 'packet', 'memory', 'host', … */
  readonly kind: string;
  /** Interface name as the user names it (tap0, veth1, br0). */
  readonly name: string;
  /** Hardware address of the port; becomes a local FDB entry. */
  readonly mac: number;
  /** Largest payload the device carries; frames longer than mtu + 18 are malformed. */
  readonly mtu: number;
  /** Link speed in Mb/s for STP path cost (TAP and veth report 10000). */
  readonly speedMbps: number;
  /**
   * Queue one frame for transmission. The driver must copy it (or send it) before it returns
   * or at the latest in flush(), since the buffer belongs to the receiving driver.
   * Returns false when the frame could not be queued (no buffer / tx error) — the engine counts it.
   */
  send(buf: Uint8Array, off: number, len: number): boolean;
  /**
   * Present when the device takes super-frames whole (a TAP or packet socket with virtio-net
   * headers): queue super-frame i of the receiving driver's batch, with its header from offload.
   * Same contract as send(). Absent: the engine sends its segments instead.
   */
  readonly sendSuper?: ((buf: Uint8Array, off: number, len: number, offload: RxOffload, i: number) => boolean) | undefined;
  /** Push everything queued since the last flush; called once per received batch. */
  flush(): void;
  /** Begin delivering received frames to sink. */
  start(sink: RxSink): void;
  /** Stop receiving, release the device (delete it if the driver created it). */
  close(): void;
  /** The driver's own drops, added to the port's drop counters when they are read (never per frame). */
  driverDrops?(): DriverDrops;
}
