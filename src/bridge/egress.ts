// The egress rules: where a frame of a given class may leave. One predicate, egressCheck(),
// answers "may this frame go out of port P, and if not why not" for both the known-unicast send
// and every port of a flood; Bridge.receive() and the trace both call it, so the trace cannot
// disagree with what is done. Fast-path form: returns a small integer (0 = allowed) and
// allocates nothing; the names of the reasons are for the trace only.
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

/** The class of a destination (hi16, lo32) before the FDB is asked: broadcast, multicast, or (known) unicast. */
export function destClass(hi: number, lo: number): number {
  if ((hi & 0x100) === 0) return CLASS_KNOWN_UNICAST;
  return hi === 0xffff && lo === -1 ? CLASS_BROADCAST : CLASS_MULTICAST;
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

/** Names of the egress results, by code (for the trace and tests, never the fast path). */
export const EGRESS_REASON_NAMES = [
  'ok', 'ingress-port', 'no-port', 'down', 'not-forwarding', 'flood-off', 'bcast-flood-off', 'mcast-flood-off', 'vlan',
] as const;

/**
 * The drop counter of the ingress port that counts a known-unicast frame refused by code
 * (Bridge.receive() counts EG_VLAN as vlan and everything else as filtered).
 */
export function unicastDropReason(code: number): DropReason {
  return code === EG_VLAN ? 'vlan' : 'filtered';
}

/**
 * May a frame of class cls (CLASS_*) in VLAN vid, received on ingress, leave on port p? 0 = yes,
 * else the EG_* reason. vlanFiltering is the bridge's setting (vid is ignored without it).
 */
export function egressCheck(p: BridgePort | undefined, ingress: BridgePort, cls: number, vlanFiltering: boolean, vid: number): number {
  if (p === undefined) return EG_NO_PORT;
  if (p === ingress && !p.hairpin) return EG_INGRESS;
  if (!p.up) return EG_DOWN;
  if (!stateForwards(p.state)) return EG_NOT_FORWARDING;
  if (cls === CLASS_UNKNOWN_UNICAST ? !p.floodUnicast : cls === CLASS_BROADCAST ? !p.floodBroadcast : cls === CLASS_MULTICAST && !p.floodMulticast) {
    return EG_FLOOD_OFF + cls;
  }
  if (vlanFiltering && !vlanMember(p, vid)) return EG_VLAN;
  return EG_OK;
}
