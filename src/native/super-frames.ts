// The side arrays beside a vnet TAP's receive batches (the engine's RxOffload): per frame its
// virtio-net header and segment length, filled by the addon's Poller, and cutting a super-frame
// into wire frames on demand, in one segment area the whole thread shares (a cut is consumed
// within the transmit that asked for it).
import type { RxOffload, RxSink } from '../bridge/port-io.js';
import { native } from './binding.js';

/** The most segments one super-frame can make. */
const MAX_SEGMENTS = 1024;

interface SegmentArea {
  buf: Uint8Array;
  offs: Int32Array;
  lens: Int32Array;
  /** The frame whose segments the area holds now (buffer and offset), for floods to reuse. */
  cutOf: Uint8Array | null;
  cutAt: number;
  cutCount: number;
}

let area: SegmentArea | null = null;
function segmentArea(): SegmentArea {
  // a super-frame's segments repeat its headers: two super-frames' worth is room for the smallest MSS
  area ??= { buf: new Uint8Array(2 * native().constants.SUPER_FRAME_BYTES + 8 * MAX_SEGMENTS), offs: new Int32Array(MAX_SEGMENTS), lens: new Int32Array(MAX_SEGMENTS), cutOf: null, cutAt: -1, cutCount: 0 };
  return area;
}

export class SuperFrames implements RxOffload {
  readonly hdrs: Uint8Array;
  readonly segLen: Int32Array;
  readonly segBuf: Uint8Array;
  readonly segOffs: Int32Array;
  readonly segLens: Int32Array;
  /** Super-frames cut for ports that could not take them whole (each cut counted once). */
  cut = 0;
  private readonly area: SegmentArea;

  constructor(frames: number) {
    this.hdrs = new Uint8Array(frames * native().constants.VNET_HDR_LEN);
    this.segLen = new Int32Array(frames);
    this.area = segmentArea();
    this.segBuf = this.area.buf;
    this.segOffs = this.area.offs;
    this.segLens = this.area.lens;
  }

  /** A new batch is in the receive buffer: a cut of the last one no longer describes it. */
  newBatch(): void {
    this.area.cutOf = null;
  }

  segment(buf: Uint8Array, off: number, len: number, i: number): number {
    const a = this.area;
    if (a.cutOf === buf && a.cutAt === off) return a.cutCount;
    const n = native().segmentSuper(buf, off, len, this.hdrs, i * native().constants.VNET_HDR_LEN, a.buf, a.offs, a.lens);
    a.cutOf = buf;
    a.cutAt = off;
    a.cutCount = n;
    this.cut++;
    return n;
  }
}

/**
 * The one way a driver hands a received batch up: with its super-frames' side arrays when the
 * batch holds any (supers > 0), else as plain frames. Nothing happens once the port has no sink.
 */
export function deliverBatch(sink: RxSink | null, buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number, supers: number, sf: SuperFrames | null): void {
  if (sink === null) return;
  if (supers > 0 && sf !== null) {
    sf.newBatch();
    sink.receiveBatch(buf, offs, lens, count, sf);
  } else {
    sink.receiveBatch(buf, offs, lens, count);
  }
}
