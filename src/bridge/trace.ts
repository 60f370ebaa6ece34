// Forwarding trace: what the bridge would do *now* with a frame (in port, source, destination,
// VLAN, EtherType) and why, step by step along the pipeline of Bridge.receive(). It decides with
// the very predicates Bridge.receive() uses (ingress.ts, egress.ts) and asks the FDB what learn()
// would do (Fdb.learnOutcome), so it cannot disagree with what happens; what it adds is words.
// Strictly read-only: it learns nothing, counts nothing and does not touch FDB `used` times (it
// reads with fdb.get() and fdb.learnOutcome(), never lookup()/learn()).
import type { Bridge } from './bridge.js';
import type { BridgePort, DropReason } from './port.js';
import { PORT_STATE_NAMES } from '../stp/port-state.js';
import { formatMac, isMulticast, MAC_BROADCAST } from '../frame/mac.js';
import {
  type FdbEntry, type LearnPreview, LEARN_REFRESHED, LEARN_NEW, LEARN_MOVED, LEARN_PINNED, LEARN_REFUSED_TABLE, LEARN_REFUSED_PORT, LEARN_HUB,
} from '../fdb/fdb.js';
import {
  sourceInvalid, linkLocalGroup, linkLocalAction, LL_STP, LL_PAUSE, LL_MASKED, bpduAccepted,
  stateReceives, stateForwards, ingressVid, vlanMember,
} from './ingress.js';
import {
  egressCheck, unicastDropReason, groupClass, localInAnyVlan, FLOOD_KIND_NAMES, type FloodKindName,
  CLASS_KNOWN_UNICAST, CLASS_UNKNOWN_UNICAST, CLASS_BROADCAST,
  EG_OK, EG_INGRESS, EG_NO_PORT, EG_DOWN, EG_NOT_FORWARDING, EG_FLOOD_OFF, EG_BCAST_FLOOD_OFF, EG_MCAST_FLOOD_OFF, EG_VLAN, EG_ANALYSER,
} from './egress.js';

const TWO32 = 0x100000000;

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
  flood: { kind: FloodKindName; ports: TraceFloodPort[] } | null;
  /** forward: one egress port; flood: the flood set; drop: nowhere; stp: consumed by the STP engine. */
  verdict: 'forward' | 'flood' | 'drop' | 'stp';
  /** The drop counter that would count the frame (port label reason), or null. */
  dropReason: DropReason | null;
  /** One-line explanation of the verdict. */
  reason: string;
  /** Ports the frame would be sent on. */
  egress: string[];
  /**
   * Set by the daemon for egress ports that are tunnels (VXLAN): the remote endpoints the frame
   * would go to on each, and why (the port's own table decides, as a kernel vxlan device does).
   */
  tunnels?: { port: string; remotes: string[]; why: string }[];
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
  // the MACs as the fast path holds them: hi16 and lo32 as an int32
  const shi = Math.floor(src / TWO32), slo = src | 0;
  const dhi = Math.floor(dst / TWO32), dlo = dst | 0;
  const group = linkLocalGroup(dhi, dlo);
  const cls = isMulticast(dst) ? groupClass(dhi, dlo) : CLASS_KNOWN_UNICAST;
  const dstClass = cls === CLASS_BROADCAST ? 'broadcast' : group >= 0 ? 'link-local' : cls === CLASS_KNOWN_UNICAST ? 'unicast' : 'multicast';
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
  if (sourceInvalid(shi, slo) && src === 0) return stop('validate', 'the source address is all zeros, which no station may send from', 'malformed', 'invalid source address (malformed)');
  if (sourceInvalid(shi, slo)) return stop('validate', `the source ${formatMac(src)} is a group address, which no station may send from`, 'malformed', 'group source address (malformed)');
  steps.push({ step: 'validate', ok: true, text: `unicast source, ${dstClass} destination, ${r.frame.length} bytes` });

  // ---- 2 link-local group addresses 01:80:c2:00:00:0X
  if (group >= 0) {
    const ll = linkLocalAction(group, bridge.stp.enabled, bridge.groupFwdMask);
    if (ll === LL_STP) {
      if (bpduAccepted(port)) {
        return stop('link-local', '01:80:c2:00:00:00 is the STP group address and STP is on: the frame goes to the STP engine as a BPDU, never forwarded', null, 'consumed by STP (not forwarded)', 'stp');
      }
      return stop('link-local', `01:80:c2:00:00:00 is the STP group address; STP is on but ${port.isHost ? 'this is the host port' : 'the port is disabled'}, so the BPDU is dropped`, 'stp_blocked', 'BPDU on a port STP does not read (stp_blocked)');
    }
    if (ll === LL_PAUSE) {
      return stop('link-local', '01:80:c2:00:00:01 is the MAC control (PAUSE) address: never forwarded', 'link_local', 'link-local PAUSE address (link_local)');
    }
    if (ll === LL_MASKED) {
      return stop('link-local', `${formatMac(dst)} is an IEEE link-local address and group_fwd_mask bit ${group} is off`, 'link_local', 'link-local group address not forwarded (link_local)');
    }
    steps.push({
      step: 'link-local', ok: true,
      text: group === 0
        ? '01:80:c2:00:00:00 with STP off: forwarded like any multicast (as the kernel does), so loops stay visible to others'
        : `${formatMac(dst)} is link-local but group_fwd_mask bit ${group} is on: forwarded`,
    });
  }

  // ---- 3 port state
  const state = port.state;
  if (!stateReceives(state)) {
    return stop('port-state', `${port.name} is ${stateName(state)}: it neither learns nor forwards (only BPDUs are processed)`, 'stp_blocked', `ingress port ${stateName(state)} (stp_blocked)`);
  }
  let vid = 0;
  if (bridge.vlanFiltering) {
    vid = ingressVid(input.vlan ?? 0, port);
    const how = input.vlan === undefined ? `untagged: pvid ${vid}` : input.vlan === 0 ? `priority-tagged (VLAN 0): pvid ${vid}` : `tagged VLAN ${vid}`;
    if (!vlanMember(port, vid)) {
      r.vid = vid;
      return stop('vlan', `${how}, and ${port.name} is not a member of VLAN ${vid}`, 'vlan', `ingress port not in VLAN ${vid} (vlan)`);
    }
    steps.push({ step: 'vlan', ok: true, text: `${how}; ${port.name} is a member` });
  } else if (input.vlan !== undefined) {
    steps.push({ step: 'vlan', ok: true, text: `VLAN filtering is off: the tag (VLAN ${input.vlan}) is carried but ignored, one table (vid 0)` });
  }
  r.vid = vid;

  // ---- 4 learn (Fdb.learnOutcome: learn()'s own decision, not applied)
  const learn = traceLearn(bridge, port, vid, src, now, portName);
  r.learn = learn.result;
  steps.push({ step: 'learn', ok: learn.result.outcome !== 'refused-port-limit', text: learn.text });
  if (learn.result.outcome === 'refused-port-limit') {
    r.verdict = 'drop'; r.dropReason = 'limit';
    r.reason = `port ${port.name} reached its limit of ${fdb.perPortLimit} learned MACs (limit)`;
    return r;
  }
  if (!stateForwards(state)) {
    return stop('port-state', `${port.name} is learning: it learns sources but forwards nothing yet`, 'stp_blocked', 'ingress port learning (stp_blocked)');
  }

  // ---- 5 decide
  if (cls !== CLASS_KNOWN_UNICAST) {
    steps.push({ step: 'lookup', ok: true, text: `${formatMac(dst)} is ${cls === CLASS_BROADCAST ? 'the broadcast address' : 'a multicast address'}: flooded, no FDB lookup` });
    return floodTrace(bridge, r, port, vid, cls);
  }
  let e = entryAfterLearn(bridge, port, vid, src, dst, learn.preview, now);
  const evicted = e === undefined && learn.preview?.evicts?.mac === dst && learn.preview.evicts.vid === vid;
  const expired = e !== undefined && fdb.isExpired(e, now);
  // a miss that is a local address (recorded at vid 0) goes to the host, as in Bridge.receive()
  if ((e === undefined || expired) && localInAnyVlan(fdb, vid, dhi, dlo)) e = fdb.get(0, dst)!;
  else if (e === undefined || expired) {
    r.lookup = { mac: formatMac(dst), vid, hit: false, ...(expired ? { expired: true, port: portName(e!.port) } : {}) };
    steps.push({
      step: 'lookup', ok: true,
      text: expired
        ? `${formatMac(dst)} (vid ${vid}) was on ${portName(e!.port)} but its entry expired ${sec(now - e!.updated - fdb.effectiveAgeingMs)} s ago: unknown unicast, flooded`
        : `${formatMac(dst)} (vid ${vid}) is not in the FDB${evicted ? ' (learning the source evicts it)' : ''}: unknown unicast, flooded`,
    });
    return floodTrace(bridge, r, port, vid, CLASS_UNKNOWN_UNICAST);
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
  steps.push({ step: 'lookup', ok: true, text: `${formatMac(dst)} (vid ${e.vid}) is known: ${entryText}${e.vid !== vid ? ` (local addresses belong to every VLAN)` : ''}` });
  // ---- 6 egress
  const eg = bridge.ports[out];
  const why = egressCheck(eg, port, CLASS_KNOWN_UNICAST, bridge.vlanFiltering, vid);
  if (why !== EG_OK) return stop('egress', unicastRefusal(bridge, why, eg, port, out, vid), unicastDropReason(why), unicastRefusalReason(why, eg, vid));
  steps.push({ step: 'egress', ok: true, text: `${eg!.name} is up and forwarding${eg === port ? ' (hairpin on)' : ''}: sent there` });
  r.verdict = 'forward';
  r.egress = [eg!.name];
  r.reason = out === 0 && e.kind === 'local' ? `to the bridge itself via ${eg!.name}` : `known destination on ${eg!.name}`;
  return r;
}

/** The step text for a known-unicast frame egressCheck() refused with code why. */
function unicastRefusal(bridge: Bridge, why: number, eg: BridgePort | undefined, ingress: BridgePort, out: number, vid: number): string {
  switch (why) {
    case EG_INGRESS: return `the destination is on ${ingress.name}, the port the frame came in on, and hairpin is off`;
    case EG_NO_PORT: return out === 0 ? `${bridge.name} has no host port to deliver local frames to` : `port ${out} no longer exists`;
    case EG_DOWN: return `${eg!.name} is down${eg!.downReason ? ` (${eg!.downReason})` : ''}`;
    case EG_NOT_FORWARDING: return `${eg!.name} is ${stateName(eg!.state)}, not forwarding`;
    case EG_VLAN: return `${eg!.name} is not a member of VLAN ${vid}`;
    default: return `${eg?.name ?? `port ${out}`} refuses the frame (${why})`;
  }
}

/** The verdict's one-line reason for that refusal. */
function unicastRefusalReason(why: number, eg: BridgePort | undefined, vid: number): string {
  switch (why) {
    case EG_INGRESS: return 'destination on the ingress port (filtered)';
    case EG_NO_PORT: return 'egress port missing (filtered)';
    case EG_DOWN: return `egress port ${eg!.name} down (filtered)`;
    case EG_NOT_FORWARDING: return `egress port ${eg!.name} not forwarding (filtered)`;
    case EG_VLAN: return `egress port not in VLAN ${vid} (vlan)`;
    default: return `egress refused (${unicastDropReason(why)})`;
  }
}

/** Why a flood leaves out port p (egressCheck() code why), as the flood table shows it. */
function floodExclusion(why: number, p: BridgePort, vid: number): string {
  switch (why) {
    case EG_INGRESS: return 'ingress port';
    case EG_ANALYSER: return 'mirror analyser (takes copies only)';
    case EG_DOWN: return `down${p.downReason ? ` (${p.downReason})` : ''}`;
    case EG_NOT_FORWARDING: return `not forwarding (${stateName(p.state)})`;
    case EG_FLOOD_OFF: return 'flood flag off';
    case EG_BCAST_FLOOD_OFF: return 'bcast_flood flag off';
    case EG_MCAST_FLOOD_OFF: return 'mcast_flood flag off';
    case EG_VLAN: return `not a member of VLAN ${vid}`;
    default: return `excluded (${why})`;
  }
}

/**
 * The entry the lookup finds for (vid, dst) once learning has run, as Bridge.receive() learns
 * before it looks up: a frame to its own source finds the entry just learned, and a destination
 * the learning evicts is gone. Otherwise what is in the table now.
 */
function entryAfterLearn(bridge: Bridge, port: BridgePort, vid: number, src: number, dst: number, o: LearnPreview | null, now: number): FdbEntry | undefined {
  if (o !== null && o.evicts !== null && o.evicts.mac === dst && o.evicts.vid === vid) return undefined;
  if (o !== null && dst === src && (o.code === LEARN_NEW || o.code === LEARN_REFRESHED || o.code === LEARN_MOVED) && (o.entry === null || o.entry.kind === 'learned')) {
    return { mac: src, vid, port: port.no, kind: 'learned', updated: now, used: now };
  }
  return bridge.fdb.get(vid, dst);
}

function traceLearn(bridge: Bridge, port: BridgePort, vid: number, src: number, now: number, portName: (no: number) => string): { result: TraceLearn; text: string; preview: LearnPreview | null } {
  const fdb = bridge.fdb;
  const mac = formatMac(src);
  if (!port.learning) return { result: { outcome: 'learning-off', mac, vid }, text: `learning is off on ${port.name}: ${mac} is not learned`, preview: null };
  const o = fdb.learnOutcome(vid, src, port.no, now);
  const t = describeLearn(bridge, port, vid, mac, o, now, portName);
  return { ...t, preview: o };
}

/** The trace's words for what learn() will do (o, from Fdb.learnOutcome). */
function describeLearn(bridge: Bridge, port: BridgePort, vid: number, mac: string, o: LearnPreview, now: number, portName: (no: number) => string): { result: TraceLearn; text: string } {
  const fdb = bridge.fdb;
  const res = (outcome: LearnOutcome, extra: Partial<TraceLearn> = {}): TraceLearn => ({ outcome, mac, vid, ...extra });
  const e = o.entry;
  // a live entry (not one learn() would age first) is where the MAC is now
  const from = e !== null && !o.ages ? portName(e.port) : undefined;
  const was = o.ages ? ` (its entry on ${portName(e!.port)} had expired: it counts as aged and is learned afresh)` : '';
  switch (o.code) {
    case LEARN_REFRESHED:
      if (e!.kind !== 'learned') return { result: res('static-here'), text: `${mac} is a ${e!.kind} entry on ${port.name}: nothing to learn` };
      return { result: res('refresh'), text: `${mac} is already learned on ${port.name} (${sec(now - e!.updated)} s ago): its age is refreshed` };
    case LEARN_PINNED:
      return { result: res('pinned', { from }), text: `${mac} is a ${e!.kind} entry on ${from}: it stays there (static wins), the frame is still forwarded` };
    case LEARN_MOVED:
      return { result: res('move', { from }), text: `${mac} moves from ${from} to ${port.name}` };
    case LEARN_HUB:
      return { result: res('hub'), text: `ageing time is 0 (hub mode): ${mac} is not remembered` };
    case LEARN_REFUSED_PORT:
      if (from !== undefined) {
        return { result: res('refused-port-limit', { from }), text: `${mac} would move from ${from}, but ${port.name} already has ${fdb.portCount(port.no)} learned MACs (limit ${fdb.perPortLimit}): frame dropped` };
      }
      return { result: res('refused-port-limit'), text: `${port.name} already has ${fdb.portCount(port.no)} learned MACs (limit ${fdb.perPortLimit}): ${mac} is not learned and the frame is dropped` };
    case LEARN_REFUSED_TABLE:
      return { result: res('refused-table-full'), text: `the FDB is full (${fdb.maxEntries} learned entries, policy refuse-new): ${mac} is not learned, the frame is still forwarded` };
    case LEARN_NEW: {
      if (o.evicts === null) return { result: res('new'), text: `${mac} is new: learned on ${port.name} (vid ${vid})${was}` };
      const evicts = { mac: formatMac(o.evicts.mac), vid: o.evicts.vid, port: portName(o.evicts.port) };
      return { result: res('new', { evicts }), text: `${mac} is new on ${port.name}${was}; the FDB is full (${fdb.maxEntries}), so ${evicts.mac} on ${evicts.port} is evicted` };
    }
    default:
      throw new Error(`traceLearn: learn outcome ${o.code} has no description`);
  }
}

function floodTrace(bridge: Bridge, r: TraceResult, ingress: BridgePort, vid: number, cls: number): TraceResult {
  const kind: FloodKindName = FLOOD_KIND_NAMES[cls]!;
  const ports: TraceFloodPort[] = [];
  for (const p of bridge.allPorts()) {
    const why = egressCheck(p, ingress, cls, bridge.vlanFiltering, vid);
    ports.push({
      port: p.name, no: p.no, included: why === EG_OK,
      reason: why === EG_OK ? (p === ingress ? 'ingress port, hairpin on' : 'forwarding') : floodExclusion(why, p, vid),
    });
  }
  r.flood = { kind, ports };
  r.egress = ports.filter((p) => p.included).map((p) => p.port);
  const n = r.egress.length;
  // storm control depends on the rate of the traffic, not on this frame: the trace names the limit
  const limit = ingress.storm?.rateOf(cls) ?? 0;
  const storm = limit > 0 ? ` (storm control on ${ingress.name}: at most ${limit} ${kind} frames/s flooded, the rest dropped as storm)` : '';
  r.steps.push({ step: 'flood', ok: n > 0, text: `${kind} flood to ${n} of ${ports.length} ports${storm}` });
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
  for (const tu of t.tunnels ?? []) {
    lines.push(`  ${tu.port} → ${tu.remotes.length ? `VTEP ${tu.remotes.join(', ')}` : 'no VTEP (empty flood list)'}: ${tu.why}`);
  }
  return lines.join('\n') + '\n';
}
