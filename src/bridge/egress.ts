// The egress rules: where a frame of a given class may leave. One small predicate per rule
// (hairpin, mirror analyser, link up, forwarding state, flood flag, VLAN membership), combined by mayForward()
// and mayFlood() and by egressCheck() — "may it go out of port P, and if not why not" — for the
// trace and for counting a refused unicast. mayFlood() is split in two: floodListed(), the facts
// of the port alone (up, forwarding, the class's flood flag), which the Bridge evaluates when they
// change to keep one flood list per class, and mayFloodListed(), what the flood loop still checks
// per frame (ingress/hairpin, VLAN membership). Bridge.receive() and the trace both use them, so
// the trace cannot disagree with what is done. Nothing here allocates.
import type { Fdb } from '../fdb/fdb.js';
import { macFromHiLo } from '../frame/mac.js';
import type { BridgePort, DropReason } from './port.js';
import { stateForwards, vlanMember } from './ingress.js';

// Frame classes. The first three are flood kinds, each gated by its own egress flag.
/** Unicast to a MAC the FDB does not know: flooded where `flood` (BR_FLOOD) is on. */
export const CLASS_UNKNOWN_UNICAST = 0;
/** ff:ff:ff:ff:ff:ff: flooded where `bcast_flood` is on. */
export const CLASS_BROADCAST = 1;
/** Other group addresses: flooded where `mcast_flood` is on. */
export const CLASS_MULTICAST = 2;
/** Unicast to a known MAC: sent to its one port; no flood flag applies. */
export const CLASS_KNOWN_UNICAST = 3;

export const FLOOD_KIND_NAMES = ['unknown-unicast', 'broadcast', 'multicast'] as const;
export type FloodKindName = (typeof FLOOD_KIND_NAMES)[number];

// Per-frame predicates write the class numbers out: an imported or module constant costs a
// module-variable load and a hole check per use.

/** The flood class of a group destination (hi16, lo32): broadcast (1) or multicast (2). */
export function groupClass(hi: number, lo: number): number {
  return hi === 0xffff && lo === -1 ? 1 : 2;
}

/**
 * Local addresses are recorded once (vid 0) and belong to every VLAN: a destination that missed
 * in VLAN vid but is a local address goes to the host port.
 */
export function localInAnyVlan(fdb: Fdb, vid: number, hi: number, lo: number): boolean {
  return vid !== 0 && fdb.isLocal(0, macFromHiLo(hi, lo));
}

// egressCheck() results, in the order they are checked.
export const EG_OK = 0;
/** The port the frame came in on, hairpin off. */
export const EG_INGRESS = 1;
/** No port with that number (e.g. a local frame on a bridge without a host port). */
export const EG_NO_PORT = 2;
export const EG_DOWN = 3;
/** Not in forwarding state (STP). */
export const EG_NOT_FORWARDING = 4;
/** EG_FLOOD_OFF + flood kind: the port's flag for that kind of flood is off. */
export const EG_FLOOD_OFF = 5;
export const EG_BCAST_FLOOD_OFF = 6;
export const EG_MCAST_FLOOD_OFF = 7;
/** Not a member of the frame's VLAN. */
export const EG_VLAN = 8;
/** A mirror analyser (mirror.ts): it takes the session's copies and no flood. */
export const EG_ANALYSER = 9;

/** Names of the egress results, by code (for the trace and tests, never the fast path). */
export const EGRESS_REASON_NAMES = [
  'ok', 'ingress-port', 'no-port', 'down', 'not-forwarding', 'flood-off', 'bcast-flood-off', 'mcast-flood-off', 'vlan', 'analyser',
] as const;

/**
 * The drop counter of the ingress port that counts a known-unicast frame refused by code
 * (Bridge.receive() counts EG_VLAN as vlan and everything else as filtered).
 */
export function unicastDropReason(code: number): DropReason {
  return code === EG_VLAN ? 'vlan' : 'filtered';
}

// The rules, one each. The fast path asks mayForward()/mayFloodListed() (booleans: cheapest to
// branch on, and small enough to inline); egressCheck() composes the same rules in the order the trace
// reports them and names the first that refuses.

/** The port the frame came in on takes it back only with hairpin on. */
export function hairpinAllows(p: BridgePort, ingress: BridgePort): boolean {
  return p !== ingress || p.hairpin;
}

/** The port's egress flag for flood class cls is on (0 unknown unicast, 1 broadcast, 2 multicast; a known unicast has no flag). */
export function floodFlagAllows(p: BridgePort, cls: number): boolean {
  return cls === 0 ? p.floodUnicast : cls === 1 ? p.floodBroadcast : cls !== 2 || p.floodMulticast;
}

/**
 * A mirror analyser takes no flood (cls 0–2); a known unicast still reaches it when an FDB entry
 * points there (README Limits).
 */
export function analyserAllows(p: BridgePort, cls: number): boolean {
  return cls === 3 || !p.analyser;
}

/** With VLAN filtering, only member ports of the frame's VLAN carry it. */
export function vlanAllows(p: BridgePort, vlanFiltering: boolean, vid: number): boolean {
  return !vlanFiltering || vlanMember(p, vid);
}

/**
 * May a known-unicast frame in VLAN vid, received on ingress, leave on port p? The conjunction
 * hairpinAllows && up && stateForwards && vlanAllows, written out (3 = PORT_FORWARDING): the
 * nested calls would cost Bridge.receive() ~40 bytes of V8's inlining budget, enough to push
 * lookupHiLo out of it. test/unit/egress.test.ts checks it against the rules for every case.
 */
export function mayForward(p: BridgePort, ingress: BridgePort, vlanFiltering: boolean, vid: number): boolean {
  return (p !== ingress || p.hairpin) && p.up && p.state === 3 && (!vlanFiltering || p.vlans === null || p.vlans[vid] === 1);
}

/**
 * The part of the flood rule that depends on port p alone: not a mirror analyser, up, forwarding
 * and p's flag for flood class cls on. The Bridge keeps, per class, the list of (non-analyser) ports for which this
 * holds, rebuilt when a port tells it one of these facts changed (BridgePort.setUp/setState/
 * setFlags), so the flood loop never asks it per frame.
 */
export function floodListed(p: BridgePort, cls: number): boolean {
  return analyserAllows(p, cls) && p.up && stateForwards(p.state) && floodFlagAllows(p, cls);
}

/**
 * The part of the flood rule the flood loop checks per frame for a port on the class's list:
 * hairpinAllows && vlanAllows, written out as mayForward is (it runs inside Bridge.receive()'s
 * inlining budget). test/unit/egress.test.ts checks it against the rules for every case.
 */
export function mayFloodListed(p: BridgePort, ingress: BridgePort, vlanFiltering: boolean, vid: number): boolean {
  return (p !== ingress || p.hairpin) && (!vlanFiltering || p.vlans === null || p.vlans[vid] === 1);
}

/**
 * May a flood of class cls (CLASS_UNKNOWN_UNICAST, _BROADCAST, _MULTICAST) leave on port p?
 * floodListed && mayFloodListed: what the Bridge's per-class lists and its flood loop decide
 * together. egressCheck() is EG_OK exactly when this holds (test/unit/egress.test.ts).
 */
export function mayFlood(p: BridgePort, ingress: BridgePort, cls: number, vlanFiltering: boolean, vid: number): boolean {
  return floodListed(p, cls) && mayFloodListed(p, ingress, vlanFiltering, vid);
}

/**
 * Why a frame of class cls (CLASS_*) in VLAN vid, received on ingress, may not leave on port p:
 * EG_OK (0) when it may, else the first rule that refuses. Zero exactly when mayForward() (known
 * unicast) or mayFlood() (floods) is true; for the trace and for counting a refused unicast.
 */
export function egressCheck(p: BridgePort | undefined, ingress: BridgePort, cls: number, vlanFiltering: boolean, vid: number): number {
  if (p === undefined) return EG_NO_PORT;
  if (!hairpinAllows(p, ingress)) return EG_INGRESS;
  if (!analyserAllows(p, cls)) return EG_ANALYSER;
  if (!p.up) return EG_DOWN;
  if (!stateForwards(p.state)) return EG_NOT_FORWARDING;
  if (!floodFlagAllows(p, cls)) return EG_FLOOD_OFF + cls;
  if (!vlanAllows(p, vlanFiltering, vid)) return EG_VLAN;
  return EG_OK;
}
