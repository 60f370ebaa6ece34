// `softbr vlan show` and `vlan show -j` against iproute2's layout (test/fixtures/reference, see its
// README for how those files were made), the CLI's parsing of bridge vlan's words, and the rows
// the daemon's view builds from real ports.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatVlanShow, formatVlanJson } from '../../src/cli/format/index.js';
import { parseVlanWords } from '../../src/cli/vlan-commands.js';
import { vlanRows } from '../../src/control/views.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { setPortVlans } from '../../src/bridge/port-vlans.js';
import { capturePorts, CapturePort } from '../helpers/capture-port.js';
import { UserError } from '../../src/user-error.js';

const refDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/reference');
const ref = (n: string) => readFileSync(path.join(refDir, n), 'utf8');

/** The configuration of the reference files, built on a real Bridge and read through the daemon's view. */
function referenceBridge() {
  const br = new Bridge({ name: 'br0', clock: new VirtualClock(0), vlanFiltering: true });
  setPortVlans(br.addPort(new CapturePort('br0'), { host: true }), undefined);
  const { ports } = capturePorts(3);
  const [p1, p2, p3] = ports.map((p) => br.addPort(p));
  setPortVlans(p1!, [{ vid: 10, pvid: true, untagged: true }]);
  setPortVlans(p2!, [{ vid: 20, pvid: false, untagged: false }, { vid: 10, pvid: false, untagged: false }]);
  setPortVlans(p3!, [{ vid: 1, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }]);
  return br;
}

describe('vlan show format', () => {
  it('matches bridge vlan show byte for byte', () => {
    expect(formatVlanShow(vlanRows([referenceBridge()]))).toBe(ref('bridge-vlan-show.txt'));
  });
  it('matches bridge -j vlan show byte for byte', () => {
    expect(formatVlanJson(vlanRows([referenceBridge()]))).toBe(ref('bridge-j-vlan-show.txt'));
  });
  it('no devices: the header alone (as this kernel printed it), [] in JSON', () => {
    expect(formatVlanShow([])).toBe('port              vlan-id  \n');
    expect(formatVlanJson([])).toBe('[]\n');
  });
  it('dev filter; a port left with no VLAN is not listed; the bridge device keeps "flags": []', () => {
    const br = referenceBridge();
    expect(vlanRows([br], 'p2').map((r) => r.ifname)).toEqual(['p2']);
    setPortVlans(br.portByName('p2')!, []);
    setPortVlans(br.ports[0]!, [{ vid: 5, pvid: false, untagged: false }]);
    const rows = vlanRows([br]);
    expect(rows.map((r) => r.ifname)).toEqual(['br0', 'p1', 'p3']);
    expect(formatVlanJson(rows)).toContain('{"ifname":"br0","vlans":[{"vlan":5,"flags":[]}]}');
  });
});

describe('vlan add/del words', () => {
  it('parses bridge vlan add words', () => {
    expect(parseVlanWords(['dev', 'p1', 'vid', '10', 'pvid', 'untagged'], 'add')).toEqual({ dev: 'p1', vid: 10, pvid: true, untagged: true });
    expect(parseVlanWords(['vid', '20', 'dev', 'br0', 'self'], 'add')).toEqual({ dev: 'br0', vid: 20, pvid: false, untagged: false });
  });
  it('refuses bad words with a usage line', () => {
    expect(() => parseVlanWords(['dev', 'p1'], 'add')).toThrow(UserError);
    expect(() => parseVlanWords(['dev', 'p1', 'vid', '0'], 'add')).toThrow(/from 1 to 4094/);
    expect(() => parseVlanWords(['dev', 'p1', 'vid', '4095'], 'add')).toThrow(/from 1 to 4094/);
    expect(() => parseVlanWords(['dev', 'p1', 'vid', '10', 'pvid'], 'del')).toThrow(/unknown word 'pvid'/);
    expect(() => parseVlanWords(['dev', 'p1', 'vid', '10', 'tagged'], 'add')).toThrow(/usage: softbr vlan add/);
  });
});
