// Impairments through the daemon on in-memory ports: the impair and rate commands (what they keep
// and replace), the config's `impair` key with its errors, config show writing them back in the
// same words, SIGHUP-style applyConfig changing only what changed, and link show -d's lines.
import { describe, it, expect } from 'vitest';
import { Daemon } from '../../src/control/daemon.js';
import { parseConfig } from '../../src/control/config.js';
import { runningConfigYaml } from '../../src/control/running-config.js';
import { dispatch } from '../../src/control/commands.js';
import '../../src/control/handler.js';
import { registerPortKind, definePortKind, type PortSpecBase } from '../../src/control/port-kinds/index.js';
import { MemoryPort } from '../../src/ports/memory.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { formatLinkShow } from '../../src/cli/format/index.js';
import type { LinkRow } from '../../src/control/wire-types.js';
import type { Session } from '../../src/control/server.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface ImSpec extends PortSpecBase { kind: 'imem' }
registerPortKind(definePortKind<ImSpec>({
  kind: 'imem', word: 'imem', forms: [{ syntax: 'imem:NAME', help: 'an in-memory port (tests)' }], readme: [],
  parse: (body) => ({ kind: 'imem', name: body }),
  open: async (spec) => new MemoryPort({ name: spec.name }),
}));

async function daemon() {
  const d = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
  const m = await d.addBridge({ name: 'br0', local: false });
  await d.addPort(m, { name: 'imem:p1' });
  await d.addPort(m, { name: 'imem:p2' });
  const call = (cmd: string, args: Record<string, unknown>) => dispatch(d, { id: 1, cmd, args }, {} as Session);
  return { d, m, call };
}

describe('impair and rate commands', () => {
  it('impair sets a direction; rate edits only the rate; impair keeps a rate its words do not name; clear removes all', async () => {
    const { m, call } = await daemon();
    const p = m.bridge.portByName('p1')!;
    await call('rate', { bridge: 'br0', port: 'p1', dir: 'out', words: ['100mbit', 'burst', '125k'] });
    await call('impair', { bridge: 'br0', port: 'p1', dir: 'out', words: ['delay', '50ms', 'seed', '7'] });
    expect(p.impairOut!.spec).toMatchObject({ delayMs: 50, seed: 7, rate: { per: 'bit', value: 1e8, burst: 128000 } });
    expect(p.impairIn).toBeNull();
    await call('impair', { bridge: 'br0', port: 'p1', dir: 'out', words: ['loss', '1%', 'rate', '10mbit'] });
    expect(p.impairOut!.spec).toMatchObject({ delayMs: 0, loss: 0.01, rate: { value: 1e7 } });
    await call('rate', { bridge: 'br0', port: 'p1', dir: 'out', words: ['off'] });
    expect(p.impairOut!.spec.rate).toBeNull();
    await call('impair', { bridge: 'br0', port: 'p1', words: ['delay', '5ms'] });
    expect(p.impairIn!.spec.delayMs).toBe(5);
    await call('impair', { bridge: 'br0', port: 'p1', dir: 'both', words: ['clear'] });
    expect(p.impairIn).toBeNull();
    expect(p.impairOut).toBeNull();
  });

  it('bad input names the bad value and changes nothing', async () => {
    const { m, call } = await daemon();
    const p = m.bridge.portByName('p1')!;
    await call('impair', { bridge: 'br0', port: 'p1', dir: 'out', words: ['delay', '50ms'] });
    await expect(call('impair', { bridge: 'br0', port: 'p1', dir: 'out', words: ['delay', '50'] })).rejects.toThrow(/invalid delay '50'/);
    await expect(call('impair', { bridge: 'br0', port: 'p1', dir: 'up', words: ['delay', '5ms'] })).rejects.toThrow(/invalid direction 'up': expected in, out or both/);
    await expect(call('impair', { bridge: 'br0', port: 'nope', dir: 'out', words: ['delay', '5ms'] })).rejects.toThrow(/nope is not a port of bridge br0/);
    await expect(call('rate', { bridge: 'br0', port: 'p1', dir: 'out', words: ['fast'] })).rejects.toThrow(/invalid rate 'fast'/);
    await expect(call('impair', { bridge: 'br0', port: 'p1', dir: 'out', words: ['delay', '1ms', 'limit', '65536'] })).resolves.toBeDefined();
    expect(p.impairOut!.spec.delayMs).toBe(1);
    expect(p.impairOut!.spec.limit).toBe(65536);
  });

  it('link show -d adds the impairment lines only under an impaired port', async () => {
    const { d, call } = await daemon();
    await call('impair', { bridge: 'br0', port: 'p2', dir: 'in', words: ['loss', '2%', 'burst', '4', 'seed', '9'] });
    const text = formatLinkShow(d.linkRows() as LinkRow[], { details: true });
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^ {4}hairpin off .* locked off $/);
    expect(lines[2]).toMatch(/^\d+: p2: /);
    expect(lines[4]).toBe('    impair in: loss 2% burst 4 seed 9');
    expect(lines[5]).toBe('      frames 0 queued 0 lost 0 duplicated 0 corrupted 0 reordered 0 delayed 0 shaped 0 policed 0 queue_full 0 mean_wait 0.000ms');
  });
});

describe('impairment metrics', () => {
  it('count each effect per port and direction, and the line\'s depth; promtool has nothing to say', async () => {
    const { d, m, call } = await daemon();
    await call('impair', { bridge: 'br0', port: 'p2', dir: 'out', words: ['delay', '10ms', 'limit', '2', 'seed', '1'] });
    const p2 = m.bridge.portByName('p2')!;
    const buf = new Uint8Array(60).fill(0x11);
    buf.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a], 0);
    m.bridge.receiveBatch(m.bridge.portByName('p1')!, buf, [0, 0, 0], [60, 60, 60], 3);
    expect(p2.impairOut!.count).toBe(2);
    const metrics = createMetrics(d);
    try {
      const text = await metrics.registry.metrics();
      expect(text).toContain('softbr_port_impair_frames_total{bridge="br0",port="p2",direction="out",effect="offered"} 3');
      expect(text).toContain('softbr_port_impair_frames_total{bridge="br0",port="p2",direction="out",effect="queue_full"} 1');
      expect(text).toContain('softbr_port_impair_queue_frames{bridge="br0",port="p2",direction="out"} 2');
      expect(text).toContain('softbr_port_drops_total{bridge="br0",port="p2",reason="impair_queue_full"} 1');
      expect(text).not.toContain('port="p1",direction=');
      if (existsSync('/usr/bin/promtool')) {
        const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(r.stdout + r.stderr).toBe('');
      }
    } finally {
      metrics.close();
    }
  });
});

describe('config key impair', () => {
  it('applies per direction or for both, and config show writes it back in the same words', async () => {
    const d = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
    const cfg = parseConfig([
      'bridges:', '  br0:', '    local: false', '    ports:',
      '      - name: imem:a', '        impair: delay 20ms jitter 2ms distribution normal seed 1',
      '      - name: imem:b', '        impair:', '          out: rate 10mbit burst 64k limit 500', '          in: loss 1%',
    ].join('\n'));
    await d.applyConfig(cfg);
    const m = d.get('br0');
    expect(m.bridge.portByName('a')!.impairIn!.spec).toMatchObject({ delayMs: 20, jitterMs: 2, distribution: 'normal', seed: 1 });
    expect(m.bridge.portByName('a')!.impairOut!.spec.delayMs).toBe(20);
    expect(m.bridge.portByName('b')!.impairOut!.spec.rate).toEqual({ per: 'bit', value: 1e7, burst: 65536 });
    const shown = runningConfigYaml(d);
    expect(shown).toContain('impair: delay 20ms jitter 2ms distribution normal seed 1');
    expect(shown).toMatch(/impair:\n\s+in: loss 1%\n\s+out: rate 10mbit burst 64k limit 500/);
    // applying what is shown changes nothing; a changed direction is replaced, the other kept
    expect(await d.applyConfig(parseConfig(shown))).toEqual([]);
    const lineB = m.bridge.portByName('b')!.impairIn;
    const changed = await d.applyConfig(parseConfig(shown.replace('out: rate 10mbit burst 64k limit 500', 'out: rate 20mbit')));
    expect(changed).toEqual(['br0: b impair out: rate 20mbit']);
    expect(m.bridge.portByName('b')!.impairIn).toBe(lineB);
  });

  it('a bad impair string is refused with the line, the key and what is wrong', () => {
    const bad = (impair: string) => () => parseConfig(['bridges:', '  br0:', '    ports:', '      - name: imem:a', `        impair: ${impair}`].join('\n'), 'lab.yaml');
    expect(bad('delay 50')).toThrow(/lab\.yaml:5.*invalid delay '50': expected a time such as 50ms/s);
    expect(bad('{sideways: delay 5ms}')).toThrow(/lab\.yaml:5.*sideways/s);
  });
});
