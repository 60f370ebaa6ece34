// Classic libpcap file format (what `tcpdump -w` writes and every tool reads): the 24-byte global
// header, 16-byte record headers, and a small reader for tests and tools. Written little-endian
// with magic 0xa1b2c3d4 (microsecond timestamps); readers detect byte order from the magic.

export const PCAP_MAGIC = 0xa1b2c3d4;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** tcpdump's default snapshot length since 4.99 (MAXIMUM_SNAPLEN). */
export const PCAP_SNAPLEN = 262144;
/** LINKTYPE_ETHERNET / DLT_EN10MB. */
export const DLT_EN10MB = 1;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/** The global header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen, link type. */
export function pcapGlobalHeader(snaplen = PCAP_SNAPLEN, linkType = DLT_EN10MB): Uint8Array {
  const b = new Uint8Array(PCAP_GLOBAL_HEADER_LEN);
  const v = new DataView(b.buffer);
  v.setUint32(0, PCAP_MAGIC, true);
  v.setUint16(4, PCAP_VERSION_MAJOR, true);
  v.setUint16(6, PCAP_VERSION_MINOR, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linkType, true);
  return b;
}

/**
 * Writes a record header at off in out: timestamp (seconds, microseconds), captured length and
 * the frame's original length on the wire.
 */
export function writeRecordHeader(out: DataView, off: number, sec: number, usec: number, inclLen: number, origLen: number): void {
  out.setUint32(off, sec >>> 0, true);
  out.setUint32(off + 4, usec >>> 0, true);
  out.setUint32(off + 8, inclLen >>> 0, true);
  out.setUint32(off + 12, origLen >>> 0, true);
}

/** Splits a wall-clock time in ms (fractional allowed) into pcap's whole seconds + microseconds. */
export function splitTimestamp(ms: number): { sec: number; usec: number } {
  let sec = Math.floor(ms / 1000);
  let usec = Math.round((ms - sec * 1000) * 1000);
  // rounding 999.9996 ms up must carry into the seconds, never give usec = 1000000
  if (usec >= 1_000_000) { sec += 1; usec -= 1_000_000; }
  return { sec, usec };
}

/** One record (header + captured bytes) as a fresh buffer; frames longer than snaplen are cut. */
export function pcapRecord(tsMs: number, frame: Uint8Array, origLen = frame.length, snaplen = PCAP_SNAPLEN): Uint8Array {
  const incl = Math.min(frame.length, snaplen);
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN + incl);
  const { sec, usec } = splitTimestamp(tsMs);
  writeRecordHeader(new DataView(out.buffer), 0, sec, usec, incl, Math.max(origLen, incl));
  out.set(incl === frame.length ? frame : frame.subarray(0, incl), PCAP_RECORD_HEADER_LEN);
  return out;
}

/**
 * Streams a pcap file to a byte sink (a file descriptor writer, a socket, an array in tests).
 * The global header goes out with the first write, so an empty capture is still a valid file.
 */
export class PcapWriter {
  records = 0;
  bytes = 0;
  private started = false;

  constructor(private readonly sink: (chunk: Uint8Array) => void, readonly snaplen = PCAP_SNAPLEN, readonly linkType = DLT_EN10MB) {}

  /** Writes the global header if nothing was written yet. */
  begin(): void {
    if (this.started) return;
    this.started = true;
    this.put(pcapGlobalHeader(this.snaplen, this.linkType));
  }

  /** Appends one frame captured at tsMs (wall clock, ms, fractional for µs). */
  write(tsMs: number, frame: Uint8Array, origLen = frame.length): void {
    this.begin();
    this.put(pcapRecord(tsMs, frame, origLen, this.snaplen));
    this.records++;
  }

  private put(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.sink(chunk);
  }
}

/** A whole file in memory (tests, small exports). */
export function encodePcap(frames: readonly { tsMs: number; data: Uint8Array; origLen?: number }[], snaplen = PCAP_SNAPLEN): Uint8Array {
  const parts: Uint8Array[] = [];
  const w = new PcapWriter((c) => parts.push(c), snaplen);
  w.begin();
  for (const f of frames) w.write(f.tsMs, f.data, f.origLen);
  const out = new Uint8Array(w.bytes);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface PcapFile {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
  records: { sec: number; usec: number; inclLen: number; origLen: number; data: Uint8Array }[];
}

/** Parses a classic pcap file (either byte order, µs or ns magic); throws on a broken one. */
export function readPcap(buf: Uint8Array): PcapFile {
  if (buf.length < PCAP_GLOBAL_HEADER_LEN) throw new Error(`not a pcap file: ${buf.length} bytes is shorter than the 24-byte header`);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  let littleEndian: boolean;
  let nanosecond = false;
  if (le === PCAP_MAGIC || le === 0xa1b23c4d) { littleEndian = true; nanosecond = le === 0xa1b23c4d; }
  else if (be === PCAP_MAGIC || be === 0xa1b23c4d) { littleEndian = false; nanosecond = be === 0xa1b23c4d; }
  else throw new Error(`not a pcap file: magic 0x${le.toString(16)}`);
  const file: PcapFile = {
    littleEndian, nanosecond,
    versionMajor: v.getUint16(4, littleEndian), versionMinor: v.getUint16(6, littleEndian),
    snaplen: v.getUint32(16, littleEndian), linkType: v.getUint32(20, littleEndian), records: [],
  };
  let o = PCAP_GLOBAL_HEADER_LEN;
  while (o < buf.length) {
    if (o + PCAP_RECORD_HEADER_LEN > buf.length) throw new Error(`truncated record header at byte ${o}`);
    const inclLen = v.getUint32(o + 8, littleEndian);
    if (o + PCAP_RECORD_HEADER_LEN + inclLen > buf.length) throw new Error(`truncated record at byte ${o}: ${inclLen} bytes claimed`);
    file.records.push({
      sec: v.getUint32(o, littleEndian), usec: v.getUint32(o + 4, littleEndian), inclLen,
      origLen: v.getUint32(o + 12, littleEndian),
      data: buf.subarray(o + PCAP_RECORD_HEADER_LEN, o + PCAP_RECORD_HEADER_LEN + inclLen),
    });
    o += PCAP_RECORD_HEADER_LEN + inclLen;
  }
  return file;
}
