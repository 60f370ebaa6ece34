// The daemon's observation verbs: `trace` (what would the bridge do with this frame, read-only),
// `capture` (stream a port's frames to the client as events until a count or duration is reached,
// the client asks to stop, or it disconnects), `capture-stop`, and `monitor` (stream every
// bridge event until the client goes away).
import type { ManagedBridge } from './daemon.js';
import { UserError } from './protocol.js';
import { STREAMING, type Session } from './server.js';
import { registerCommand } from './commands.js';
import { macArg, numIn, str, vlanArg } from './args.js';
import { parseDirection, parseEtherType } from './observe-args.js';
import type { CaptureEvent } from './wire-types.js';
import type { BridgePort } from '../bridge/port.js';
import type { BridgeEvent } from '../bridge/events.js';
import { traceFrame } from '../bridge/trace.js';
import type { TunnelPort } from '../ports/vxlan.js';
import { Capture, type CaptureResult } from '../capture/capture.js';
import { PCAP_SNAPLEN } from '../capture/pcap.js';

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
const running = new WeakMap<Session, Map<number, { stop(): void }>>();

registerCommand('trace', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const port = anyPort(m, str(a, 'in', 'ingress port (--in)'), 'ingress port');
  const src = macArg(a['src']);
  const dst = macArg(a['dst']);
  const vlan = a['vlan'] === undefined || a['vlan'] === null ? undefined : vlanArg(a['vlan']);
  const etherType = a['etherType'] === undefined || a['etherType'] === null ? undefined : parseEtherType(a['etherType']);
  const t = traceFrame(m.bridge, { inPort: port.name, src, dst, vlan, etherType });
  const tunnels = [];
  for (const name of t.egress) {
    const tunnel = (m.bridge.portByName(name)?.io as Partial<TunnelPort> | undefined)?.tunnel;
    if (tunnel !== undefined) tunnels.push({ port: name, ...tunnel.egressFor(dst) });
  }
  return tunnels.length > 0 ? { ...t, tunnels } : t;
});

registerCommand('capture', async ({ daemon, args: a, req, session }) => {
  const m = daemon.get(a['bridge']);
  // no port: every port of the bridge (the host port too), each frame tagged with its port
  const all = a['port'] === undefined || a['port'] === null;
  const ports = all ? m.bridge.allPorts() : [anyPort(m, str(a, 'port'), 'interface')];
  if (ports.length === 0) throw new UserError(`bridge ${m.bridge.name} has no ports to capture on`);
  const direction = parseDirection(a['direction']);
  const count = a['count'] === undefined || a['count'] === null ? 0 : numIn(a['count'], 'count', 1, 1e9, true);
  const duration = a['duration'] === undefined || a['duration'] === null ? 0 : numIn(a['duration'], 'duration', 0.001, 31_536_000);
  const snaplen = a['snaplen'] === undefined || a['snaplen'] === null ? PCAP_SNAPLEN : numIn(a['snaplen'], 'snaplen', 14, PCAP_SNAPLEN, true);
  const bridge = m.bridge;
  const caps: Capture[] = [];
  let total = 0;
  let first: CaptureResult | undefined;
  const stopAll = (why: 'count' | 'stopped') => { for (const c of caps) void c.stop(why); };
  const group = { stop: () => { stopAll('stopped'); } };
  try {
    for (const port of ports) {
      const name = port.name;
      caps.push(new Capture(port, {
        // one port's count is the whole capture's when it is the only one; across ports the handler counts
        direction, count: all ? 0 : count, snaplen, durationMs: duration * 1000,
        // ends the stream when the port or its bridge goes away under the capture
        alive: () => bridge.ports[port.no] === port && daemon.bridges.get(bridge.name) === m,
        // a client that reads slower than the port carries traffic: stop draining while its socket
        // holds more than MAX_BACKLOG bytes, so the ring drops (and counts) instead of memory growing
        paused: () => backlogOf(session) > MAX_BACKLOG,
      }, (f) => {
        if (all && count > 0 && total >= count) return;
        total++;
        const data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64');
        session.event(req.id, (all ? { type: 'frame', ts: f.tsMs, dir: f.dir, len: f.origLen, data, port: name } : { type: 'frame', ts: f.tsMs, dir: f.dir, len: f.origLen, data }) satisfies CaptureEvent);
        if (all && count > 0 && total >= count) setImmediate(() => stopAll('count'));
      }));
    }
  } catch (e) {
    stopAll('stopped');
    throw e;
  }
  let mine = running.get(session);
  if (!mine) { mine = new Map(); running.set(session, mine); }
  mine.set(req.id, group);
  session.event(req.id, { type: 'started', bridge: bridge.name, port: all ? '*' : ports[0]!.name, direction, count, duration, snaplen } satisfies CaptureEvent);
  // a client that goes away takes its capture with it: detach the hooks at once
  session.onClose(() => { stopAll('stopped'); });
  try {
    const results = await Promise.all(caps.map(async (c) => {
      const r = await c.done;
      first ??= r;
      // one port gone (or the count reached) ends the others too
      stopAll(r.reason === 'count' ? 'count' : 'stopped');
      return r;
    }));
    const r0 = first ?? results[0]!;
    return { ...r0, captured: all ? total : r0.captured, dropped: results.reduce((n, r) => n + r.dropped, 0) } satisfies CaptureResult;
  } finally {
    mine.delete(req.id);
  }
});

registerCommand('capture-stop', ({ args: a, session }) => {
  const mine = running.get(session);
  if (!mine) return { stopped: 0 };
  const id = a['id'] === undefined || a['id'] === null ? undefined : numIn(a['id'], 'capture id', 0, Number.MAX_SAFE_INTEGER, true);
  let n = 0;
  for (const [rid, cap] of [...mine]) {
    if (id !== undefined && rid !== id) continue;
    cap.stop();
    n++;
  }
  return { stopped: n };
});

registerCommand('monitor', ({ daemon, args: a, req, session }) => {
  const only = a['bridge'] === undefined ? undefined : daemon.get(a['bridge']).bridge.name;
  const off = daemon.onEvent((e: BridgeEvent & { time: number }) => { if (!only || e.bridge === only) session.event(req.id, e); });
  session.onClose(off);
  session.event(req.id, { type: 'hello', bridges: [...daemon.bridges.keys()] });
  return STREAMING;
});
