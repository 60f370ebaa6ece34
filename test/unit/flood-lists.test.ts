// The Bridge's per-class flood lists (bridge.ts, egress.ts floodListed/mayFloodListed): they follow
// link down/up, STP state changes, flag changes, the analyser role and ports coming and going, and
// a flood reaches exactly the ports egressCheck() allows (which refuses analysers) — first in named steps,
// then over random sequences of all of these (fast-check, fixed seed; FC_SEED/FC_RUNS to explore).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { BridgePort, PortFlags } from '../../src/bridge/port.js';
import { egressCheck, floodListed, EG_OK, CLASS_UNKNOWN_UNICAST, CLASS_BROADCAST, CLASS_MULTICAST } from '../../src/bridge/egress.js';
import { PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING, PORT_LISTENING, PORT_DISABLED } from '../../src/stp/port-state.js';
import { MAC_BROADCAST, parseMac } from '../../src/frame/mac.js';
import { CapturePort, CaptureLog, frame } from '../helpers/capture-port.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0xf100d;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 200;

/** A destination per flood class: never a source here, so the unicast one stays unknown. */
const DST = [parseMac('02:00:00:00:99:99'), MAC_BROADCAST, parseMac('01:00:5e:00:00:01')];
const CLASSES = [CLASS_UNKNOWN_UNICAST, CLASS_BROADCAST, CLASS_MULTICAST];
const names = (ps: readonly BridgePort[]) => ps.map((p) => p.name).sort();
const lists = (br: Bridge) => CLASSES.map((c) => names(br.floodListOf(c)));

function setup(n: number) {
  const br = new Bridge({ name: 'br0', clock: new VirtualClock(1000), mac: parseMac('02:00:00:00:bb:00') });
  const log = new CaptureLog();
  const caps: CapturePort[] = [];
  for (let i = 1; i <= n; i++) {
    const c = new CapturePort(`p${i}`, { log, mac: 0x0200_00ff_0000 + i });
    caps.push(c);
    br.addPort(c);
  }
  return { br, log, caps, bp: (name: string) => br.portByName(name)! };
}

describe('flood lists', () => {
  it('a port tells its bridge of flags only when one changed (a reload sets every port\'s flags again)', () => {
    const { br, bp } = setup(2);
    const p = bp('p1');
    const real = p.owner!;
    let told = 0;
    p.owner = { portChanged: (x) => { told++; real.portChanged(x); } };
    p.setFlags(p.flags());
    p.setFlags({ hairpin: false, learning: true });
    expect(told).toBe(0);
    p.setFlags({ floodBroadcast: false });
    expect(told).toBe(1);
    expect(names(br.floodListOf(CLASS_BROADCAST))).toEqual(['p2']);
    p.setFlags({ hairpin: true });
    expect(told).toBe(2);
    p.owner = real;
  });

  it('follow link down/up, flags, the analyser role and ports added and removed', () => {
    const { br, log, caps, bp } = setup(4);
    const all = ['p1', 'p2', 'p3', 'p4'];
    expect(lists(br)).toEqual([all, all, all]);
    caps[1]!.linkDown();
    expect(lists(br)).toEqual([['p1', 'p3', 'p4'], ['p1', 'p3', 'p4'], ['p1', 'p3', 'p4']]);
    caps[1]!.linkUp();
    expect(lists(br)).toEqual([all, all, all]);

    bp('p3').setFlags({ floodBroadcast: false });
    bp('p4').setFlags({ floodUnicast: false, floodMulticast: false });
    expect(lists(br)).toEqual([['p1', 'p2', 'p3'], ['p1', 'p2', 'p4'], ['p1', 'p2', 'p3']]);
    bp('p3').setFlags({ learning: false, hairpin: true }); // neither is a list fact
    expect(lists(br)).toEqual([['p1', 'p2', 'p3'], ['p1', 'p2', 'p4'], ['p1', 'p2', 'p3']]);
    caps[0]!.inject(frame(MAC_BROADCAST, '02:00:00:00:00:0a'));
    expect(log.ports()).toEqual(['p2', 'p4']);
    log.clear();
    bp('p3').setFlags({ floodBroadcast: true });
    bp('p4').setFlags({ floodUnicast: true, floodMulticast: true });

    br.addMirror('span', ['p1'], 'in', 'p4');
    expect(lists(br)).toEqual([['p1', 'p2', 'p3'], ['p1', 'p2', 'p3'], ['p1', 'p2', 'p3']]);
    br.deleteMirror('span');
    expect(lists(br)).toEqual([all, all, all]);

    const p5 = new CapturePort('p5', { log });
    br.addPort(p5, { floodBroadcast: false });
    expect(lists(br)).toEqual([[...all, 'p5'], all, [...all, 'p5']]);
    const gone = br.removePort('p2');
    expect(lists(br)).toEqual([['p1', 'p3', 'p4', 'p5'], ['p1', 'p3', 'p4'], ['p1', 'p3', 'p4', 'p5']]);
    // a removed port's later changes reach no list
    gone.setUp(true);
    gone.setState(PORT_FORWARDING);
    gone.setFlags({ floodUnicast: true });
    expect(lists(br)).toEqual([['p1', 'p3', 'p4', 'p5'], ['p1', 'p3', 'p4'], ['p1', 'p3', 'p4', 'p5']]);
    caps[0]!.inject(frame(DST[0]!, '02:00:00:00:00:0a'));
    expect(log.ports()).toEqual(['p3', 'p4', 'p5']);
  });

  it('follow STP: empty while ports listen and learn, full once they forward, without a port that goes down', () => {
    const { br, caps } = setup(3);
    br.stp.enable();
    expect(br.allPorts().map((p) => p.state)).not.toContain(PORT_FORWARDING);
    expect(lists(br)).toEqual([[], [], []]);
    const clock = br.clock as VirtualClock;
    for (let t = 0; t < 40_000; t += 500) { clock.advance(500); br.tick(); }
    expect(br.allPorts().map((p) => p.state)).toEqual([PORT_FORWARDING, PORT_FORWARDING, PORT_FORWARDING]);
    expect(lists(br)).toEqual([['p1', 'p2', 'p3'], ['p1', 'p2', 'p3'], ['p1', 'p2', 'p3']]);
    caps[2]!.linkDown();
    expect(br.portByName('p3')!.state).toBe(PORT_DISABLED);
    expect(lists(br)).toEqual([['p1', 'p2'], ['p1', 'p2'], ['p1', 'p2']]);
  });
});

// ---- property: random changes, then a flood of each class, against egressCheck over every port

type Flag = Exclude<keyof PortFlags, 'learning'>;
type Cmd =
  | { t: 'flood'; port: number; cls: number }
  | { t: 'link'; port: number; up: boolean }
  | { t: 'state'; port: number; state: number }
  | { t: 'flag'; port: number; flag: Flag; on: boolean }
  | { t: 'mirror'; from: number; to: number }
  | { t: 'add'; bcast: boolean }
  | { t: 'remove'; port: number }
  | { t: 'vlans'; port: number; member: boolean };

const port = fc.nat(15);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('flood' as const), port, cls: fc.constantFrom(...CLASSES) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('link' as const), port, up: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('state' as const), port, state: fc.constantFrom(PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING, PORT_LISTENING) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('flag' as const), port, flag: fc.constantFrom<Flag>('floodUnicast', 'floodBroadcast', 'floodMulticast', 'hairpin'), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('mirror' as const), from: port, to: port }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('add' as const), bcast: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), port }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('vlans' as const), port, member: fc.boolean() }) },
);

describe('flood lists: property', () => {
  it('a flood reaches exactly the ports egressCheck allows, and the lists are what floodListed says', () => {
    let floods = 0;
    let sent = 0;
    fc.assert(fc.property(fc.boolean(), fc.boolean(), fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (host, vf, cmds) => {
      const br = new Bridge({ name: 'br0', clock: new VirtualClock(1000), mac: parseMac('02:00:00:00:bb:00'), vlanFiltering: vf });
      const log = new CaptureLog();
      const caps: CapturePort[] = [];
      let made = 0;
      const add = (opts: { host?: boolean; floodBroadcast?: boolean } = {}) => {
        const c = new CapturePort(`p${++made}`, { log, mac: 0x0200_00ff_0000 + made });
        caps.push(c);
        br.addPort(c, opts);
      };
      if (host) add({ host: true });
      for (let i = 0; i < 3; i++) add();
      const at = (i: number) => { const c = caps[i % caps.length]!; return { c, p: br.portByName(c.name)! }; };
      for (const cmd of cmds) {
        switch (cmd.t) {
          case 'flood': {
            const { c, p: ingress } = at(cmd.port);
            const before = br.flooded;
            const m = br.mirrors.get('m');
            const copies = m?.copies ?? 0;
            log.clear();
            c.inject(frame(DST[cmd.cls]!, 0x0200_0000_0a00 + ingress.no));
            // an analyser gets the session's copies and nothing else
            const got = log.ports().filter((n) => n !== m?.to.name);
            expect(log.ports().length - got.length).toBe((m?.copies ?? 0) - copies);
            if (br.flooded === before) { expect(got).toEqual([]); break; }
            floods++;
            const want = br.allPorts().filter((p) => egressCheck(p, ingress, cmd.cls, vf, ingress.pvid) === EG_OK);
            expect(got.sort()).toEqual(names(want));
            sent += want.length;
            break;
          }
          case 'link': { const { c } = at(cmd.port); if (cmd.up) c.linkUp(); else c.linkDown(); break; }
          case 'state': { const { p } = at(cmd.port); if (p.up) p.setState(cmd.state); break; }
          case 'flag': at(cmd.port).p.setFlags({ [cmd.flag]: cmd.on }); break;
          case 'mirror': {
            const from = at(cmd.from).p;
            const to = at(cmd.to).p;
            if (br.mirrors.has('m')) br.deleteMirror('m');
            else if (from !== to && !to.isHost) br.addMirror('m', [from.name], 'in', to.name);
            break;
          }
          case 'add': if (caps.length < 8) add({ floodBroadcast: cmd.bcast }); break;
          case 'remove': {
            if (caps.length <= 2) break;
            const i = cmd.port % caps.length;
            br.removePort(caps[i]!.name);
            caps.splice(i, 1);
            break;
          }
          case 'vlans': {
            const { p } = at(cmd.port);
            p.vlans = new Uint8Array(4096);
            p.vlans[1] = cmd.member ? 1 : 0;
            break;
          }
        }
        for (const cls of CLASSES) expect(names(br.floodListOf(cls))).toEqual(names(br.allPorts().filter((p) => floodListed(p, cls))));
      }
    }), { seed: SEED, numRuns: RUNS });
    // the property is not vacuous: floods happened and reached ports
    expect(floods).toBeGreaterThan(RUNS);
    expect(sent).toBeGreaterThan(floods);
  });
});
