// Validation of command arguments shared by the daemon and the CLI: every error names the bad
// value and what is allowed, and nothing is changed when validation fails.
import { UserError } from './protocol.js';
import { isIPv4, isIPv6 } from 'node:net';
import { parseMac } from '../frame/mac.js';
import { VLAN_ID_MAX } from '../frame/ethernet.js';

export function str(args: Record<string, unknown>, key: string, what = key): string {
  const v = args[key];
  if (typeof v !== 'string' || v.length === 0) throw new UserError(`missing ${what}`);
  return v;
}

export function optStr(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new UserError(`${key} must be a string`);
  return v;
}

/** A number in [lo, hi]; accepts numeric strings as CLI arguments come in. */
export function numIn(v: unknown, what: string, lo: number, hi: number, integer = false): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
    throw new UserError(`invalid ${what} '${String(v)}': expected ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}`);
  }
  return n;
}

export function onOff(v: unknown, what: string): boolean {
  if (v === true || v === 'on' || v === 'yes' || v === '1' || v === 1) return true;
  if (v === false || v === 'off' || v === 'no' || v === '0' || v === 0) return false;
  throw new UserError(`invalid ${what} '${String(v)}': expected on or off`);
}

export function macArg(v: unknown): number {
  return parseMac(String(v));
}

/** setportflag's words (brctl's and iproute2's) and the port flag each one sets. */
export const PORT_FLAG_WORDS = {
  learning: 'learning', flood: 'floodUnicast', mcast_flood: 'floodMulticast', bcast_flood: 'floodBroadcast', hairpin: 'hairpin',
} as const;

export type PortFlagKey = (typeof PORT_FLAG_WORDS)[keyof typeof PORT_FLAG_WORDS];

/** The port flag a setportflag word names. */
export function portFlagArg(word: string): PortFlagKey {
  if (!Object.hasOwn(PORT_FLAG_WORDS, word)) throw new UserError(`unknown port flag '${word}': allowed ${Object.keys(PORT_FLAG_WORDS).join(', ')}`);
  return PORT_FLAG_WORDS[word as keyof typeof PORT_FLAG_WORDS];
}

/** An 802.1Q VLAN id, 0 (untagged) to 4095. */
export function vlanArg(v: unknown): number {
  return numIn(v, 'vlan', 0, VLAN_ID_MAX, true);
}

export const BRIDGE_NAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

export function bridgeName(v: unknown): string {
  if (typeof v !== 'string' || !BRIDGE_NAME_RE.test(v)) {
    throw new UserError(`invalid bridge name '${String(v)}': 1–15 characters of letters, digits, '_', '.', '-'`);
  }
  return v;
}

export type PortKind = 'tap' | 'dev' | 'stream' | 'dgram';

/** A parsed port spec: what to open, and the short name the port shows under. */
export interface PortSpecArgs {
  kind: PortKind;
  /** Port name in show/showmacs/link (≤ 15 characters). */
  name: string;
  /** stream over a unix socket: its absolute path. */
  path?: string;
  /** stream over TCP: address to listen on; dgram: softbr's local address. */
  host?: string;
  port?: number;
  /** dgram: QEMU's address, where frames are sent. */
  remoteHost?: string;
  remotePort?: number;
}

export const PORT_SPEC_FORMS = 'tap:NAME, an interface name, stream:[NAME=]/PATH, stream:[NAME=]tcp:[HOST:]PORT or dgram:[NAME=][HOST:]PORT@[HOST:]PORT';

const PORT_NAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

function badPort(v: string, why: string): UserError {
  return new UserError(`invalid port '${v}': ${why}`);
}

/** `[NAME=]REST` → the user's name (validated) and REST. */
function splitName(v: string, body: string, kindWord: string): { name: string | undefined; rest: string } {
  const eq = body.indexOf('=');
  if (eq < 0) return { name: undefined, rest: body };
  const name = body.slice(0, eq);
  // an '=' inside a path (after a '/') is part of the path
  if (name.includes('/')) return { name: undefined, rest: body };
  if (!PORT_NAME_RE.test(name) || name === '.' || name === '..') {
    throw badPort(v, `port name '${name}' must be 1–15 letters, digits, '_', '.', '-' (${kindWord}:NAME=…)`);
  }
  return { name, rest: body.slice(eq + 1) };
}

function udpTcpPort(v: string, s: string, what: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw badPort(v, `${what} '${s}' is not a port number from 1 to 65535`);
  return Number(s);
}

/** `[HOST:]PORT` or `[V6HOST]:PORT`; HOST is an IP address, default 127.0.0.1. */
function hostPort(v: string, s: string, what: string): { host: string; port: number } {
  let host = '127.0.0.1';
  let port = s;
  const m = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (m) {
    host = m[1]!;
    port = m[2]!;
    if (!isIPv6(host)) throw badPort(v, `${what} host '${host}' is not an IPv6 address`);
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    port = s.slice(i + 1);
    if (!isIPv4(host)) throw badPort(v, `${what} host '${host}' is not an IP address (write IPv6 as [ADDR]:PORT; names are not resolved)`);
  }
  return { host, port: udpTcpPort(v, port, `${what} port`) };
}

/**
 * A port spec as `addif` and the config take it:
 *  - `tap:NAME` — create (or attach to a persistent) TAP NAME;
 *  - `NAME` — an existing netdev (veth end, vnet0, eth0), through AF_PACKET;
 *  - `stream:[NAME=]/PATH` — listen on unix socket PATH for one QEMU `-netdev stream`;
 *    the port is named NAME, else after PATH's file name without its extension;
 *  - `stream:[NAME=]tcp:[HOST:]PORT` — the same over TCP on HOST (default 127.0.0.1); named
 *    NAME or `streamPORT` (QEMU `-netdev stream,addr.type=inet` or `-netdev socket,connect=`);
 *  - `dgram:[NAME=][HOST:]PORT@[HOST:]PORT` — UDP: softbr's address @ QEMU's address (hosts
 *    default to 127.0.0.1); named NAME or `dgramPORT` after the local port.
 */
export function portSpec(v: unknown): PortSpecArgs {
  if (typeof v !== 'string' || v.length === 0) throw new UserError('missing port');
  if (v.startsWith('stream:')) {
    const { name, rest } = splitName(v, v.slice(7), 'stream');
    if (rest.startsWith('tcp:')) {
      const { host, port } = hostPort(v, rest.slice(4), 'listen');
      return { kind: 'stream', name: name ?? `stream${port}`, host, port };
    }
    if (!rest.startsWith('/')) {
      throw badPort(v, `expected an absolute socket path (stream:/run/vm1.sock) or tcp:[HOST:]PORT after 'stream:'`);
    }
    if (rest.endsWith('/') || rest.includes('\0')) throw badPort(v, `'${rest}' is not a socket file path`);
    // sun_path holds 107 bytes and a NUL
    if (Buffer.byteLength(rest) > 107) throw badPort(v, `socket path is ${Buffer.byteLength(rest)} bytes long; unix sockets allow at most 107`);
    let n = name;
    if (n === undefined) {
      const base = rest.slice(rest.lastIndexOf('/') + 1);
      const dot = base.lastIndexOf('.');
      n = dot > 0 ? base.slice(0, dot) : base;
      if (!PORT_NAME_RE.test(n)) {
        throw badPort(v, `cannot name the port after '${base}' (1–15 letters, digits, '_', '.', '-'): name it with stream:NAME=${rest}`);
      }
    }
    return { kind: 'stream', name: n, path: rest };
  }
  if (v.startsWith('dgram:')) {
    const { name, rest } = splitName(v, v.slice(6), 'dgram');
    const at = rest.indexOf('@');
    if (at < 0) throw badPort(v, `expected dgram:[NAME=][HOST:]PORT@[HOST:]PORT (softbr's local port @ QEMU's port), e.g. dgram:5555@5556`);
    const local = hostPort(v, rest.slice(0, at), 'local');
    const remote = hostPort(v, rest.slice(at + 1), 'remote');
    if (isIPv6(local.host) !== isIPv6(remote.host)) throw badPort(v, 'local and remote addresses must both be IPv4 or both IPv6');
    return { kind: 'dgram', name: name ?? `dgram${local.port}`, host: local.host, port: local.port, remoteHost: remote.host, remotePort: remote.port };
  }
  const tap = v.startsWith('tap:');
  const name = tap ? v.slice(4) : v;
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(name) || name === '.' || name === '..') {
    throw new UserError(`invalid port '${v}': expected ${PORT_SPEC_FORMS}; interface names have 1–15 characters`);
  }
  return { kind: tap ? 'tap' : 'dev', name };
}
