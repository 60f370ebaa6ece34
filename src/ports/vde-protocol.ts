// The VDE2 switch protocol's control messages, as vde_switch serves them on DIR/ctl and every
// VDE client (vdeplug's vde module: vde_plug, vde_plug2tap, dpipe, slirpvde, QEMU's -netdev vde)
// sends them: the client's request for a port and the switch's reply. Pure: parses and builds
// bytes; the driver (vde.ts) does the sockets.
//
// Request (struct request_v3, packed, host byte order): magic 0xfeedface (u32), version 3 (u32),
// type (u32: low byte 0 = new port, 1 = new port 0; the bits above it a requested port number),
// the client's datagram socket (struct sockaddr_un: u16 family, 108 bytes of path), then up to
// 128 bytes of free-text description (not necessarily NUL-terminated). Reply: the switch's own
// data socket as a struct sockaddr_un, to which the client connects. Then one Ethernet frame per
// datagram each way; EOF on the control stream ends the port.
import { endianness } from 'node:os';

export const VDE_MAGIC = 0xfeedface;
export const VDE_VERSION = 3;
export const VDE_REQ_NEW_CONTROL = 0;
export const VDE_REQ_NEW_PORT0 = 1;
const AF_UNIX = 1;
const SUN_PATH_BYTES = 108;
/** sizeof(struct sockaddr_un). */
export const SOCKADDR_UN_BYTES = 2 + SUN_PATH_BYTES;
/** A request without its description. */
export const VDE_REQUEST_MIN = 12 + SOCKADDR_UN_BYTES;
export const VDE_DESCRIPTION_MAX = 128;
/** The longest request a client sends. */
export const VDE_REQUEST_MAX = VDE_REQUEST_MIN + VDE_DESCRIPTION_MAX;

const LE = endianness() === 'LE';

export interface VdeRequest {
  /** The port number the client asked for; 0 = any. */
  port: number;
  /** The client's datagram socket path (where our frames go). */
  peerPath: string;
  description: string;
}

export type VdeParse = { ok: true; req: VdeRequest } | { ok: false; error: string };

function u32(b: Uint8Array, off: number): number {
  const dv = new DataView(b.buffer, b.byteOffset + off, 4);
  return dv.getUint32(0, LE);
}

/**
 * Parses a port request. `b` is what the client sent (one send: the request, then its
 * description). Anything but a version-3 request for a new port with a named socket is refused
 * with a reason.
 */
export function parseVdeRequest(b: Uint8Array): VdeParse {
  if (b.length < 4) return { ok: false, error: `truncated request (${b.length} bytes)` };
  const magic = u32(b, 0);
  if (magic !== VDE_MAGIC) return { ok: false, error: `bad magic 0x${magic.toString(16).padStart(8, '0')} (want 0xfeedface)` };
  if (b.length < VDE_REQUEST_MIN) return { ok: false, error: `truncated request (${b.length} bytes; a version 3 request has at least ${VDE_REQUEST_MIN})` };
  const version = u32(b, 4);
  if (version !== VDE_VERSION) return { ok: false, error: `request version ${version} (only version 3 is served)` };
  const type = u32(b, 8);
  const kind = type & 0xff;
  if (kind !== VDE_REQ_NEW_CONTROL && kind !== VDE_REQ_NEW_PORT0) return { ok: false, error: `bad request type ${kind}` };
  const family = new DataView(b.buffer, b.byteOffset + 12, 2).getUint16(0, LE);
  if (family !== AF_UNIX) return { ok: false, error: `client socket family ${family} is not AF_UNIX` };
  const pathBytes = b.subarray(14, 14 + SUN_PATH_BYTES);
  const nul = pathBytes.indexOf(0);
  if (nul === 0) return { ok: false, error: 'client socket has no path (unnamed sockets are not served)' };
  if (nul < 0) return { ok: false, error: 'client socket path is not NUL-terminated' };
  const peerPath = Buffer.from(pathBytes.subarray(0, nul)).toString('utf8');
  if (!peerPath.startsWith('/')) return { ok: false, error: `client socket path '${peerPath}' is not absolute` };
  const d = b.subarray(VDE_REQUEST_MIN, VDE_REQUEST_MAX);
  const dEnd = d.indexOf(0);
  const description = Buffer.from(dEnd < 0 ? d : d.subarray(0, dEnd)).toString('utf8').replace(/[\x00-\x1f\x7f]/g, ' ').trim();
  // port 0 is vde_switch's management port; softbr has none, so a request for it takes any port
  return { ok: true, req: { port: kind === VDE_REQ_NEW_PORT0 ? 0 : type >>> 8, peerPath, description } };
}

/** A struct sockaddr_un naming `path`: the reply to a request. */
export function sockaddrUn(path: string): Buffer {
  const b = Buffer.alloc(SOCKADDR_UN_BYTES);
  const p = Buffer.from(path, 'utf8');
  if (p.length >= SUN_PATH_BYTES) throw new RangeError(`socket path ${path} is longer than ${SUN_PATH_BYTES - 1} bytes`);
  if (LE) b.writeUInt16LE(AF_UNIX, 0);
  else b.writeUInt16BE(AF_UNIX, 0);
  p.copy(b, 2);
  return b;
}

/** A request as a client builds it (for tests and tools). */
export function buildVdeRequest(peerPath: string, description: string, opts: { port?: number; magic?: number; version?: number } = {}): Buffer {
  const d = Buffer.from(description, 'utf8').subarray(0, VDE_DESCRIPTION_MAX);
  const b = Buffer.alloc(VDE_REQUEST_MIN + d.length);
  const w = (v: number, off: number) => (LE ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off));
  w(opts.magic ?? VDE_MAGIC, 0);
  w(opts.version ?? VDE_VERSION, 4);
  w(VDE_REQ_NEW_CONTROL + ((opts.port ?? 0) << 8), 8);
  sockaddrUn(peerPath).copy(b, 12);
  d.copy(b, VDE_REQUEST_MIN);
  return b;
}
