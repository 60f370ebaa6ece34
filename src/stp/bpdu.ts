// BPDU codec: builds the complete Ethernet frames the kernel sends (802.3 length, LLC 42 42 03,
// config or TCN BPDU, padded to 60 bytes) and the version 2 RST BPDUs of 802.1D-2004 (9.3.3) and validates/decodes received frames the way
// llc_rcv + br_stp_rcv accept them. Times stay in the wire unit (1/256 s) so a decode/encode
// round trip is exact; constants.ts converts to milliseconds with the kernel's rounding.
import { MAC_STP, readMac, writeMac } from '../frame/mac.js';
import type { BridgeId } from './bridge-id.js';

export const BPDU_TYPE_CONFIG = 0x00;
export const BPDU_TYPE_RST = 0x02;
export const BPDU_TYPE_TCN = 0x80;
export const BPDU_FLAG_TC = 0x01;
export const BPDU_FLAG_TCA = 0x80;
/** RST BPDU flag bits (802.1D-2004 9.3.3): proposal, port role (2 bits), learning, forwarding, agreement. */
export const RST_FLAG_PROPOSAL = 0x02;
export const RST_ROLE_SHIFT = 2;
export const RST_ROLE_MASK = 0x0c;
export const RST_FLAG_LEARNING = 0x10;
export const RST_FLAG_FORWARDING = 0x20;
export const RST_FLAG_AGREEMENT = 0x40;
/** The 2-bit port role codes of an RST BPDU. */
export const RST_ROLE_UNKNOWN = 0;
export const RST_ROLE_ALT_BACKUP = 1;
export const RST_ROLE_ROOT = 2;
export const RST_ROLE_DESIGNATED = 3;
/** Protocol version of an RST BPDU; 35 config bytes + the Version 1 Length byte (0). */
export const RST_VERSION = 2;
export const RST_BPDU_LEN = 36;

/** Bytes of BPDU (after LLC) the kernel requires: 35 for config, 4 for TCN. */
export const CONFIG_BPDU_LEN = 35;
export const TCN_BPDU_LEN = 4;
/** Ethernet header + LLC. */
export const BPDU_OFFSET = 17;
export const MIN_FRAME_LEN = 60;

/** The fields of a configuration BPDU; times in 1/256 s as on the wire. */
export interface ConfigBpduFields {
  topologyChange: boolean;
  topologyChangeAck: boolean;
  root: BridgeId;
  rootPathCost: number;
  bridge: BridgeId;
  portId: number;
  messageAge: number;
  maxAge: number;
  helloTime: number;
  forwardDelay: number;
}

export interface ConfigBpdu extends ConfigBpduFields {
  type: 'config';
  /** Protocol version byte: 0 for STP; 2/3 only when an RST/MST BPDU was accepted as config. */
  version: number;
  /** The raw flags byte (RST BPDUs carry role/proposal/agreement bits besides TC and TCA). */
  flags: number;
  /** Type byte 0x02 with version ≥ 2: an RST (or MST) BPDU, decoded only with acceptRstp. */
  rst: boolean;
  /** Source MAC of the frame. */
  src: number;
}

export interface TcnBpdu {
  type: 'tcn';
  version: number;
  src: number;
}

export type Bpdu = ConfigBpdu | TcnBpdu;

/**
 * Why a frame was not decoded. `malformed` ones are broken on the wire (short, bad LLC, bad
 * length, bad protocol id); the others are well-formed but not for an 802.1D-1998 bridge
 * (RSTP/MSTP versions, unknown types, wrong group address) — the kernel drops both silently.
 */
export type BpduDropReason =
  | 'truncated'
  | 'not-llc'
  | 'bad-llc'
  | 'bad-length'
  | 'bad-protocol-id'
  | 'truncated-config'
  | 'not-stp-group-address'
  | 'unsupported-version'
  | 'unknown-type';

const MALFORMED: ReadonlySet<BpduDropReason> = new Set<BpduDropReason>([
  'truncated', 'not-llc', 'bad-llc', 'bad-length', 'bad-protocol-id', 'truncated-config',
]);

export function isMalformedReason(r: BpduDropReason): boolean {
  return MALFORMED.has(r);
}

export type BpduParseResult =
  | { ok: true; bpdu: Bpdu }
  | { ok: false; reason: BpduDropReason; malformed: boolean };

export interface ParseOptions {
  /**
   * Decode RST/MST BPDUs (version ≥ 2, type 0x02) as config BPDUs from their first 35 bytes.
   * Off by default because the kernel drops any BPDU whose version byte is not 0 (br_stp_rcv:
   * "compare of protocol id and version"), and an 802.1D-1998 bridge discards type 0x02.
   */
  acceptRstp?: boolean;
}

function fail(reason: BpduDropReason): BpduParseResult {
  return { ok: false, reason, malformed: MALFORMED.has(reason) };
}

function readId(buf: Uint8Array, o: number): BridgeId {
  return { prio: (buf[o]! << 8) | buf[o + 1]!, mac: readMac(buf, o + 2) };
}

function writeId(buf: Uint8Array, o: number, id: BridgeId): void {
  buf[o] = (id.prio >>> 8) & 0xff;
  buf[o + 1] = id.prio & 0xff;
  writeMac(buf, o + 2, id.mac);
}

function u16(buf: Uint8Array, o: number): number {
  return (buf[o]! << 8) | buf[o + 1]!;
}

function putU16(buf: Uint8Array, o: number, v: number): void {
  buf[o] = (v >>> 8) & 0xff;
  buf[o + 1] = v & 0xff;
}

/**
 * Validates and decodes a frame as the kernel would: 802.3 length field, LLC 42 42 03, the frame
 * trimmed to the length field (llc_fixup_skb — padding is ignored, a length beyond the frame is
 * an error), protocol id 0, version 0, then ≥ 35 bytes for config / ≥ 4 for TCN.
 */
export function parseBpdu(buf: Uint8Array, off: number, len: number, opts: ParseOptions = {}): BpduParseResult {
  if (len < BPDU_OFFSET || off < 0 || off + len > buf.length) return fail('truncated');
  if (readMac(buf, off) !== MAC_STP) return fail('not-stp-group-address');
  const lengthField = u16(buf, off + 12);
  // Above 1500 it is an EtherType (Ethernet II, or an 802.1Q tag: the kernel does not take
  // tagged BPDUs into STP either).
  if (lengthField > 1500) return fail('not-llc');
  if (buf[off + 14] !== 0x42 || buf[off + 15] !== 0x42 || buf[off + 16] !== 0x03) return fail('bad-llc');
  if (lengthField < 3 || 14 + lengthField > len) return fail('bad-length');
  const bpduLen = lengthField - 3;
  const b = off + BPDU_OFFSET;
  if (bpduLen < TCN_BPDU_LEN) return fail('truncated');
  if (buf[b] !== 0 || buf[b + 1] !== 0) return fail('bad-protocol-id');
  const version = buf[b + 2]!;
  const type = buf[b + 3]!;
  const src = readMac(buf, off + 6);
  const rstp = opts.acceptRstp === true;
  if (version !== 0 && !rstp) return fail('unsupported-version');
  // An RST BPDU needs version ≥ 2 (802.1D-2004 9.3.4); type 2 with version 0 or 1 is unknown.
  if (type === BPDU_TYPE_CONFIG || (rstp && type === BPDU_TYPE_RST && version >= RST_VERSION)) {
    if (bpduLen < CONFIG_BPDU_LEN) return fail('truncated-config');
    const flags = buf[b + 4]!;
    return {
      ok: true,
      bpdu: {
        type: 'config',
        version,
        flags,
        rst: type === BPDU_TYPE_RST,
        src,
        topologyChange: (flags & BPDU_FLAG_TC) !== 0,
        topologyChangeAck: (flags & BPDU_FLAG_TCA) !== 0,
        root: readId(buf, b + 5),
        rootPathCost: ((buf[b + 13]! << 24) >>> 0) + ((buf[b + 14]! << 16) | (buf[b + 15]! << 8) | buf[b + 16]!),
        bridge: readId(buf, b + 17),
        portId: u16(buf, b + 25),
        messageAge: u16(buf, b + 27),
        maxAge: u16(buf, b + 29),
        helloTime: u16(buf, b + 31),
        forwardDelay: u16(buf, b + 33),
      },
    };
  }
  if (type === BPDU_TYPE_TCN) return { ok: true, bpdu: { type: 'tcn', version, src } };
  return fail('unknown-type');
}

function frame(srcMac: number, bpduLen: number): Uint8Array {
  // Zero padding up to the Ethernet minimum; the length field still says how much is BPDU.
  const out = new Uint8Array(Math.max(MIN_FRAME_LEN, BPDU_OFFSET + bpduLen));
  writeMac(out, 0, MAC_STP);
  writeMac(out, 6, srcMac);
  putU16(out, 12, 3 + bpduLen);
  out[14] = 0x42;
  out[15] = 0x42;
  out[16] = 0x03;
  return out;
}

/** A complete config-BPDU frame from srcMac (the sending port's MAC). */
export function buildConfigBpdu(srcMac: number, f: ConfigBpduFields): Uint8Array {
  const out = frame(srcMac, CONFIG_BPDU_LEN);
  // protocol id 0, version 0, type 0 are already zero
  writeConfigBody(out, (f.topologyChange ? BPDU_FLAG_TC : 0) | (f.topologyChangeAck ? BPDU_FLAG_TCA : 0), f);
  return out;
}

/** The fields of an RST BPDU: a config BPDU's priority vector and times, and its own flags. */
export interface RstBpduFields extends Omit<ConfigBpduFields, 'topologyChangeAck'> {
  /** RST_ROLE_* code. */
  role: number;
  proposal: boolean;
  learning: boolean;
  forwarding: boolean;
  agreement: boolean;
}

/** A complete RST-BPDU frame (version 2, type 2, Version 1 Length 0) from srcMac. */
export function buildRstBpdu(srcMac: number, f: RstBpduFields): Uint8Array {
  const out = frame(srcMac, RST_BPDU_LEN);
  out[BPDU_OFFSET + 2] = RST_VERSION;
  out[BPDU_OFFSET + 3] = BPDU_TYPE_RST;
  const flags = (f.topologyChange ? BPDU_FLAG_TC : 0) | (f.proposal ? RST_FLAG_PROPOSAL : 0)
    | ((f.role << RST_ROLE_SHIFT) & RST_ROLE_MASK) | (f.learning ? RST_FLAG_LEARNING : 0)
    | (f.forwarding ? RST_FLAG_FORWARDING : 0) | (f.agreement ? RST_FLAG_AGREEMENT : 0);
  writeConfigBody(out, flags, f);
  // byte 35, Version 1 Length, stays 0
  return out;
}

/** Flags byte and the 34 bytes after it, shared by config and RST BPDUs. */
function writeConfigBody(out: Uint8Array, flags: number, f: Omit<ConfigBpduFields, 'topologyChangeAck'>): void {
  const b = BPDU_OFFSET;
  out[b + 4] = flags;
  writeId(out, b + 5, f.root);
  const c = f.rootPathCost >>> 0;
  out[b + 13] = c >>> 24;
  out[b + 14] = (c >>> 16) & 0xff;
  out[b + 15] = (c >>> 8) & 0xff;
  out[b + 16] = c & 0xff;
  writeId(out, b + 17, f.bridge);
  putU16(out, b + 25, f.portId);
  putU16(out, b + 27, f.messageAge);
  putU16(out, b + 29, f.maxAge);
  putU16(out, b + 31, f.helloTime);
  putU16(out, b + 33, f.forwardDelay);
}

/** A complete TCN-BPDU frame from srcMac. */
export function buildTcnBpdu(srcMac: number): Uint8Array {
  const out = frame(srcMac, TCN_BPDU_LEN);
  out[BPDU_OFFSET + 3] = BPDU_TYPE_TCN;
  return out;
}
