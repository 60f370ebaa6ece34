// Pieces of port-spec syntax more than one kind uses: `[NAME=]` before the address, `[HOST:]PORT`
// addresses, unix socket paths and interface names. Errors name the whole spec and the part that is wrong.
import { isIPv4, isIPv6 } from 'node:net';
import { isName, isInterfaceName, NAME_MAX, NAME_RULE } from '../../bridge/names.js';
import { badPort, portSpecForms } from './registry.js';

/** MTU limits: the IPv4 minimum; jumbo frames on TAP/AF_PACKET devices; socket ports carry up to the 64 KiB framing limit. */
export const MTU_MIN = 68;
export const MTU_MAX_DEVICE = 9000;
export const MTU_MAX_SOCKET = 65535;

/**
 * A trailing `,mtu=N` (N in MTU_MIN..max) split off REST: the one syntax every kind with an MTU
 * option uses (`tap:tap0,mtu=9000`, `stream:/run/vm1.sock,mtu=65535`).
 */
export function takeMtu(spec: string, rest: string, max: number): { rest: string; mtu: number | undefined } {
  const i = rest.lastIndexOf(',mtu=');
  if (i < 0) return { rest, mtu: undefined };
  return { rest: rest.slice(0, i), mtu: mtuValue(spec, rest.slice(i + 5), max) };
}

/** A trailing `,KEY=on|off` split off REST (`vhost-user:/run/vm1.sock,offload=off`); undefined when absent. */
export function takeOnOff(spec: string, rest: string, key: string): { rest: string; on: boolean | undefined } {
  const i = rest.lastIndexOf(`,${key}=`);
  if (i < 0) return { rest, on: undefined };
  const v = rest.slice(i + key.length + 2);
  if (v !== 'on' && v !== 'off') throw badPort(spec, `${key} '${v}' must be on or off`);
  return { rest: rest.slice(0, i), on: v === 'on' };
}

/** An MTU option's value, checked against MTU_MIN..max. */
export function mtuValue(spec: string, v: string, max: number): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) < MTU_MIN || Number(v) > max) throw badPort(spec, `mtu '${v}' is not a number from ${MTU_MIN} to ${max}`);
  return Number(v);
}

/** `[NAME=]REST` → the user's port name (validated) and REST. */
export function splitName(spec: string, body: string, word: string): { name: string | undefined; rest: string } {
  const eq = body.indexOf('=');
  if (eq < 0) return { name: undefined, rest: body };
  const name = body.slice(0, eq);
  // an '=' inside a path (after a '/') is part of the path
  if (name.includes('/')) return { name: undefined, rest: body };
  if (!isName(name)) throw badPort(spec, `port name '${name}' must be ${NAME_RULE} (${word}:NAME=…)`);
  return { name, rest: body.slice(eq + 1) };
}

function ipPort(spec: string, s: string, what: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw badPort(spec, `${what} '${s}' is not a port number from 1 to 65535`);
  return Number(s);
}

// sun_path holds 107 bytes and a NUL
const SUN_PATH_MAX = 107;

/**
 * A unix socket PATH after `WORD:[NAME=]`, and the port's name: NAME if given, else the file name
 * without its extension (`/run/vm1.sock` → `vm1`).
 */
export function unixSocketSpec(spec: string, name: string | undefined, path: string, word: string, example: string): { name: string; path: string } {
  if (!path.startsWith('/')) throw badPort(spec, `expected an absolute socket path (${example}) after '${word}:'`);
  if (path.endsWith('/') || path.includes('\0')) throw badPort(spec, `'${path}' is not a socket file path`);
  const bytes = Buffer.byteLength(path);
  if (bytes > SUN_PATH_MAX) throw badPort(spec, `socket path is ${bytes} bytes long; unix sockets allow at most ${SUN_PATH_MAX}`);
  if (name !== undefined) return { name, path };
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const derived = dot > 0 ? base.slice(0, dot) : base;
  if (!isName(derived)) {
    throw badPort(spec, `cannot name the port after '${base}' (${NAME_RULE}): name it with ${word}:NAME=${path}`);
  }
  return { name: derived, path };
}

/** `[HOST:]PORT` or `[V6HOST]:PORT`; HOST is an IP address, default 127.0.0.1. */
export function hostPort(spec: string, s: string, what: string): { host: string; port: number } {
  let host = '127.0.0.1';
  let port = s;
  const m = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (m) {
    host = m[1]!;
    port = m[2]!;
    if (!isIPv6(host)) throw badPort(spec, `${what} host '${host}' is not an IPv6 address`);
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    port = s.slice(i + 1);
    if (!isIPv4(host)) throw badPort(spec, `${what} host '${host}' is not an IP address (write IPv6 as [ADDR]:PORT; names are not resolved)`);
  }
  return { host, port: ipPort(spec, port, `${what} port`) };
}

/** The NAME of `tap:NAME` or of an existing netdev. */
export function interfaceName(spec: string, name: string): string {
  if (!isInterfaceName(name)) throw badPort(spec, `expected ${portSpecForms()}; interface names have 1–${NAME_MAX} characters`);
  return name;
}
