// The daemon's observation verbs: `trace` (what would the bridge do with this frame, read-only) and
// `capture` (stream a port's frames to the client as events until a count or duration is reached,
// the client asks to stop, or it disconnects). daemon.handle() delegates here first.
import type { Daemon, ManagedBridge } from './daemon.js';
import type { Request } from './protocol.js';
import { UserError } from './protocol.js';
import type { Session } from './server.js';
import { macArg, numIn, str } from './args.js';
import type { BridgePort } from '../bridge/port.js';
import { traceFrame, type TraceResult } from '../bridge/trace.js';
import { Capture, type CaptureResult } from '../capture/capture.js';
import { DIRECTIONS, type Direction } from '../capture/ring.js';
import { PCAP_SNAPLEN } from '../capture/pcap.js';

/** handleObserve's answer for commands it does not own: the caller goes on to its own switch. */
export const NOT_MINE: unique symbol = Symbol('not-mine');

/** Stream events of a capture, as sent with session.event(req.id, …). */
export type CaptureEvent =
  | { type: 'started'; bridge: string; port: string; direction: Direction; count: number; duration: number; snaplen: number }
  /** ts: wall-clock ms with µs fraction; len: length on the wire; data: captured bytes, base64. */
  | { type: 'frame'; ts: number; dir: 'in' | 'out'; len: number; data: string };

const ETHERTYPE_NAMES: Record<string, number> = { ipv4: 0x0800, ip: 0x0800, arp: 0x0806, ipv6: 0x86dd, vlan: 0x8100, lldp: 0x88cc };

/** An EtherType from a number, `0x0800`, `2048` or a name (ipv4, arp, ipv6, vlan, lldp). */
export function parseEtherType(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return v;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  const named = ETHERTYPE_NAMES[s];
  if (named !== undefined) return named;
  const n = /^0x[0-9a-f]{1,4}$/.test(s) ? parseInt(s, 16) : /^\d{1,5}$/.test(s) ? Number(s) : NaN;
  if (!(n >= 0 && n <= 0xffff)) {
    throw new UserError(`invalid ethertype '${String(v)}': expected 0x0000–0xffff (e.g. 0x0800), a decimal number, or one of ${Object.keys(ETHERTYPE_NAMES).join(', ')}`);
  }
  return n;
}

export function parseDirection(v: unknown): Direction {
  if (v === undefined) return 'both';
  if (typeof v !== 'string' || !DIRECTIONS.includes(v as Direction)) {
    throw new UserError(`invalid direction '${String(v)}': allowed ${DIRECTIONS.join(', ')}`);
  }
  return v as Direction;
}

/** A port of the bridge by name, including the host port (named like the bridge). */
function anyPort(m: ManagedBridge, name: string, what: string): BridgePort {
  const p = m.bridge.portByName(name.startsWith('tap:') ? name.slice(4) : name);
  if (!p) {
    const names = m.bridge.allPorts().map((x) => x.name).join(', ');
    throw new UserError(`${what} ${name} is not a port of bridge ${m.bridge.name} (ports: ${names || 'none'})`);
  }
  return p;
}

/** Bytes of events queued for a client beyond which a capture stops draining (see paused). */
const MAX_BACKLOG = 8 << 20;

/**
 * Bytes written to the client's socket and not yet sent, when the session exposes it
 * (Session.backlog, i.e. socket.writableLength); 0 when it does not.
 */
function backlogOf(session: Session): number {
  const b = (session as Session & { readonly backlog?: number }).backlog;
  return typeof b === 'number' ? b : 0;
}

/** Captures running per control connection, by request id (for capture-stop and disconnects). */
const running = new WeakMap<Session, Map<number, Capture>>();

/**
 * Handles `trace`, `capture` and `capture-stop`; returns NOT_MINE for anything else (synchronously,
 * so the daemon can fall through without awaiting).
 */
export function handleObserve(daemon: Daemon, req: Request, session: Session): Promise<unknown> | typeof NOT_MINE {
  switch (req.cmd) {
    case 'trace': return Promise.resolve().then(() => trace(daemon, req.args ?? {}));
    case 'capture': return capture(daemon, req, session);
    case 'capture-stop': return Promise.resolve().then(() => captureStop(req.args ?? {}, session));
    default: return NOT_MINE;
  }
}

function trace(daemon: Daemon, a: Record<string, unknown>): TraceResult {
  const m = daemon.get(a['bridge']);
  const port = anyPort(m, str(a, 'in', 'ingress port (--in)'), 'ingress port');
  const src = macArg(a['src']);
  const dst = macArg(a['dst']);
  const vlan = a['vlan'] === undefined || a['vlan'] === null ? undefined : numIn(a['vlan'], 'vlan', 0, 4095, true);
  const etherType = a['etherType'] === undefined || a['etherType'] === null ? undefined : parseEtherType(a['etherType']);
  return traceFrame(m.bridge, { inPort: port.name, src, dst, vlan, etherType });
}

async function capture(daemon: Daemon, req: Request, session: Session): Promise<CaptureResult> {
  const a = req.args ?? {};
  const m = daemon.get(a['bridge']);
  const port = anyPort(m, str(a, 'port'), 'interface');
  const direction = parseDirection(a['direction']);
  const count = a['count'] === undefined || a['count'] === null ? 0 : numIn(a['count'], 'count', 1, 1e9, true);
  const duration = a['duration'] === undefined || a['duration'] === null ? 0 : numIn(a['duration'], 'duration', 0.001, 31_536_000);
  const snaplen = a['snaplen'] === undefined || a['snaplen'] === null ? PCAP_SNAPLEN : numIn(a['snaplen'], 'snaplen', 14, PCAP_SNAPLEN, true);
  const bridge = m.bridge;
  let cap: Capture;
  try {
    cap = new Capture(port, {
      direction, count, snaplen, durationMs: duration * 1000,
      // ends the stream when the port or its bridge goes away under the capture
      alive: () => bridge.ports[port.no] === port && daemon.bridges.get(bridge.name) === m,
      // a client that reads slower than the port carries traffic: stop draining while its socket
      // holds more than MAX_BACKLOG bytes, so the ring drops (and counts) instead of memory growing
      paused: () => backlogOf(session) > MAX_BACKLOG,
    }, (f) => {
      session.event(req.id, { type: 'frame', ts: f.tsMs, dir: f.dir, len: f.origLen, data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64') } satisfies CaptureEvent);
    });
  } catch (e) {
    // too many captures on the port (MAX_CAPTURES_PER_PORT) or a bad option: the message says which
    if (e instanceof RangeError) throw new UserError(e.message);
    throw e;
  }
  let mine = running.get(session);
  if (!mine) { mine = new Map(); running.set(session, mine); }
  mine.set(req.id, cap);
  session.event(req.id, { type: 'started', bridge: bridge.name, port: port.name, direction, count, duration, snaplen } satisfies CaptureEvent);
  // a client that goes away takes its capture with it: detach the hook at once
  session.onClose(() => { void cap.stop('stopped'); });
  try {
    return await cap.done;
  } finally {
    mine.delete(req.id);
  }
}

function captureStop(a: Record<string, unknown>, session: Session): { stopped: number } {
  const mine = running.get(session);
  if (!mine) return { stopped: 0 };
  const id = a['id'] === undefined || a['id'] === null ? undefined : numIn(a['id'], 'capture id', 0, Number.MAX_SAFE_INTEGER, true);
  let n = 0;
  for (const [rid, cap] of [...mine]) {
    if (id !== undefined && rid !== id) continue;
    void cap.stop('stopped');
    n++;
  }
  return { stopped: n };
}
