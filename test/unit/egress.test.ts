// The egress and ingress rules (src/bridge/egress.ts, ingress.ts) for every combination of their
// inputs: the fast path's booleans (mayForward, mayFlood) allow exactly what egressCheck() allows,
// egressCheck() names the first rule that refuses, the written-out forms match the rules, and the
// flood rule's two halves (floodListed: the per-class flood lists; mayFloodListed: the per-frame
// loop) split it exactly.
import { describe, it, expect } from 'vitest';
import {
  egressCheck, mayForward, mayFlood, floodListed, mayFloodListed, hairpinAllows, floodFlagAllows, vlanAllows, groupClass, unicastDropReason,
  EG_OK, EG_INGRESS, EG_NO_PORT, EG_DOWN, EG_NOT_FORWARDING, EG_FLOOD_OFF, EG_VLAN, EG_ANALYSER, EGRESS_REASON_NAMES, analyserAllows,
  CLASS_UNKNOWN_UNICAST, CLASS_BROADCAST, CLASS_MULTICAST, CLASS_KNOWN_UNICAST,
} from '../../src/bridge/egress.js';
import {
  sourceInvalid, linkLocalGroup, linkLocalAction, LL_FORWARD, LL_STP, LL_PAUSE, LL_MASKED, stateReceives, stateForwards, ingressVid, vlanMember,
} from '../../src/bridge/ingress.js';
import { BridgePort } from '../../src/bridge/port.js';
import { PORT_DISABLED, PORT_LISTENING, PORT_LEARNING, PORT_FORWARDING, PORT_BLOCKING } from '../../src/stp/port-state.js';
import type { PortIO } from '../../src/bridge/port-io.js';
import { MAC_BROADCAST, MAC_STP, isMulticast, parseMac } from '../../src/frame/mac.js';

const io = (name: string): PortIO => ({
  kind: 'test', name, mac: 0x0200_0000_0001, mtu: 1500, speedMbps: 10000,
  send: () => true, flush: () => {}, start: () => {}, close: () => {},
});

const STATES = [PORT_DISABLED, PORT_LISTENING, PORT_LEARNING, PORT_FORWARDING, PORT_BLOCKING];
const bools = [false, true];

describe('egress rules', () => {
  it('mayForward/mayFlood allow exactly what egressCheck allows; egressCheck names the first refusing rule', () => {
    const ingress = new BridgePort(1, io('in'), 1, false);
    const other = new BridgePort(2, io('out'), 2, false);
    let cases = 0;
    for (const self of bools) for (const hairpin of bools) for (const analyser of bools) for (const up of bools) for (const state of STATES)
    for (const fu of bools) for (const fb of bools) for (const fm of bools) for (const member of bools) for (const vf of bools)
    for (const cls of [CLASS_UNKNOWN_UNICAST, CLASS_BROADCAST, CLASS_MULTICAST, CLASS_KNOWN_UNICAST]) {
      const p = self ? ingress : other;
      p.setFlags({ hairpin, floodUnicast: fu, floodBroadcast: fb, floodMulticast: fm });
      p.setUp(up);
      p.setState(state);
      p.setAnalyser(analyser);
      p.vlans = new Uint8Array(4096);
      p.vlans[7] = member ? 1 : 0;
      const code = egressCheck(p, ingress, cls, vf, 7);
      const fast = cls === CLASS_KNOWN_UNICAST ? mayForward(p, ingress, vf, 7) : mayFlood(p, ingress, cls, vf, 7);
      expect(fast, JSON.stringify({ self, hairpin, analyser, up, state, fu, fb, fm, member, vf, cls })).toBe(code === EG_OK);
      // the first rule that refuses, in the order the trace reports
      const flagOn = cls === CLASS_UNKNOWN_UNICAST ? fu : cls === CLASS_BROADCAST ? fb : cls === CLASS_MULTICAST ? fm : true;
      const want = self && !hairpin ? EG_INGRESS : analyser && cls !== CLASS_KNOWN_UNICAST ? EG_ANALYSER : !up ? EG_DOWN : state !== PORT_FORWARDING ? EG_NOT_FORWARDING
        : !flagOn ? EG_FLOOD_OFF + cls : vf && !member ? EG_VLAN : EG_OK;
      expect(code).toBe(want);
      expect(hairpinAllows(p, ingress)).toBe(!self || hairpin);
      expect(floodFlagAllows(p, cls)).toBe(flagOn);
      expect(analyserAllows(p, cls)).toBe(!analyser || cls === CLASS_KNOWN_UNICAST);
      expect(vlanAllows(p, vf, 7)).toBe(!vf || member);
      if (cls !== CLASS_KNOWN_UNICAST) {
        // the list half holds the port's own facts, the per-frame half the rest, nothing twice
        expect(floodListed(p, cls)).toBe(!analyser && up && state === PORT_FORWARDING && flagOn);
        expect(mayFloodListed(p, ingress, vf, 7)).toBe((!self || hairpin) && (!vf || member));
        expect(floodListed(p, cls) && mayFloodListed(p, ingress, vf, 7)).toBe(code === EG_OK);
      }
      cases++;
    }
    expect(cases).toBe(2 * 2 * 2 * 2 * 5 * 2 * 2 * 2 * 2 * 2 * 4);
    other.setAnalyser(false);
    // a port without a member list is in every VLAN
    other.vlans = null;
    other.setUp(true);
    other.setState(PORT_FORWARDING);
    expect(egressCheck(other, ingress, CLASS_KNOWN_UNICAST, true, 4094)).toBe(EG_OK);
    expect(mayFloodListed(other, ingress, true, 4094)).toBe(true);
    expect(egressCheck(undefined, ingress, CLASS_KNOWN_UNICAST, false, 0)).toBe(EG_NO_PORT);
  });

  it('reason names and the drop counter of a refused unicast', () => {
    expect(EGRESS_REASON_NAMES[EG_VLAN]).toBe('vlan');
    expect(EGRESS_REASON_NAMES[EG_ANALYSER]).toBe('analyser');
    expect(EGRESS_REASON_NAMES[EG_FLOOD_OFF + CLASS_MULTICAST]).toBe('mcast-flood-off');
    expect([EG_INGRESS, EG_NO_PORT, EG_DOWN, EG_NOT_FORWARDING].map(unicastDropReason)).toEqual(['filtered', 'filtered', 'filtered', 'filtered']);
    expect(unicastDropReason(EG_VLAN)).toBe('vlan');
  });

  it('classes of group destinations', () => {
    const hilo = (m: number) => [Math.floor(m / 2 ** 32), m | 0] as const;
    expect(groupClass(...hilo(MAC_BROADCAST))).toBe(CLASS_BROADCAST);
    expect(groupClass(...hilo(parseMac('01:00:5e:00:00:01')))).toBe(CLASS_MULTICAST);
    expect(groupClass(...hilo(parseMac('ff:ff:ff:ff:ff:fe')))).toBe(CLASS_MULTICAST);
  });
});

describe('ingress rules', () => {
  const hilo = (m: number) => [Math.floor(m / 2 ** 32), m | 0] as const;

  it('sources: group and all-zero are invalid, everything else is fine', () => {
    for (const m of [0, MAC_BROADCAST, parseMac('01:00:5e:00:00:01'), parseMac('03:00:00:00:00:00'), MAC_STP]) expect(sourceInvalid(...hilo(m))).toBe(true);
    for (const m of [1, parseMac('00:01:00:00:00:00'), parseMac('02:00:80:00:00:00'), parseMac('fe:ff:ff:ff:ff:ff')]) expect(sourceInvalid(...hilo(m))).toBe(false);
    for (const m of [0, 1, MAC_BROADCAST, parseMac('02:00:00:00:00:01'), parseMac('01:00:5e:7f:ff:fa')]) expect(sourceInvalid(...hilo(m))).toBe(m === 0 || isMulticast(m));
  });

  it('link-local groups and what happens to each', () => {
    for (let g = 0; g < 16; g++) expect(linkLocalGroup(...hilo(MAC_STP + g))).toBe(g);
    for (const m of [MAC_STP - 1, MAC_STP + 16, MAC_BROADCAST, parseMac('01:80:c3:00:00:00'), parseMac('81:80:c2:00:00:00')]) expect(linkLocalGroup(...hilo(m))).toBe(-1);
    expect(linkLocalAction(0, true, 0xffff)).toBe(LL_STP);
    expect(linkLocalAction(0, false, 0)).toBe(LL_FORWARD);
    expect(linkLocalAction(1, false, 0xffff)).toBe(LL_PAUSE);
    expect(linkLocalAction(0xe, false, 0)).toBe(LL_MASKED);
    expect(linkLocalAction(0xe, false, 1 << 0xe)).toBe(LL_FORWARD);
  });

  it('port states (the written-out numbers) and VLAN of a frame', () => {
    expect(STATES.filter(stateReceives)).toEqual([PORT_LEARNING, PORT_FORWARDING]);
    expect(STATES.filter(stateForwards)).toEqual([PORT_FORWARDING]);
    const p = new BridgePort(1, io('p'), 1, false);
    p.pvid = 9;
    expect([ingressVid(0, p), ingressVid(5, p)]).toEqual([9, 5]);
    expect(vlanMember(p, 123)).toBe(true);
    p.vlans = new Uint8Array(4096);
    p.vlans[5] = 1;
    expect([vlanMember(p, 5), vlanMember(p, 9)]).toEqual([true, false]);
  });
});
