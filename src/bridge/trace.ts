// Forwarding trace: what the bridge would do *now* with a frame (in port, source, destination,
// VLAN, EtherType) and why, step by step along the pipeline of Bridge.receive(). Strictly
// read-only: it learns nothing, counts nothing and does not touch FDB `used` times (it reads with
// fdb.get(), never lookup()/learn()). Keep it in step with Bridge.receive() when that changes.
import type { Bridge } from './bridge.js';
import type { BridgePort, DropReason } from './port.js';
import { PORT_FORWARDING, PORT_LEARNING, PORT_DISABLED, PORT_STATE_NAMES } from '../stp/port-state.js';
import { formatMac, isMulticast, MAC_BROADCAST, MAC_STP } from '../frame/mac.js';
import type { FdbEntry } from '../fdb/fdb.js';

export interface TraceInput {
  /** Name of the port the frame arrives on (the host port is named like the bridge). */
  inPort: string;
  /** Source and destination MACs as 48-bit numbers. */
  src: number;
  dst: number;
  /** 802.1Q VLAN id when the frame is tagged. */
  vlan?: number;
  /** EtherType of the payload (informational: a bridge forwards on addresses). Default 0x0800. */
  etherType?: number;
}

/** One step of the pipeline: ok false means the frame stopped here. */
export interface TraceStep {
  step: 'ingress' | 'validate' | 'link-local' | 'port-state' | 'vlan' | 'learn' | 'lookup' | 'flood' | 'egress';
  ok: boolean;
  text: string;
}

export type LearnOutcome =
  | 'new' | 'refresh' | 'move' | 'pinned' | 'static-here'
  | 'refused-port-limit' | 'refused-table-full' | 'hub' | 'learning-off';

export interface TraceLearn {
  outcome: LearnOutcome;
  mac: string;
  vid: number;
  /** For 'move': the port the MAC would move from; for 'pinned': the port it stays on. */
  from?: string;
  /** For 'new' under evict-oldest with a full table: the entry that would be evicted. */
  evicts?: { mac: string; vid: number; port: string };
}

export interface TraceLookup {
  mac: string;
  vid: number;
  hit: boolean;
  port?: string;
  kind?: FdbEntry['kind'];
  /** Seconds since the entry was last refreshed (learned) or created (static/local). */
  ageSec?: number;
  /** Seconds until a learned entry expires. */
  expiresInSec?: number;
  /** An entry exists but has expired and will be collected: treated as a miss. */
  expired?: boolean;
}

export interface TraceFloodPort {
  port: string;
  no: number;
  included: boolean;
  reason: string;
}

export interface TraceResult {
  bridge: string;
  frame: {
    inPort: string;
    src: string;
    dst: string;
    vlan: number | null;
    etherType: number;
    /** What the destination address is. */
    dstClass: 'unicast' | 'broadcast' | 'multicast' | 'link-local';
    /** Length of the frame the trace assumes (minimum Ethernet frame, without FCS). */
    length: number;
  };
  /** VLAN the bridge would learn and look up in (0 without VLAN filtering). */
  vid: number;
  steps: TraceStep[];
  learn: TraceLearn | null;
  lookup: TraceLookup | null;
  flood: { kind: 'unknown-unicast' | 'broadcast' | 'multicast'; ports: TraceFloodPort[] } | null;
  /** forward: one egress port; flood: the flood set; drop: nowhere; stp: consumed by the STP engine. */
  verdict: 'forward' | 'flood' | 'drop' | 'stp';
  /** The drop counter that would count the frame (port label reason), or null. */
  dropReason: DropReason | null;
  /** One-line explanation of the verdict. */
  reason: string;
  /** Ports the frame would be sent on. */
  egress: string[];
}

const sec = (ms: number) => Math.round(ms) / 1000;

function stateName(s: number): string { return PORT_STATE_NAMES[s] ?? `state ${s}`; }

/** Explains what `bridge` would do with the frame now. Throws RangeError on a bad input. */
export function traceFrame(bridge: Bridge, input: TraceInput): TraceResult {
  const { src, dst } = input;
  for (const [what, v] of [['source', src], ['destination', dst]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > MAC_BROADCAST) throw new RangeError(`${what} MAC ${v}: not a 48-bit address`);
  }
  if (input.vlan !== undefined && (!Number.isInteger(input.vlan) || input.vlan < 0 || input.vlan > 4095)) {
    throw new RangeError(`vlan ${input.vlan}: allowed 0–4095`);
  }
  const etherType = input.etherType ?? 0x0800;
  if (!Number.isInteger(etherType) || etherType < 0 || etherType > 0xffff) throw new RangeError(`ethertype ${etherType}: allowed 0–0xffff`);

  const fdb = bridge.fdb;
  const now = bridge.clock.now();
  const steps: TraceStep[] = [];
  const linkLocal = dst >= MAC_STP && dst <= MAC_STP + 15;
  const dstClass = dst === MAC_BROADCAST ? 'broadcast' : linkLocal ? 'link-local' : isMulticast(dst) ? 'multicast' : 'unicast';
  const r: TraceResult = {
    bridge: bridge.name,
    frame: {
      inPort: input.inPort, src: formatMac(src), dst: formatMac(dst), vlan: input.vlan ?? null, etherType,
      dstClass, length: input.vlan !== undefined ? 64 : 60,
    },
    vid: 0, steps, learn: null, lookup: null, flood: null,
    verdict: 'drop', dropReason: null, reason: '', egress: [],
  };
  const stop = (step: TraceStep['step'], text: string, dropReason: DropReason | null, reason: string, verdict: TraceResult['verdict'] = 'drop'): TraceResult => {
    steps.push({ step, ok: false, text });
    r.verdict = verdict;
    r.dropReason = dropReason;
    r.reason = reason;
    return r;
  };
  const portName = (no: number) => bridge.ports[no]?.name ?? `port ${no}`;

  // ---- ingress: which port, is it receiving at all
  const port = bridge.portByName(input.inPort);
  if (!port) {
    const names = bridge.allPorts().map((p) => p.name).join(', ');
    return stop('ingress', `${input.inPort} is not a port of ${bridge.name} (ports: ${names || 'none'})`, null, `no port ${input.inPort}`);
  }
  const where = `${port.name} is ${port.isHost ? 'the host port' : `port ${port.no}`}`;
  if (!port.up) {
    return stop('ingress', `${where} and it is down${port.downReason ? ` (${port.downReason})` : ''}: nothing is received on it`, null, `ingress port ${port.name} is down`);
  }
  steps.push({ step: 'ingress', ok: true, text: `${where}, up, ${stateName(port.state)}` });

  // ---- 1 validate (the trace's frame has a valid length by construction)
  if (src === 0) return stop('validate', 'the source address is all zeros, which no station may send from', 'malformed', 'invalid source address (malformed)');
  if (isMulticast(src)) return stop('validate', `the source ${formatMac(src)} is a group address, which no station may send from`, 'malformed', 'group source address (malformed)');
  steps.push({ step: 'validate', ok: true, text: `unicast source, ${dstClass} destination, ${r.frame.length} bytes` });

  // ---- 2 link-local group addresses 01:80:c2:00:00:0X
  if (linkLocal) {
    const bit = dst - MAC_STP;
    if (bit === 0) {
      if (bridge.stp.enabled) {
        const text = port.state !== PORT_DISABLED && !port.isHost
          ? '01:80:c2:00:00:00 is the STP group address and STP is on: the frame goes to the STP engine as a BPDU, never forwarded'
          : `01:80:c2:00:00:00 is the STP group address; STP is on but ${port.isHost ? 'this is the host port' : 'the port is disabled'}, so it is ignored`;
        return stop('link-local', text, null, 'consumed by STP (not forwarded)', 'stp');
      }
      steps.push({ step: 'link-local', ok: true, text: '01:80:c2:00:00:00 with STP off: forwarded like any multicast (as the kernel does), so loops stay visible to others' });
    } else if (bit === 1) {
      return stop('link-local', '01:80:c2:00:00:01 is the MAC control (PAUSE) address: never forwarded', 'link_local', 'link-local PAUSE address (link_local)');
    } else if (((bridge.groupFwdMask >>> bit) & 1) === 0) {
      return stop('link-local', `${formatMac(dst)} is an IEEE link-local address and group_fwd_mask bit ${bit} is off`, 'link_local', 'link-local group address not forwarded (link_local)');
    } else {
      steps.push({ step: 'link-local', ok: true, text: `${formatMac(dst)} is link-local but group_fwd_mask bit ${bit} is on: forwarded` });
    }
  }

  // ---- 3 port state
  const state = port.state;
  if (state !== PORT_FORWARDING && state !== PORT_LEARNING) {
    return stop('port-state', `${port.name} is ${stateName(state)}: it neither learns nor forwards (only BPDUs are processed)`, 'stp_blocked', `ingress port ${stateName(state)} (stp_blocked)`);
  }
  let vid = 0;
  if (bridge.vlanFiltering) {
    vid = input.vlan !== undefined ? input.vlan : port.pvid;
    const how = input.vlan !== undefined ? `tagged VLAN ${vid}` : `untagged: pvid ${vid}`;
    if (port.vlans !== null && port.vlans[vid] !== 1) {
      r.vid = vid;
      return stop('vlan', `${how}, and ${port.name} is not a member of VLAN ${vid}`, 'vlan', `ingress port not in VLAN ${vid} (vlan)`);
    }
    steps.push({ step: 'vlan', ok: true, text: `${how}; ${port.name} is a member` });
  } else if (input.vlan !== undefined) {
    steps.push({ step: 'vlan', ok: true, text: `VLAN filtering is off: the tag (VLAN ${input.vlan}) is carried but ignored, one table (vid 0)` });
  }
  r.vid = vid;

  // ---- 4 learn (mirrors Fdb.learn without calling it)
  const learn = traceLearn(bridge, port, vid, src, now, portName);
  r.learn = learn.result;
  steps.push({ step: 'learn', ok: learn.result.outcome !== 'refused-port-limit', text: learn.text });
  if (learn.result.outcome === 'refused-port-limit') {
    r.verdict = 'drop'; r.dropReason = 'limit';
    r.reason = `port ${port.name} reached its limit of ${fdb.perPortLimit} learned MACs (limit)`;
    return r;
  }
  if (state === PORT_LEARNING) {
    return stop('port-state', `${port.name} is learning: it learns sources but forwards nothing yet`, 'stp_blocked', 'ingress port learning (stp_blocked)');
  }

  // ---- 5 decide
  if (isMulticast(dst)) {
    const kind = dst === MAC_BROADCAST ? 'broadcast' : 'multicast';
    steps.push({ step: 'lookup', ok: true, text: `${formatMac(dst)} is ${kind === 'broadcast' ? 'the broadcast address' : 'a multicast address'}: flooded, no FDB lookup` });
    return floodTrace(bridge, r, port, vid, kind);
  }
  const e = fdb.get(vid, dst);
  const expired = e !== undefined && e.kind === 'learned' && e.updated + fdb.effectiveAgeingMs <= now;
  if (e === undefined || expired) {
    r.lookup = { mac: formatMac(dst), vid, hit: false, ...(expired ? { expired: true, port: portName(e!.port) } : {}) };
    steps.push({
      step: 'lookup', ok: true,
      text: expired
        ? `${formatMac(dst)} (vid ${vid}) was on ${portName(e!.port)} but its entry expired ${sec(now - e!.updated - fdb.effectiveAgeingMs)} s ago: unknown unicast, flooded`
        : `${formatMac(dst)} (vid ${vid}) is not in the FDB: unknown unicast, flooded`,
    });
    return floodTrace(bridge, r, port, vid, 'unknown-unicast');
  }
  const out = e.kind === 'local' ? 0 : e.port;
  const ageMs = now - e.updated;
  r.lookup = {
    mac: formatMac(dst), vid, hit: true, port: e.kind === 'local' ? (bridge.ports[0]?.name ?? bridge.name) : portName(e.port),
    kind: e.kind, ageSec: sec(ageMs),
    ...(e.kind === 'learned' ? { expiresInSec: sec(e.updated + fdb.effectiveAgeingMs - now) } : {}),
  };
  const entryText = e.kind === 'learned'
    ? `learned on ${portName(e.port)} ${sec(ageMs)} s ago, expires in ${r.lookup.expiresInSec} s`
    : e.kind === 'static' ? `static entry on ${portName(e.port)}` : `local address of ${portName(e.port)}: for the bridge itself (host port)`;
  steps.push({ step: 'lookup', ok: true, text: `${formatMac(dst)} (vid ${vid}) is known: ${entryText}` });
  if (out === port.no && !port.hairpin) {
    return stop('egress', `the destination is on ${port.name}, the port the frame came in on, and hairpin is off`, 'filtered', 'destination on the ingress port (filtered)');
  }
  // ---- 6 egress
  const eg = bridge.ports[out];
  if (eg === undefined) return stop('egress', out === 0 ? `${bridge.name} has no host port to deliver local frames to` : `port ${out} no longer exists`, 'filtered', 'egress port missing (filtered)');
  if (!eg.up) return stop('egress', `${eg.name} is down${eg.downReason ? ` (${eg.downReason})` : ''}`, 'filtered', `egress port ${eg.name} down (filtered)`);
  if (eg.state !== PORT_FORWARDING) return stop('egress', `${eg.name} is ${stateName(eg.state)}, not forwarding`, 'filtered', `egress port ${eg.name} not forwarding (filtered)`);
  if (bridge.vlanFiltering && eg.vlans !== null && eg.vlans[vid] !== 1) {
    return stop('egress', `${eg.name} is not a member of VLAN ${vid}`, 'vlan', `egress port not in VLAN ${vid} (vlan)`);
  }
  steps.push({ step: 'egress', ok: true, text: `${eg.name} is up and forwarding${eg === port ? ' (hairpin on)' : ''}: sent there` });
  r.verdict = 'forward';
  r.egress = [eg.name];
  r.reason = out === 0 && e.kind === 'local' ? `to the bridge itself via ${eg.name}` : `known destination on ${eg.name}`;
  return r;
}

function traceLearn(bridge: Bridge, port: BridgePort, vid: number, src: number, now: number, portName: (no: number) => string): { result: TraceLearn; text: string } {
  const fdb = bridge.fdb;
  const mac = formatMac(src);
  const res = (outcome: LearnOutcome, extra: Partial<TraceLearn> = {}): TraceLearn => ({ outcome, mac, vid, ...extra });
  if (!port.learning) return { result: res('learning-off'), text: `learning is off on ${port.name}: ${mac} is not learned` };
  const e = fdb.get(vid, src);
  let replacing = false;
  if (e !== undefined) {
    if (e.kind !== 'learned') {
      if (e.port === port.no) return { result: res('static-here'), text: `${mac} is a ${e.kind} entry on ${port.name}: nothing to learn` };
      return { result: res('pinned', { from: portName(e.port) }), text: `${mac} is a ${e.kind} entry on ${portName(e.port)}: it stays there (static wins), the frame is still forwarded` };
    }
    if (e.updated + fdb.effectiveAgeingMs > now) {
      if (e.port === port.no) return { result: res('refresh'), text: `${mac} is already learned on ${port.name} (${sec(now - e.updated)} s ago): its age is refreshed` };
      if (fdb.perPortLimit > 0 && fdb.portCount(port.no) >= fdb.perPortLimit) {
        return { result: res('refused-port-limit', { from: portName(e.port) }), text: `${mac} would move from ${portName(e.port)}, but ${port.name} already has ${fdb.portCount(port.no)} learned MACs (limit ${fdb.perPortLimit}): frame dropped` };
      }
      return { result: res('move', { from: portName(e.port) }), text: `${mac} moves from ${portName(e.port)} to ${port.name}` };
    }
    replacing = true; // expired, not yet collected: learn() forgets it and learns afresh
  }
  const was = replacing ? ` (its entry on ${portName(e!.port)} had expired: it counts as aged and is learned afresh)` : '';
  if (fdb.effectiveAgeingMs <= 0) return { result: res('hub'), text: `ageing time is 0 (hub mode): ${mac} is not remembered` };
  if (fdb.perPortLimit > 0 && fdb.portCount(port.no) - (replacing && e!.port === port.no ? 1 : 0) >= fdb.perPortLimit) {
    return { result: res('refused-port-limit'), text: `${port.name} already has ${fdb.portCount(port.no)} learned MACs (limit ${fdb.perPortLimit}): ${mac} is not learned and the frame is dropped` };
  }
  if (fdb.learnedCount - (replacing ? 1 : 0) >= fdb.maxEntries) {
    if (fdb.policy === 'refuse-new') {
      return { result: res('refused-table-full'), text: `the FDB is full (${fdb.maxEntries} learned entries, policy refuse-new): ${mac} is not learned, the frame is still forwarded` };
    }
    // evict-oldest takes the head of the update-ordered list: the learned entry updated longest ago
    let oldest: FdbEntry | undefined;
    for (const x of fdb.entries()) if (x.kind === 'learned' && (oldest === undefined || x.updated < oldest.updated)) oldest = x;
    const evicts = oldest ? { mac: formatMac(oldest.mac), vid: oldest.vid, port: portName(oldest.port) } : undefined;
    return {
      result: res('new', evicts ? { evicts } : {}),
      text: `${mac} is new on ${port.name}${was}; the FDB is full (${fdb.maxEntries}), so ${evicts ? `${evicts.mac} on ${evicts.port}` : 'the oldest entry'} is evicted`,
    };
  }
  return { result: res('new'), text: `${mac} is new: learned on ${port.name} (vid ${vid})${was}` };
}

function floodTrace(bridge: Bridge, r: TraceResult, ingress: BridgePort, vid: number, kind: 'unknown-unicast' | 'broadcast' | 'multicast'): TraceResult {
  const ports: TraceFloodPort[] = [];
  for (const p of bridge.allPorts()) {
    let why = '';
    if (p === ingress && !p.hairpin) why = 'ingress port';
    else if (!p.up) why = `down${p.downReason ? ` (${p.downReason})` : ''}`;
    else if (p.state !== PORT_FORWARDING) why = `not forwarding (${stateName(p.state)})`;
    else if (kind === 'unknown-unicast' && !p.floodUnicast) why = 'flood flag off';
    else if (kind === 'broadcast' && !p.floodBroadcast) why = 'bcast_flood flag off';
    else if (kind === 'multicast' && !p.floodMulticast) why = 'mcast_flood flag off';
    else if (bridge.vlanFiltering && p.vlans !== null && p.vlans[vid] !== 1) why = `not a member of VLAN ${vid}`;
    ports.push({ port: p.name, no: p.no, included: why === '', reason: why === '' ? (p === ingress ? 'ingress port, hairpin on' : 'forwarding') : why });
  }
  r.flood = { kind, ports };
  r.egress = ports.filter((p) => p.included).map((p) => p.port);
  const n = r.egress.length;
  r.steps.push({ step: 'flood', ok: n > 0, text: `${kind} flood to ${n} of ${ports.length} ports` });
  r.verdict = 'flood';
  r.reason = n > 0 ? `${kind} flooded to ${r.egress.join(', ')}` : `${kind} flooded, but no port qualifies: the frame goes nowhere`;
  return r;
}

/** The human form of a trace (`softbr trace` without --json). */
export function formatTrace(t: TraceResult): string {
  const f = t.frame;
  const lines: string[] = [];
  const type = `0x${f.etherType.toString(16).padStart(4, '0')}`;
  lines.push(`trace ${t.bridge}: ${f.src} > ${f.dst}${f.vlan !== null ? ` vlan ${f.vlan}` : ''} ethertype ${type} in ${f.inPort}`);
  const w = Math.max(...t.steps.map((s) => s.step.length));
  for (const s of t.steps) {
    lines.push(`  ${s.ok ? ' ' : '✗'} ${s.step.padEnd(w)}  ${s.text}`);
    if (s.step === 'flood' && t.flood) {
      const pw = Math.max(...t.flood.ports.map((p) => p.port.length));
      for (const p of t.flood.ports) {
        lines.push(`    ${' '.repeat(w)}  ${p.included ? '+' : '-'} ${p.port.padEnd(pw)}  ${p.included ? 'included' : 'excluded'}: ${p.reason}`);
      }
    }
  }
  const to = t.egress.length ? ` → ${t.egress.join(', ')}` : '';
  const verdict = t.verdict === 'drop' ? `drop${t.dropReason ? ` (counted as ${t.dropReason})` : ''}` : t.verdict;
  lines.push(`verdict: ${verdict}${to}: ${t.reason}`);
  return lines.join('\n') + '\n';
}
