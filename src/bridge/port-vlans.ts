// A port's VLAN settings as `bridge vlan add|del dev P vid N [pvid] [untagged]` changes them:
// member VLANs, which of them leave untagged, and the PVID. The engine reads the arrays
// (BridgePort.vlans, vlanUntagged, pvid) per frame; this module is the one place that writes them.
import type { BridgePort } from './port.js';
import { VLAN_MEMBER_MAX } from '../frame/ethernet.js';

export interface PortVlan {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

/** The kernel's default for a new port (default_pvid 1): VLAN 1, PVID, egress untagged. */
export const DEFAULT_PVID = 1;

function checkVid(vid: number): void {
  // 0 means "untagged" and 4095 is reserved (802.1Q), as the kernel refuses them
  if (!Number.isInteger(vid) || vid < 1 || vid > VLAN_MEMBER_MAX) throw new RangeError(`VLAN id ${vid}: must be 1–${VLAN_MEMBER_MAX}`);
}

/** Gives the port an explicit member list (the kernel's default membership) if it has none. */
export function ensureVlanList(p: BridgePort): void {
  if (p.vlans !== null && p.vlanUntagged !== null) return;
  p.vlans = new Uint8Array(4096);
  p.vlanUntagged = new Uint8Array(4096);
  p.vlans[DEFAULT_PVID] = 1;
  p.vlanUntagged[DEFAULT_PVID] = 1;
  p.pvid = DEFAULT_PVID;
}

/**
 * Adds VLAN vid to port p or changes its flags. As the kernel does, re-adding without pvid takes
 * the PVID away if vid held it, and without untagged makes it leave tagged.
 */
export function addPortVlan(p: BridgePort, vid: number, opts: { pvid?: boolean; untagged?: boolean } = {}): void {
  checkVid(vid);
  ensureVlanList(p);
  p.vlans![vid] = 1;
  p.vlanUntagged![vid] = opts.untagged === true ? 1 : 0;
  if (opts.pvid === true) p.pvid = vid;
  else if (p.pvid === vid) p.pvid = 0;
}

/** Removes VLAN vid from port p; false when it was not a member. Untagged frames are dropped once the PVID is gone. */
export function delPortVlan(p: BridgePort, vid: number): boolean {
  checkVid(vid);
  ensureVlanList(p);
  if (p.vlans![vid] !== 1) return false;
  p.vlans![vid] = 0;
  p.vlanUntagged![vid] = 0;
  if (p.pvid === vid) p.pvid = 0;
  return true;
}

/** The port's VLANs in ascending order (null: the port has no list and carries every VLAN as received). */
export function portVlans(p: BridgePort): PortVlan[] | null {
  if (p.vlans === null) return null;
  const out: PortVlan[] = [];
  for (let v = 1; v < 4095; v++) {
    if (p.vlans[v] === 1) out.push({ vid: v, pvid: p.pvid === v, untagged: p.vlanUntagged?.[v] === 1 });
  }
  return out;
}

/**
 * Sets port p's VLANs to exactly list (a config's `vlans`), or to the kernel's default for a new
 * port (VLAN 1, PVID, untagged) when list is undefined. Checks everything before changing anything.
 */
export function setPortVlans(p: BridgePort, list: readonly PortVlan[] | undefined): void {
  const want = list ?? [{ vid: DEFAULT_PVID, pvid: true, untagged: true }];
  const seen = new Set<number>();
  let pvids = 0;
  for (const v of want) {
    checkVid(v.vid);
    if (seen.has(v.vid)) throw new RangeError(`VLAN ${v.vid} is listed twice for ${p.name}`);
    seen.add(v.vid);
    if (v.pvid) pvids++;
  }
  if (pvids > 1) throw new RangeError(`${p.name}: only one VLAN can be the PVID`);
  const vlans = new Uint8Array(4096);
  const untagged = new Uint8Array(4096);
  let pvid = 0;
  for (const v of want) {
    vlans[v.vid] = 1;
    if (v.untagged) untagged[v.vid] = 1;
    if (v.pvid) pvid = v.vid;
  }
  p.vlans = vlans;
  p.vlanUntagged = untagged;
  p.pvid = pvid;
}

/** Whether the port's VLANs are the default a new port gets (config show leaves them out then). */
export function hasDefaultVlans(p: BridgePort): boolean {
  const l = portVlans(p);
  return l !== null && l.length === 1 && l[0]!.vid === DEFAULT_PVID && l[0]!.pvid && l[0]!.untagged;
}
