// The ingress rules of the pipeline (validate → link-local → port state → VLAN), as pure
// predicates over integers and ports. Bridge.receive() decides with them per frame and the trace
// explains with the same calls, so the two cannot disagree. Fast-path form: integer arguments,
// integer or boolean results, no allocation, and small: every byte of bytecode V8 inlines into
// Bridge.receive() counts against one budget (920 bytes) that learnHiLo/lookupHiLo/transmit need.
import type { BridgePort } from './port.js';
import { PORT_FORWARDING, PORT_LEARNING, PORT_DISABLED } from '../stp/port-state.js';

// the numbers written out below; a change of the port-state numbering fails the build here
const WRITTEN_OUT: readonly [3, 2] = [PORT_FORWARDING, PORT_LEARNING];
void WRITTEN_OUT;


/** A group or all-zero source (hi16, lo32) is never valid: no station sends from it (the kernel drops these too). */
export function sourceInvalid(hi: number, lo: number): boolean {
  return (hi & 0x100) !== 0 || (hi | lo) === 0;
}

/** The X of a link-local group destination 01:80:c2:00:00:0X (0–15), or -1 for any other MAC (all are group addresses). */
export function linkLocalGroup(hi: number, lo: number): number {
  // -1040187392 = 0xc2000000 | 0: the low 32 bits of 01:80:c2:00:00:00 as an int32
  return hi === 0x0180 && (lo & ~15) === -1040187392 ? lo & 15 : -1;
}

/** linkLocalAction() results. */
/** Forwarded like any multicast: STP off for group 0, or the group's group_fwd_mask bit is on. */
export const LL_FORWARD = 0;
/** 01:80:c2:00:00:00 with STP on: a BPDU for the STP engine, never forwarded. */
export const LL_STP = 1;
/** 01:80:c2:00:00:01, MAC control (PAUSE): never forwarded, whatever the mask says. */
export const LL_PAUSE = 2;
/** Any other group whose group_fwd_mask bit is off: dropped (link_local). */
export const LL_MASKED = 3;

/** What happens to a frame to link-local group g (0–15). */
export function linkLocalAction(g: number, stpEnabled: boolean, groupFwdMask: number): number {
  // STP off: BPDUs are forwarded so loops stay detectable by others (as the kernel does)
  if (g === 0) return stpEnabled ? LL_STP : LL_FORWARD;
  if (g === 1) return LL_PAUSE;
  return ((groupFwdMask >>> g) & 1) === 0 ? LL_MASKED : LL_FORWARD;
}

/** Whether the STP engine reads a BPDU that arrived on port (the host port and disabled ports ignore them). */
export function bpduAccepted(port: BridgePort): boolean {
  return port.state !== PORT_DISABLED && !port.isHost;
}

// The per-frame predicates below write their constants out (3 = PORT_FORWARDING, 2 =
// PORT_LEARNING): an imported constant costs a module-variable load and a hole check per use.

/** The port state lets received frames in at all (to learn from, and maybe forward). */
export function stateReceives(state: number): boolean {
  return state === 3 || state === 2;
}

/** The port state forwards (ingress past learning, and egress). */
export function stateForwards(state: number): boolean {
  return state === 3;
}

/** The VLAN of a frame under VLAN filtering: its tag's vid, or the port's pvid when untagged or priority-tagged (vid 0), as in 802.1Q. */
export function ingressVid(tagVid: number, port: BridgePort): number {
  return tagVid === 0 ? port.pvid : tagVid;
}

/** Port is a member of VLAN vid (a port without a member list is in all of them). */
export function vlanMember(port: BridgePort, vid: number): boolean {
  return port.vlans === null || port.vlans[vid] === 1;
}
