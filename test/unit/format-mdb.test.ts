// `softbr mdb show` against captures of `bridge [-s] [-d] [-j [-p]] mdb show` on a kernel bridge
// with multicast_snooping (test/fixtures/reference/bridge-*mdb-show.txt): the same memberships
// and router port, printed byte for byte. Rows are given in the kernel's order (its hash order;
// softbr's own order is IPv4 then IPv6 by address, then port).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatMdbShow, formatMdbJson } from '../../src/cli/format/index.js';
import type { MdbView, MdbRow } from '../../src/control/wire-types.js';

const refDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/reference');
const ref = (f: string) => readFileSync(path.join(refDir, f), 'utf8');

function view(timers: number[], v6: [string, string]): MdbView {
  const row = (port: string, grp: string, timer: number): MdbRow => ({ dev: 'br0', port, grp, state: 'temp', vid: 0, timer, host: port === 'br0' });
  return {
    entries: [row('pa', '239.1.1.1', timers[0]!), row('pa', v6[0], timers[1]!), row('br0', 'ff02::6a', timers[2]!), row('br0', v6[1], timers[3]!)],
    routers: [{ dev: 'br0', port: 'pa', timer: 0, permanent: true }],
    bridges: [{ dev: 'br0', index: 2, snooping: true, querier: true, floodUnknown: false, querierPresent: true }],
  };
}

describe('mdb show as bridge mdb show', () => {
  const a = view([252.81, 248.64, 249.58, 249.58], ['ff02::1:ffac:d94c', 'ff02::1:ff87:6a95']);
  it('plain, -s, -d', () => {
    expect(formatMdbShow(a)).toBe(ref('bridge-mdb-show.txt'));
    expect(formatMdbShow(a, { stats: true })).toBe(ref('bridge-s-mdb-show.txt'));
    expect(formatMdbShow(a, { details: true })).toBe(ref('bridge-d-mdb-show.txt'));
  });
  it('-s -d (second capture)', () => {
    const b = view([258.68, 258.65, 258.67, 258.67], ['ff02::1:ffea:f1b4', 'ff02::1:ff93:e65f']);
    expect(formatMdbShow(b, { stats: true, details: true })).toBe(ref('bridge-sd-mdb-show.txt'));
  });
  it('-j and -j -p', () => {
    expect(formatMdbJson(a)).toBe(ref('bridge-j-mdb-show.txt'));
    expect(formatMdbJson(a, { pretty: true })).toBe(ref('bridge-jp-mdb-show.txt'));
  });
  it('a VLAN is printed after the state; no memberships print nothing', () => {
    const v: MdbView = { entries: [{ dev: 'br0', port: 'p1', grp: '239.1.1.1', state: 'permanent', vid: 10, timer: 0, host: false }], routers: [], bridges: [] };
    expect(formatMdbShow(v)).toBe('dev br0 port p1 grp 239.1.1.1 permanent vid 10\n');
    expect(formatMdbShow({ entries: [], routers: [], bridges: [] })).toBe('');
  });
});
