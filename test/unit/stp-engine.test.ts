// One STP engine against a fake host on a virtual clock: defaults, ranges, path costs, state
// timing, hello/hold/message-age/TC timers, the receive path and its counters.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/bridge/clock.js';
import {
  PORT_BLOCKING, PORT_DISABLED, PORT_FORWARDING, PORT_LEARNING, PORT_LISTENING,
} from '../../src/stp/port-state.js';
import {
  Stp, buildConfigBpdu, buildTcnBpdu, parseBpdu, pathCostForSpeed,
  type ConfigBpdu, type ConfigBpduFields, type StpEvent, type StpHost, type StpOptions,
} from '../../src/stp/index.js';

const BR_MAC = 0x020000000010;
const PORT_MAC = (n: number): number => 0x020000000100 + n;

class FakeHost implements StpHost {
  readonly clock = new VirtualClock(0);
  readonly sent: Array<{ t: number; port: number; frame: Uint8Array }> = [];
  readonly states = new Map<number, number>();
  readonly stateLog: Array<{ t: number; port: number; state: number }> = [];
  readonly tc: Array<{ t: number; active: boolean; fd: number; ageing: number }> = [];
  readonly events: StpEvent[] = [];
  onSend: ((port: number, frame: Uint8Array) => void) | null = null;
  now(): number { return this.clock.now(); }
  sendBpdu(port: number, frame: Uint8Array): void {
    this.sent.push({ t: this.clock.now(), port, frame });
    this.onSend?.(port, frame);
  }
  setPortState(port: number, state: number): void {
    this.states.set(port, state);
    this.stateLog.push({ t: this.clock.now(), port, state });
  }
  topologyChange(active: boolean, fd: number, ageing: number): void {
    this.tc.push({ t: this.clock.now(), active, fd, ageing });
  }
  event(e: StpEvent): void { this.events.push(e); }

  configs(port?: number): ConfigBpdu[] {
    const out: ConfigBpdu[] = [];
    for (const s of this.sent) {
      if (port !== undefined && s.port !== port) continue;
      const r = parseBpdu(s.frame, 0, s.frame.length);
      if (r.ok && r.bpdu.type === 'config') out.push(r.bpdu);
    }
    return out;
  }
  tcns(port?: number): number {
    return this.sent.filter((s) => (port === undefined || s.port === port) && parseBpdu(s.frame, 0, s.frame.length).ok
      && (parseBpdu(s.frame, 0, s.frame.length) as { ok: true; bpdu: { type: string } }).bpdu.type === 'tcn').length;
  }
  /** State changes of a port since STP was last enabled, as [engine time, state name]. */
  stateTimes(port: number): Array<[number, string]> {
    const from = this.events.map((e) => e.type).lastIndexOf('stp-enabled');
    return this.events.slice(from + 1)
      .filter((e): e is Extract<StpEvent, { type: 'stp-state' }> => e.type === 'stp-state' && e.port === port)
      .map((e) => [e.time, e.stateName]);
  }
}

function setup(opts: Partial<StpOptions> = {}, ports: Array<[number, number]> = [[1, 10000], [2, 10000]]) {
  const host = new FakeHost();
  const stp = new Stp(host, { bridgeMac: BR_MAC, ...opts });
  for (const [no, speed] of ports) stp.addPort(no, { mac: PORT_MAC(no), speedMbps: speed });
  return { host, stp };
}

/** Advance the clock in steps, ticking after each, as the daemon does. */
function run(host: FakeHost, stp: Stp, ms: number, step = 100, every2s?: () => void): void {
  for (let done = 0; done < ms; done += step) {
    host.clock.advance(Math.min(step, ms - done));
    stp.tick();
    if (every2s && host.clock.now() % 2000 === 0) every2s();
  }
}

const SUPERIOR: ConfigBpduFields = {
  topologyChange: false,
  topologyChangeAck: false,
  root: { prio: 0x1000, mac: 0x0200000000aa },
  rootPathCost: 4,
  bridge: { prio: 0x2000, mac: 0x0200000000bb },
  portId: 0x8003,
  messageAge: 256, // 1 s
  maxAge: 20 * 256,
  helloTime: 2 * 256,
  forwardDelay: 15 * 256,
};

function cfg(over: Partial<ConfigBpduFields> = {}, src = 0x0200000000bb): Uint8Array {
  return buildConfigBpdu(src, { ...SUPERIOR, ...over });
}

describe('defaults and identifiers', () => {
  it('uses the kernel defaults and port ids 0x8001…', () => {
    const { stp } = setup();
    const s = stp.snapshot();
    expect(s).toMatchObject({
      enabled: false,
      bridgeId: '8000.020000000010',
      bridgePriority: 32768,
      designatedRoot: '8000.020000000010',
      isRoot: true,
      rootPort: 0,
      rootPathCost: 0,
      maxAge: 20, helloTime: 2, forwardDelay: 15,
      bridgeMaxAge: 20, bridgeHelloTime: 2, bridgeForwardDelay: 15,
      flags: [],
    });
    expect(s.ports.map((p) => [p.portNo, p.portId, p.portIdHex, p.priority, p.pathCost])).toEqual([
      [1, 0x8001, '8001', 32, 2],
      [2, 0x8002, '8002', 32, 2],
    ]);
  });

  it('port ids follow priority << 10 | port number', () => {
    const { stp } = setup({}, [[1023, 1000]]);
    stp.addPort(7, { mac: PORT_MAC(7), speedMbps: 100, priority: 0 });
    stp.setPortPriority(1023, 63);
    const ids = stp.snapshot().ports.map((p) => p.portIdHex);
    expect(ids).toEqual(['0007', 'ffff']);
  });

  it('maps link speed to path cost as the kernel port_cost()', () => {
    const table: Array<[number | undefined, number]> = [
      [10, 100], [100, 19], [1000, 5], [2500, 4], [5000, 3], [10000, 2], [25000, 1], [100000, 1],
      [0, 100], [undefined, 100], [40, 100], [20, 100], [400, 100],
    ];
    for (const [speed, cost] of table) expect(pathCostForSpeed(speed), `speed ${speed}`).toBe(cost);
    const { stp } = setup({}, [[1, 10], [2, 100], [3, 1000], [4, 0]]);
    expect(stp.snapshot().ports.map((p) => p.pathCost)).toEqual([100, 19, 5, 100]);
  });

  it('an administrative cost survives carrier and speed changes; a speed cost follows', () => {
    const { stp } = setup({}, [[1, 1000], [2, 1000]]);
    stp.setPathCost(1, 7);
    stp.setPortSpeed(1, 10);
    stp.setPortSpeed(2, 10);
    stp.portDown(1);
    stp.portUp(1);
    expect(stp.snapshot().ports.map((p) => [p.pathCost, p.adminPathCost])).toEqual([[7, true], [100, false]]);
  });
});

describe('range errors name the value and the allowed range', () => {
  const { stp } = setup();
  const cases: Array<[string, () => void, RegExp]> = [
    ['hello 0.5 s', () => stp.setHelloTime(500), /hello time 500 ms .*1000–10000/],
    ['hello 11 s', () => stp.setHelloTime(11000), /hello time 11000 ms .*1000–10000/],
    ['max age 5 s', () => stp.setMaxAge(5000), /max age 5000 ms .*6000–40000/],
    ['max age 41 s', () => stp.setMaxAge(41000), /max age 41000 ms .*6000–40000/],
    ['priority -1', () => stp.setBridgePriority(-1), /bridge priority -1 .*0–65535/],
    ['priority 65536', () => stp.setBridgePriority(65536), /bridge priority 65536 .*0–65535/],
    ['port priority 64', () => stp.setPortPriority(1, 64), /port priority 64 .*0–63/],
    ['path cost 0', () => stp.setPathCost(1, 0), /path cost 0 .*1–65535/],
    ['path cost 65536', () => stp.setPathCost(1, 65536), /path cost 65536 .*1–65535/],
    ['port 0', () => stp.addPort(0, { mac: 1, speedMbps: 0 }), /port number 0 .*1–1023/],
    ['port 1024', () => stp.addPort(1024, { mac: 1, speedMbps: 0 }), /port number 1024 .*1–1023/],
    ['NaN hello', () => stp.setHelloTime(Number.NaN), /hello time NaN/],
    ['ctor max age', () => new Stp(new FakeHost(), { bridgeMac: 1, maxAgeMs: 50000 }), /max age 50000 ms/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      expect(f).toThrow(RangeError);
      expect(f).toThrow(re);
    });
  }

  it('forward delay: 2–30 s with STP on; anything while off, clamped when STP comes on', () => {
    const { stp: s } = setup();
    s.setForwardDelay(0); // libvirt does this on virbr0 before turning STP on
    expect(s.snapshot().bridgeForwardDelay).toBe(0);
    s.enable();
    expect(s.snapshot().bridgeForwardDelay).toBe(2);
    expect(() => s.setForwardDelay(1000)).toThrow(/forward delay 1000 ms .*2000–30000/);
    expect(() => s.setForwardDelay(31000)).toThrow(RangeError);
    s.setForwardDelay(4000);
    expect(s.snapshot().forwardDelay).toBe(4);
  });
});

describe('STP off', () => {
  it('forwards on every port that is up, sends nothing, ignores BPDUs', () => {
    const { host, stp } = setup();
    stp.addPort(3, { mac: PORT_MAC(3), speedMbps: 1000, up: false });
    expect([...host.states]).toEqual([[1, PORT_FORWARDING], [2, PORT_FORWARDING], [3, PORT_DISABLED]]);
    stp.receive(1, cfg(), 0, 60);
    run(host, stp, 60000, 1000);
    expect(host.sent).toHaveLength(0);
    expect(host.tc).toHaveLength(0);
    const s = stp.snapshot();
    expect(s.isRoot).toBe(true);
    expect(s.ports[0]!.counters.rxIgnored).toBe(1);
    expect(s.drops['stp-disabled']).toBe(1);
    stp.portUp(3);
    expect(host.states.get(3)).toBe(PORT_FORWARDING);
  });

  it('turning STP off makes blocked ports forward and ends a topology change', () => {
    const { host, stp } = setup();
    stp.enable();
    // an upstream bridge on both ports keeps its info fresh every hello
    const upstream = (): void => {
      stp.receive(1, cfg(), 0, 60);
      stp.receive(2, cfg({ portId: 0x8004 }), 0, 60);
    };
    upstream();
    expect(host.states.get(2)).toBe(PORT_BLOCKING);
    run(host, stp, 40000, 100, upstream);
    expect(stp.snapshot().topologyChange).toBe(false);
    expect(host.states.get(1)).toBe(PORT_FORWARDING);
    stp.receive(1, cfg({ topologyChange: true }), 0, 60);
    expect(host.tc.at(-1)?.active).toBe(true);
    const sentBefore = host.sent.length;
    stp.disable();
    expect(host.tc.at(-1)?.active).toBe(false);
    expect([...host.states]).toEqual([[1, PORT_FORWARDING], [2, PORT_FORWARDING]]);
    expect(stp.snapshot()).toMatchObject({ isRoot: true, rootPort: 0, topologyChange: false, enabled: false });
    run(host, stp, 60000, 1000);
    expect(host.sent.length).toBe(sentBefore);
  });
});

describe('a single bridge', () => {
  it('becomes root; ports go blocking → listening → learning (15 s) → forwarding (30 s)', () => {
    const { host, stp } = setup();
    stp.enable();
    expect(host.states.get(1)).toBe(PORT_LISTENING);
    run(host, stp, 40000);
    expect(host.stateTimes(1)).toEqual([
      [0, 'blocking'], [0, 'listening'], [15000, 'learning'], [30000, 'forwarding'],
    ]);
    expect(host.stateLog.filter((l) => l.port === 1).map((l) => [l.t, l.state])).toEqual([
      [0, PORT_DISABLED], [0, PORT_BLOCKING], [0, PORT_FORWARDING], // STP off at addPort: br_init_port, then forward
      [0, PORT_BLOCKING], [0, PORT_LISTENING], [15000, PORT_LEARNING], [30000, PORT_FORWARDING],
    ]);
    const s = stp.snapshot();
    expect(s.isRoot).toBe(true);
    expect(s.ports.map((p) => [p.stateName, p.role])).toEqual([['forwarding', 'designated'], ['forwarding', 'designated']]);
  });

  it('transition times do not depend on tick granularity', () => {
    for (const step of [1, 100, 1000, 7000, 60000]) {
      const { host, stp } = setup();
      stp.enable();
      run(host, stp, 60000, step);
      expect(host.stateTimes(2), `step ${step}`).toEqual([
        [0, 'blocking'], [0, 'listening'], [15000, 'learning'], [30000, 'forwarding'],
      ]);
      const tcStarts = host.events.filter((e) => e.type === 'tc-start').map((e) => e.time);
      expect(tcStarts, `step ${step}`).toEqual([30000]);
      // hellos at 2, 4, …, 60 s on each port
      expect(host.configs(1), `step ${step}`).toHaveLength(30);
    }
  });

  it('sends config BPDUs every hello time with its own root info', () => {
    const { host, stp } = setup();
    stp.enable();
    run(host, stp, 1900);
    expect(host.sent).toHaveLength(0); // nothing before the first hello
    run(host, stp, 8100);
    expect(host.sent.map((s) => [s.t, s.port])).toEqual([
      [2000, 1], [2000, 2], [4000, 1], [4000, 2], [6000, 1], [6000, 2], [8000, 1], [8000, 2], [10000, 1], [10000, 2],
    ]);
    const f = host.sent[0]!.frame;
    expect(Array.from(f.subarray(0, 17))).toEqual([
      0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0, 0, 0x01, 0x01, 0x00, 0x26, 0x42, 0x42, 0x03,
    ]);
    expect(host.configs(2)[0]).toMatchObject({
      root: { prio: 0x8000, mac: BR_MAC }, rootPathCost: 0, bridge: { prio: 0x8000, mac: BR_MAC },
      portId: 0x8002, messageAge: 0, maxAge: 5120, helloTime: 512, forwardDelay: 3840, topologyChange: false,
    });
  });

  it('when its ports start forwarding it is a topology change for max age + forward delay', () => {
    const { host, stp } = setup();
    stp.enable();
    run(host, stp, 70000);
    expect(host.tc).toEqual([
      { t: 30000, active: true, fd: 15000, ageing: 30000 },
      { t: 65000, active: false, fd: 15000, ageing: 30000 },
    ]);
    const withTc = host.configs(1).filter((c) => c.topologyChange);
    expect(withTc.length).toBeGreaterThan(0);
    expect(host.configs(1).at(-1)!.topologyChange).toBe(false);
  });

  it('hello and hold timers are rounded to whole seconds like round_jiffies', () => {
    const { host, stp } = setup();
    host.clock.set(500);
    stp.enable(); // hello at 2500 (not rounded: br_stp_start), then round(4500) = 5000
    run(host, stp, 6000);
    expect([...new Set(host.sent.map((s) => s.t))]).toEqual([2500, 5000]);
    const snap = stp.snapshot(); // at 6500
    expect(snap.helloTimer).toBe(0.5);
    expect(snap.ports[0]!.holdTimer).toBe(0);
  });

  it('without rounding the hellos are exactly helloMs apart', () => {
    const { host, stp } = setup({ roundTimers: false, helloMs: 1500 });
    host.clock.set(300);
    stp.enable();
    run(host, stp, 5000);
    expect([...new Set(host.sent.map((s) => s.t))]).toEqual([1800, 3300, 4800]);
  });
});

describe('receiving config BPDUs', () => {
  it('a superior BPDU makes the port root port; the bridge relays with cost and age added', () => {
    const { host, stp } = setup({}, [[1, 10000], [2, 100]]);
    stp.enable();
    run(host, stp, 3000); // one hello sent at 2 s
    const before = host.sent.length;
    stp.receive(1, cfg(), 0, 60);
    const s = stp.snapshot();
    expect(s).toMatchObject({
      isRoot: false, rootPort: 1, rootPathCost: 6, designatedRoot: '1000.0200000000aa', helloTimer: 0,
    });
    expect(s.ports[0]).toMatchObject({
      role: 'root', designatedBridge: '2000.0200000000bb', designatedPortHex: '8003', designatedCost: 4,
      messageAgeTimer: 19, // 20 s max age − 1 s message age
    });
    expect(s.ports[1]).toMatchObject({ role: 'designated', designatedRoot: '1000.0200000000aa', designatedCost: 6 });
    // relayed at once on port 2 (its hold timer from the 2 s hello ran out at 3 s)
    const relayed = host.sent.slice(before);
    expect(relayed.map((r) => r.port)).toEqual([2]);
    expect(host.configs(2).at(-1)).toMatchObject({
      root: SUPERIOR.root, rootPathCost: 6, bridge: { prio: 0x8000, mac: BR_MAC }, portId: 0x8002,
      messageAge: 257, // + MESSAGE_AGE_INCR, one STP tick
      maxAge: 5120,
    });
    expect(s.rootChanges).toBe(1);
    expect(host.events.some((e) => e.type === 'root-change')).toBe(true);
  });

  it('takes the root timers from the root port and relays them', () => {
    const { host, stp } = setup();
    stp.enable();
    stp.receive(1, cfg({ maxAge: 10 * 256, helloTime: 256, forwardDelay: 4 * 256 }), 0, 60);
    const s = stp.snapshot();
    expect([s.maxAge, s.helloTime, s.forwardDelay]).toEqual([10, 1, 4]);
    expect([s.bridgeMaxAge, s.bridgeHelloTime, s.bridgeForwardDelay]).toEqual([20, 2, 15]);
    // port 2 entered listening before with 15 s; port 1 as root port keeps its timer too
    expect(host.configs(2).at(-1)).toMatchObject({ maxAge: 2560, helloTime: 256, forwardDelay: 1024 });
  });

  it('the message age of a relay grows with the time the info was held', () => {
    const { host, stp } = setup();
    stp.enable();
    stp.receive(1, cfg({ messageAge: 512 }), 0, 60); // 2 s old
    run(host, stp, 1500);
    stp.receive(2, cfg({ rootPathCost: 100, bridge: { prio: 0x9000, mac: 5 }, portId: 0x8001 }, 5), 0, 60); // inferior
    // reply on port 2 after its hold timer: age = 2 s + 1.5 s + 4 ms
    const last = host.configs(2).at(-1)!;
    expect(last.messageAge).toBe(Math.floor(((2000 + 1500 + 4) * 256) / 1000));
  });

  it('stored info expires after max age − message age and the bridge is root again', () => {
    const { host, stp } = setup();
    stp.enable();
    stp.receive(1, cfg({ messageAge: 5 * 256 }), 0, 60);
    expect(stp.snapshot().isRoot).toBe(false);
    run(host, stp, 14900);
    expect(stp.snapshot().isRoot).toBe(false);
    run(host, stp, 100);
    expect(stp.snapshot()).toMatchObject({ isRoot: true, rootPort: 0, flags: ['TOPOLOGY_CHANGE', 'TOPOLOGY_CHANGE_DETECTED'] });
    const lost = host.events.find((e) => e.type === 'neighbor-lost');
    expect(lost).toMatchObject({ time: 15000, port: 1, designatedBridge: '2000.0200000000bb' });
    expect(host.events.filter((e) => e.type === 'became-root').map((e) => e.time)).toEqual([15000]);
  });

  it('info as old as its max age is discarded at once; older is ignored', () => {
    const { stp } = setup();
    stp.enable();
    stp.receive(1, cfg({ messageAge: 20 * 256 }), 0, 60);
    expect(stp.snapshot().isRoot).toBe(true);
    stp.receive(1, cfg({ messageAge: 20 * 256 + 1 }), 0, 60);
    const s = stp.snapshot();
    expect(s.isRoot).toBe(true);
    expect(s.drops['message-age-exceeds-max-age']).toBe(1);
    expect(s.ports[0]!.counters).toMatchObject({ rxBpdu: 1, rxIgnored: 1 });
  });

  it('answers inferior info on a designated port at once, then at most once per hold time', () => {
    const { host, stp } = setup();
    stp.enable();
    run(host, stp, 4500); // hellos at 2 s and 4 s; hold until 5 s
    const inferior = cfg({ root: { prio: 0x9000, mac: 9 }, bridge: { prio: 0x9000, mac: 9 } }, 9);
    stp.receive(1, inferior, 0, 60);
    expect(stp.snapshot().ports[0]).toMatchObject({ configPending: true, flags: ['CONFIG_PENDING'] });
    const n = host.configs(1).length;
    run(host, stp, 500); // hold timer runs out at 5 s: the pending config goes out
    expect(host.configs(1).length).toBe(n + 1);
    expect(host.sent.at(-1)!.t).toBe(5000);
    expect(stp.snapshot().ports[0]!.configPending).toBe(false);
  });

  it('its own BPDU looped back blocks the higher of the two looped ports', () => {
    const { host, stp } = setup();
    host.onSend = (port, frame) => stp.receive(port === 1 ? 2 : 1, frame, 0, frame.length); // 1 ↔ 2 looped
    stp.enable();
    run(host, stp, 40000);
    expect(stp.snapshot().ports.map((p) => [p.stateName, p.role])).toEqual([
      ['forwarding', 'designated'], ['blocking', 'alternate'],
    ]);
  });

  it('counts and ignores malformed frames without acting on them', () => {
    const { stp } = setup();
    stp.enable();
    const good = cfg();
    const badLlc = good.slice(); badLlc[14] = 0xaa;
    const badProto = good.slice(); badProto[17] = 1;
    const short = good.slice(); short[13] = 0x25;
    stp.receive(1, badLlc, 0, 60);
    stp.receive(1, badProto, 0, 60);
    stp.receive(2, short, 0, 60);
    stp.receive(2, good, 0, 16);
    stp.receive(9, good, 0, 60); // no such port
    const s = stp.snapshot();
    expect(s.isRoot).toBe(true);
    expect(s.ports.map((p) => p.counters.rxMalformed)).toEqual([2, 2]);
    expect(s.rxMalformed).toBe(4);
    expect(s.drops).toEqual({ 'bad-llc': 1, 'bad-protocol-id': 1, 'truncated-config': 1, truncated: 1, 'unknown-port': 1 });
    expect(s.ports.every((p) => p.counters.rxBpdu === 0)).toBe(true);
  });

  it('drops RST BPDUs as the kernel does, unless acceptRstp', () => {
    const rst = cfg(); rst[13] = 0x27; rst[19] = 2; rst[20] = 2; rst[52] = 0;
    const off = setup();
    off.stp.enable();
    off.stp.receive(1, rst, 0, 60);
    expect(off.stp.snapshot()).toMatchObject({ isRoot: true, drops: { 'unsupported-version': 1 } });
    const on = setup({ acceptRstp: true });
    on.stp.enable();
    on.stp.receive(1, rst, 0, 60);
    expect(on.stp.snapshot()).toMatchObject({ isRoot: false, rootPort: 1 });
  });

  it('a host that delivers frames from inside sendBpdu is queued, not re-entered', () => {
    const { host, stp } = setup();
    let depth = 0;
    let maxDepth = 0;
    host.onSend = (port, frame) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      if (port === 1) stp.receive(2, frame, 0, frame.length);
      depth--;
    };
    stp.enable();
    run(host, stp, 40000);
    expect(maxDepth).toBe(1);
    expect(stp.snapshot().ports.map((p) => p.stateName)).toEqual(['forwarding', 'blocking']);
  });
});

describe('topology change', () => {
  it('root: a TCN on a designated port sets TC for max age + forward delay and is acknowledged', () => {
    const { host, stp } = setup();
    stp.enable();
    run(host, stp, 70000); // past the start-up topology change
    host.sent.length = 0;
    host.tc.length = 0;
    host.clock.advance(300);
    stp.receive(2, buildTcnBpdu(0x0200000000cc), 0, 60);
    expect(host.tc[0]).toMatchObject({ t: 70300, active: true });
    expect(stp.snapshot().topologyChangeTimer).toBe(35);
    // the hello at 70 s holds port 2 until 71 s: the acknowledgement waits for it
    expect(stp.snapshot().ports[1]).toMatchObject({ flags: ['CONFIG_PENDING', 'TOPOLOGY_CHANGE_ACK'] });
    expect(host.configs(2)).toHaveLength(0);
    run(host, stp, 700);
    expect(host.sent.at(-1)!.t).toBe(71000);
    expect(host.configs(2)).toEqual([expect.objectContaining({ topologyChangeAck: true, topologyChange: true })]);
    run(host, stp, 35300);
    expect(host.tc.map((x) => [x.t, x.active])).toEqual([[70300, true], [105300, false]]);
    expect(stp.snapshot().ports[1]!.counters.rxTcn).toBe(1);
  });

  it('non-root: sends TCNs on the root port every hello until acknowledged', () => {
    const { host, stp } = setup();
    stp.enable();
    const root = (): void => { stp.receive(1, cfg(), 0, 60); };
    root();
    run(host, stp, 29000, 100, root);
    expect(host.tcns()).toBe(0);
    run(host, stp, 3500, 100, root); // port 2 (designated) forwards at 30 s → TC
    expect(host.events.find((e) => e.type === 'tc-detected')).toMatchObject({ time: 30000, isRoot: false });
    expect(host.tcns(1)).toBe(2); // at 30 s and again at 32 s (bridge hello time), nothing on port 2
    expect(host.tcns(2)).toBe(0);
    expect(stp.snapshot()).toMatchObject({ tcnTimer: 1.5, flags: ['TOPOLOGY_CHANGE_DETECTED'] });
    stp.receive(1, cfg({ topologyChangeAck: true, topologyChange: true }), 0, 60);
    expect(stp.snapshot()).toMatchObject({ tcnTimer: 0, topologyChangeDetected: false, topologyChange: true });
    expect(host.tc.at(-1)).toMatchObject({ active: true, fd: 15000, ageing: 30000 });
    // the TC flag is relayed downstream while the root sets it — once port 2's hold timer
    // (relay at 32 s) lets the pending config out at 33 s
    expect(stp.snapshot().ports[1]!.configPending).toBe(true);
    run(host, stp, 600);
    expect(host.sent.at(-1)!.t).toBe(33000);
    expect(host.configs(2).at(-1)).toMatchObject({ topologyChange: true });
    run(host, stp, 10000, 100, root);
    expect(host.tcns(1)).toBe(2);
    // the root stopped setting TC: the bridge follows on the next BPDU
    expect(host.tc.at(-1)).toMatchObject({ active: false });
  });

  it('a leaf whose only port is its root port does not signal a change when it forwards', () => {
    const { host, stp } = setup({}, [[1, 1000]]);
    stp.enable();
    for (let i = 0; i < 20; i++) { stp.receive(1, cfg(), 0, 60); run(host, stp, 2000); }
    expect(host.states.get(1)).toBe(PORT_FORWARDING);
    expect(host.tcns()).toBe(0);
    expect(stp.snapshot().topologyChangeDetections).toBe(0);
  });
});

describe('ports and administration', () => {
  it('carrier down disables a port; carrier up restarts it at listening', () => {
    const { host, stp } = setup();
    stp.enable();
    run(host, stp, 31000);
    stp.portDown(1);
    expect(host.states.get(1)).toBe(PORT_DISABLED);
    expect(stp.snapshot().ports[0]).toMatchObject({ up: false, role: 'disabled', stateName: 'disabled' });
    host.clock.advance(1000);
    stp.portUp(1);
    expect(host.stateTimes(1).slice(-2)).toEqual([[32000, 'blocking'], [32000, 'listening']]);
    run(host, stp, 30000);
    expect(host.stateTimes(1).slice(-2)).toEqual([[47000, 'learning'], [62000, 'forwarding']]);
  });

  it('losing the root port makes a lone bridge root again', () => {
    const { host, stp } = setup();
    stp.enable();
    stp.receive(1, cfg(), 0, 60);
    expect(stp.snapshot().rootPort).toBe(1);
    stp.removePort(1);
    expect(stp.snapshot()).toMatchObject({ isRoot: true, rootPort: 0 });
    expect(stp.snapshot().ports.map((p) => p.portNo)).toEqual([2]);
    expect(host.states.get(1)).toBe(PORT_DISABLED);
  });

  it('a lower priority makes this bridge the root at once', () => {
    const { stp } = setup();
    stp.enable();
    stp.receive(1, cfg(), 0, 60);
    expect(stp.snapshot().isRoot).toBe(false);
    stp.setBridgePriority(0x0800);
    expect(stp.snapshot()).toMatchObject({ isRoot: true, bridgeId: '0800.020000000010', designatedRoot: '0800.020000000010' });
  });

  it('a new bridge MAC replaces the old one in the bridge id and in port info', () => {
    const { stp } = setup();
    stp.enable();
    stp.setBridgeMac(0x0200000000ff);
    const s = stp.snapshot();
    expect(s.bridgeId).toBe('8000.0200000000ff');
    expect(s.ports.map((p) => p.designatedBridge)).toEqual(['8000.0200000000ff', '8000.0200000000ff']);
  });

  it('the snapshot carries what brctl showstp prints', () => {
    const { host, stp } = setup();
    stp.enable();
    run(host, stp, 2150);
    const s = stp.snapshot();
    expect(Object.keys(s).sort()).toEqual([
      'bridgeForwardDelay', 'bridgeHelloTime', 'bridgeId', 'bridgeMac', 'bridgeMaxAge', 'bridgePriority',
      'designatedRoot', 'drops', 'enabled', 'flags', 'forwardDelay', 'helloTime', 'helloTimer', 'isRoot',
      'lastTopologyChangeMs', 'maxAge', 'ports', 'protocol', 'rootChanges', 'rootPathCost', 'rootPort', 'rootPortChanges',
      'rxIgnored', 'rxMalformed', 'tcAgeingTime', 'tcnTimer', 'timeSinceTopologyChange', 'topologyChange',
      'topologyChangeDetected', 'topologyChangeDetections', 'topologyChangeTimer', 'topologyChanges',
    ]);
    expect(s.helloTimer).toBe(1.85);
    expect(s.ports[0]).toMatchObject({ holdTimer: 0.85, forwardDelayTimer: 12.85, messageAgeTimer: 0 });
    expect(s.ports[0]!.counters).toMatchObject({ txBpdu: 1, transitionBlk: 1, transitionFwd: 0 });
  });
});
