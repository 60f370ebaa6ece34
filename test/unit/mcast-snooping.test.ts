// IGMP/MLD snooping on capture ports and a virtual clock: flooding while off or without a
// querier, membership from IGMPv2/v3 and MLDv1/v2 reports, forwarding to members and router
// ports only, link-local groups always flooded, unknown groups per floodUnknown, ageing after the
// membership interval, leaves with the last-member grace and a group-specific query, the
// bridge's own queries, and malformed messages counted and dropped having changed nothing.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { parseMac } from '../../src/frame/mac.js';
import { classifyMcast, McastInfo, MC_CONTROL, MSG_QUERY } from '../../src/mdb/mcast-parse.js';
import { MDB_DEFAULTS, ROUTER_ALWAYS, ROUTER_OFF } from '../../src/mdb/mdb.js';
import type { BridgeEvent } from '../../src/bridge/events.js';
import { capturePorts, type CapturePort } from '../helpers/capture-port.js';
import { igmpV2Report, igmpLeave, igmpQuery, igmpV3Report, udp4, udp6, mldV1Report, mldV2Report } from '../helpers/mcast-frames.js';

const H1 = parseMac('02:00:00:00:00:01');
const H2 = parseMac('02:00:00:00:00:02');
const H3 = parseMac('02:00:00:00:00:03');
const R = parseMac('02:00:00:00:00:0e');

function setup(opts: { snooping?: boolean; querier?: boolean } = {}) {
  const clock = new VirtualClock(1_000);
  const br = new Bridge({ name: 'br0', clock, mac: parseMac('02:00:00:00:bb:00') });
  const { ports } = capturePorts(4);
  for (const p of ports) br.addPort(p);
  const events: BridgeEvent[] = [];
  br.on((e) => events.push(e));
  if (opts.querier ?? true) br.setMcastQuerier(true);
  if (opts.snooping ?? true) br.setMcastSnooping(true);
  for (const p of ports) p.take();
  const got = () => ports.map((p) => p.take().length);
  const advance = (ms: number) => { clock.advance(ms); br.tick(); };
  return { br, clock, ports: ports as [CapturePort, CapturePort, CapturePort, CapturePort], got, events, advance };
}

describe('IGMP/MLD snooping', () => {
  it('off: group traffic floods; on without any querier: still floods (the kernel trusts the table only with a querier)', () => {
    const off = setup({ snooping: false, querier: false });
    off.ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    off.got();
    off.ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(off.got()).toEqual([1, 1, 0, 1]);
    const noQ = setup({ querier: false });
    noQ.ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    expect(noQ.br.mdb.size).toBe(1);
    noQ.got();
    noQ.ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(noQ.got()).toEqual([1, 1, 0, 1]);
  });

  it('as querier the bridge sends an IGMPv2 and an MLDv1 general query on every port at once, and again at the startup interval', () => {
    const { ports, advance } = setup();
    // setup() took the ones sent when snooping went on: none since
    const info = new McastInfo();
    advance(MDB_DEFAULTS.startupQueryIntervalMs);
    for (const p of ports) {
      const qs = p.take();
      expect(qs).toHaveLength(2);
      for (const q of qs) {
        expect(classifyMcast(q.bytes, 0, q.bytes.length, info)).toBe(MC_CONTROL);
        expect(info.msg).toBe(MSG_QUERY);
        expect(info.general).toBe(true);
      }
      expect(qs.map((q) => info.family && q.bytes[12])).toEqual([0x08, 0x86]);
    }
    advance(MDB_DEFAULTS.startupQueryIntervalMs);
    expect(ports[0].take()).toHaveLength(0); // two startup queries, then every query interval
    advance(MDB_DEFAULTS.queryIntervalMs - MDB_DEFAULTS.startupQueryIntervalMs);
    expect(ports[0].take()).toHaveLength(2);
  });

  it('an IGMPv2 report makes its port a member: the group goes there only, the report itself to router ports only', () => {
    const { br, ports, got, events } = setup();
    ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    expect(got()).toEqual([0, 0, 0, 0]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'mdb-added', port: 'p1', group: '239.1.1.1' }));
    ports[2].inject(udp4(H3, '239.1.1.1'), udp4(H3, '239.1.1.1'));
    expect(got()).toEqual([2, 0, 0, 0]);
    expect(br.mcastForwarded).toBe(3); // the report (to no router port) and the two datagrams
    expect(br.mdb.entries(br.clock.now())).toEqual([{ family: 4, group: '239.1.1.1', vid: 0, port: 1, permanent: false, remainingSec: 260 }]);
  });

  it('a group nobody joined goes to router ports only; with floodUnknown it floods', () => {
    const { br, ports, got } = setup();
    ports[1].inject(igmpQuery(R)); // another querier behind p2: a router port
    expect(br.mdb.isRouter(2, br.clock.now())).toBe(true);
    got();
    ports[2].inject(udp4(H3, '239.9.9.9'));
    expect(got()).toEqual([0, 1, 0, 0]);
    br.mdb.floodUnknown = true;
    ports[2].inject(udp4(H3, '239.9.9.9'));
    expect(got()).toEqual([1, 1, 0, 1]);
  });

  it('members and router ports both get the group; a router port learned from queries times out after the querier interval', () => {
    const { br, ports, got, advance } = setup();
    ports[1].inject(igmpQuery(R));
    expect(got()).toEqual([1, 0, 1, 1]); // queries flood
    ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    expect(got()).toEqual([0, 1, 0, 0]); // the report went to the router port
    ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(got()).toEqual([1, 1, 0, 0]);
    br.setMcastQuerier(false);
    advance(MDB_DEFAULTS.querierIntervalMs);
    // no querier any more (neither the other nor us): the table is not trusted, the group floods
    ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(got()).toEqual([1, 1, 0, 1]);
    expect(br.mdb.isRouter(2, br.clock.now())).toBe(false);
  });

  it('router mode always / off, set by the user', () => {
    const { br, ports, got } = setup();
    br.mdb.setRouterMode(4, ROUTER_ALWAYS);
    ports[2].inject(udp4(H3, '239.2.2.2'));
    expect(got()).toEqual([0, 0, 0, 1]);
    br.mdb.setRouterMode(2, ROUTER_OFF);
    ports[1].inject(igmpQuery(R));
    expect(br.mdb.isRouter(2, br.clock.now())).toBe(false);
  });

  it('link-local groups (224.0.0.x, ff02::1) always flood', () => {
    const { ports, got } = setup();
    ports[0].inject(udp4(H1, '224.0.0.251'), udp6(H1, 'ff02::1'));
    expect(got()).toEqual([0, 2, 2, 2]);
  });

  it('memberships age out after the membership interval (260 s) unless a report refreshes them', () => {
    const { br, ports, got, advance, events } = setup();
    ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    ports[1].inject(igmpV2Report(H2, '239.1.1.1'));
    advance(200_000);
    ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    advance(60_000 + 1);
    got();
    ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(got()).toEqual([1, 0, 0, 0]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'mdb-removed', port: 'p2', group: '239.1.1.1' }));
    advance(200_000);
    expect(br.mdb.size).toBe(0);
  });

  it('a leave ends the membership after the last-member grace (2 s), and the querier asks the port with a group-specific query', () => {
    const { br, ports, got, advance } = setup();
    ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    ports[0].inject(igmpLeave(H1, '239.1.1.1'));
    const gsq = ports[0].take();
    expect(gsq).toHaveLength(1);
    const info = new McastInfo();
    expect(classifyMcast(gsq[0]!.bytes, 0, gsq[0]!.bytes.length, info)).toBe(MC_CONTROL);
    expect(info.msg).toBe(MSG_QUERY);
    expect(info.general).toBe(false);
    expect([...gsq[0]!.bytes.subarray(info.group, info.group + 4)]).toEqual([239, 1, 1, 1]);
    got();
    ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(got()).toEqual([1, 0, 0, 0]); // still within the grace
    advance(MDB_DEFAULTS.lastMemberMs);
    ports[2].inject(udp4(H3, '239.1.1.1'));
    expect(got()).toEqual([0, 0, 0, 0]);
    expect(br.mdb.size).toBe(0);
  });

  it('IGMPv3: EXCLUDE{} and ALLOW records join, TO_INCLUDE{} leaves; several records in one report', () => {
    const { br, ports, got, advance } = setup();
    ports[0].inject(igmpV3Report(H1, [[4, '239.1.1.1', []], [5, '239.3.3.3', ['10.0.0.1']], [1, '239.4.4.4', []]]));
    const now = br.clock.now();
    expect(br.mdb.entries(now).map((e) => e.group).sort()).toEqual(['239.1.1.1', '239.3.3.3']);
    ports[0].inject(igmpV3Report(H1, [[3, '239.1.1.1', []]]));
    advance(MDB_DEFAULTS.lastMemberMs);
    expect(br.mdb.entries(br.clock.now()).map((e) => e.group)).toEqual(['239.3.3.3']);
    got();
    ports[2].inject(udp4(H3, '239.3.3.3'));
    expect(got()).toEqual([1, 0, 0, 0]);
  });

  it('MLDv1 and MLDv2 reports make IPv6 members; IPv6 group data goes to them only', () => {
    const { br, ports, got } = setup();
    ports[0].inject(mldV1Report(H1, 'ff0e::1234'));
    ports[1].inject(mldV2Report(H2, [[4, 'ff05::1:3'], [2, 'ff0e::1234']]));
    const now = br.clock.now();
    expect(br.mdb.entries(now).map((e) => `${e.group}@${e.port}`).sort()).toEqual(['ff05::1:3@2', 'ff0e::1234@1', 'ff0e::1234@2']);
    got();
    ports[2].inject(udp6(H3, 'ff0e::1234'));
    expect(got()).toEqual([1, 1, 0, 0]);
    ports[2].inject(udp6(H3, 'ff05::1:3'));
    expect(got()).toEqual([0, 1, 0, 0]);
  });

  it('a report with a bad checksum or a record past its end is dropped and counted; nothing learned', () => {
    const { br, ports, got } = setup();
    const bad = igmpV2Report(H1, '239.1.1.1');
    bad[bad.length - 1] ^= 0x01;
    const short = igmpV3Report(H1, [[4, '239.1.1.1', []]]);
    short[14 + 24 + 7] = 2; // claims two records, holds one
    const bp = br.portByName('p1')!;
    ports[0].inject(bad, short);
    expect(got()).toEqual([0, 0, 0, 0]);
    expect(br.mdb.size).toBe(0);
    expect(br.mcastMalformed).toBe(2);
    expect(bp.dropMalformed).toBe(2);
  });

  it('snooping off forgets the table; a port that goes down loses its memberships', () => {
    const { br, ports } = setup();
    ports[0].inject(igmpV2Report(H1, '239.1.1.1'));
    ports[1].inject(igmpV2Report(H2, '239.1.1.1'));
    ports[1].linkDown();
    expect(br.mdb.entries(br.clock.now()).map((e) => e.port)).toEqual([1]);
    br.setMcastSnooping(false);
    expect(br.mdb.size).toBe(0);
  });
});
