// The contract between the engine and a port driver (tap, AF_PACKET, socket, memory):
// drivers deliver received frames in batches and accept sends that they flush once per batch.

/** Where a driver hands what it receives. */
export interface RxSink {
  /**
   * A batch of received frames: frame i is buf[offs[i] .. offs[i]+lens[i]), i < count.
   * The buffer may be reused by the driver as soon as this returns.
   */
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number): void;
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
  /** Push everything queued since the last flush; called once per received batch. */
  flush(): void;
  /** Begin delivering received frames to sink. */
  start(sink: RxSink): void;
  /** Stop receiving, release the device (delete it if the driver created it). */
  close(): void;
  /** The driver's own drops, added to the port's drop counters when they are read (never per frame). */
  driverDrops?(): DriverDrops;
}
