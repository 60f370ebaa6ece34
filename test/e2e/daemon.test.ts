// End-to-end: the real daemon forwarding between TAP devices whose kernel side is a host in a
// network namespace, driven through the CLI exactly as a user would.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = isRoot();
const lab = new Lab('e');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.201.0';

interface Host { ns: string; ip: string; mac: string; tap: string }

describe.skipIf(!root)('softbr daemon with TAP hosts in namespaces', () => {
  const d = new SoftbrDaemon(P);
  const hosts: Host[] = [];

  beforeAll(async () => {
    await d.start();
    await d.ok('addbr', BR);
    await sh('ip', ['addr', 'add', `${NET}.254/24`, 'dev', BR]);
    await sh('ip', ['link', 'set', BR, 'up']);
    for (let i = 1; i <= 3; i++) {
      const tap = lab.name(`t${i}`);
      await d.ok('addif', BR, `tap:${tap}`);
      const ns = await lab.addNamespace(`h${i}`);
      await lab.plug(tap, ns, { rename: 'eth0', cidr: `${NET}.${i}/24` });
      hosts.push({ ns, ip: `${NET}.${i}`, mac: await lab.macOf(ns, 'eth0'), tap });
    }
  });

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
    // the daemon deleted the TAPs it created, including the host port
    const left = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
    expect(left.stdout).not.toContain(P);
  });

  const ping = (from: Host, to: string, n = 3) => lab.exec(from.ns, 'ping', ['-c', String(n), '-i', '0.2', '-W', '2', to], { allowFail: true });

  it('shows the bridge with its ports as brctl show does', async () => {
    const out = await d.ok('show');
    const lines = out.split('\n');
    expect(lines[0]).toBe('bridge name\tbridge id\t\tSTP enabled\tinterfaces');
    expect(lines[1]).toMatch(new RegExp(`^${BR}\\t\\t8000\\.[0-9a-f]{12}\\tno\\t\\t${hosts[0]!.tap}$`));
    expect(lines[2]).toBe(`\t\t\t\t\t\t\t${hosts[1]!.tap}`);
  });

  it('hosts ping each other through softbr and their MACs are learned on the right ports', async () => {
    for (const [a, b] of [[0, 1], [1, 2], [2, 0]] as const) {
      const r = await ping(hosts[a]!, hosts[b]!.ip);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    const macs = JSON.parse(await d.ok('showmacs', BR, '--json')) as { portNo: number; mac: string; isLocal: boolean; ageingTimerSec: number }[];
    const links = JSON.parse(await d.ok('link', 'show', '--json')) as { ifname: string; ifindex: number }[];
    for (const h of hosts) {
      const row = macs.find((m) => m.mac === h.mac);
      expect(row, `${h.mac} learned`).toBeDefined();
      expect(row!.isLocal).toBe(false);
      expect(row!.portNo).toBe(links.find((l) => l.ifname === h.tap)!.ifindex);
      expect(row!.ageingTimerSec).toBeGreaterThanOrEqual(0);
      expect(row!.ageingTimerSec).toBeLessThan(30);
    }
    const text = await d.ok('showmacs', BR);
    expect(text.split('\n')[0]).toBe('port no\tmac addr\t\tis local?\tageing timer');
    expect(text).toMatch(new RegExp(`\\n  \\d\\t${hosts[0]!.mac}\\tno\\t\\t +\\d+\\.\\d\\d\\n`));
  });

  it('an IP on the host port reaches the hosts', async () => {
    const r = await sh('ping', ['-c', '2', '-i', '0.2', '-W', '2', hosts[1]!.ip], { allowFail: true });
    expect(r.code, r.stdout).toBe(0);
  });

  it('floods unknown unicast until the destination is learned, then stops', async () => {
    const [h1, h2, h3] = hosts as [Host, Host, Host];
    await d.ok('fdb', 'flush', BR);
    // h1 knows h2's MAC already (static neighbour), so its first frame is unicast to an unknown MAC
    await lab.exec(h1.ns, 'ip', ['neigh', 'replace', h2.ip, 'lladdr', h2.mac, 'dev', 'eth0', 'nud', 'permanent']);
    await lab.exec(h2.ns, 'ip', ['neigh', 'replace', h1.ip, 'lladdr', h1.mac, 'dev', 'eth0', 'nud', 'permanent']);
    const dump = lab.spawn(h3.ns, 'tcpdump', ['-i', 'eth0', '-n', '-l', '-p', 'icmp']);
    let seen = '';
    dump.stdout!.on('data', (x) => { seen += x; });
    let ready = '';
    dump.stderr!.on('data', (x) => { ready += x; });
    try {
      for (let i = 0; i < 50 && !ready.includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await ping(h1, h2.ip, 1)).code).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      const first = seen.split('\n').filter((l) => l.includes('echo request')).length;
      expect(first, seen).toBe(1);
      expect((await ping(h1, h2.ip, 3)).code).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      const after = seen.split('\n').filter((l) => l.includes('echo')).length;
      expect(after, seen).toBe(1);
    } finally {
      await lab.kill(dump);
      await lab.exec(h1.ns, 'ip', ['neigh', 'del', h2.ip, 'dev', 'eth0'], { allowFail: true });
      await lab.exec(h2.ns, 'ip', ['neigh', 'del', h1.ip, 'dev', 'eth0'], { allowFail: true });
    }
  });

  it('entries age out after setageing', async () => {
    const [h1, h2] = hosts as [Host, Host];
    // permanent neighbours between every pair: after this ping no host sends anything more (no
    // ARP refresh, and no unicast probe left over from an earlier test's ping, which the kernel
    // sends ~5 s after a reply and would land in the ageing window when the tests run slowly)
    const pairs = hosts.flatMap((a) => hosts.filter((b) => b !== a).map((b) => [a, b] as const));
    for (const [a, b] of pairs) await lab.exec(a.ns, 'ip', ['neigh', 'replace', b.ip, 'lladdr', b.mac, 'dev', 'eth0', 'nud', 'permanent']);
    // the permanent neighbours and the short ageing go whatever happens, or they break the tests after this one
    try {
      expect((await ping(h1, h2.ip, 1)).code).toBe(0);
      const learned = async () => (JSON.parse(await d.ok('showmacs', BR, '--json')) as { mac: string; isLocal: boolean; ageingTimerSec: number }[]).filter((m) => !m.isLocal);
      expect((await learned()).map((m) => m.mac)).toEqual(expect.arrayContaining([h1.mac, h2.mac]));
      await d.ok('setageing', BR, '1');
      await new Promise((r) => setTimeout(r, 1500));
      const left = await learned();
      expect(left.map((m) => m.mac)).not.toContain(h1.mac);
      expect(left.map((m) => m.mac)).not.toContain(h2.mac);
      // anything still there was heard from within the last second
      for (const m of left) expect(m.ageingTimerSec).toBeLessThan(1);
    } finally {
      for (const [a, b] of pairs) await lab.exec(a.ns, 'ip', ['neigh', 'del', b.ip, 'dev', 'eth0'], { allowFail: true });
      await d.ok('setageing', BR, '300');
    }
  });

  it('delif stops traffic to a host and addif restores it', async () => {
    const [h1, h2] = hosts as [Host, Host];
    // delif closes the TAP, which deletes it with its namespace side; recreate by re-adding
    await d.ok('delif', BR, h2.tap);
    expect((await ping(h1, h2.ip, 2)).code).not.toBe(0);
    const show = await d.ok('show', BR);
    expect(show).not.toContain(h2.tap);
    await d.ok('addif', BR, `tap:${h2.tap}`);
    await lab.plug(h2.tap, h2.ns, { rename: 'eth1', cidr: `${NET}.2/24` });
    // h2's NIC is new (new MAC): let h1 resolve it again
    await lab.exec(h1.ns, 'ip', ['neigh', 'flush', 'all']);
    expect((await ping(h1, h2.ip, 3)).code).toBe(0);
  });

  it('attaches an existing veth by name and forwards through it', async () => {
    const { a: inRoot, b: peer } = await lab.addVeth('va', 'vb');
    const ns = await lab.addNamespace('h4');
    await lab.plug(peer, ns, { cidr: `${NET}.4/24` });
    await sh('ip', ['link', 'set', inRoot, 'up']);
    await d.ok('addif', BR, inRoot);
    const r = await lab.exec(ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', hosts[0]!.ip], { allowFail: true });
    expect(r.code, r.stdout).toBe(0);
    const links = JSON.parse(await d.ok('link', 'show', '--json')) as { ifname: string; state: string }[];
    expect(links.find((l) => l.ifname === inRoot)?.state).toBe('forwarding');
  });

  it('deleting a host namespace under traffic takes its port down; the others keep pinging', async () => {
    const [h1, h2, h3] = hosts as [Host, Host, Host];
    const flood = lab.spawn(h3.ns, 'ping', ['-i', '0.01', h1.ip]);
    await new Promise((r) => setTimeout(r, 300));
    await lab.deleteNamespace(h3.ns);
    await lab.kill(flood);
    let down = false;
    for (let i = 0; i < 30 && !down; i++) {
      const links = JSON.parse(await d.ok('link', 'show', '--json')) as { ifname: string; flags: string[]; state: string }[];
      const l = links.find((x) => x.ifname === h3.tap);
      down = l !== undefined && l.flags.includes('NO-CARRIER') && l.state === 'disabled';
      if (!down) {
        // a TAP only notices on the next write: send something its way
        await ping(h1, h3.ip, 1);
      }
    }
    expect(down).toBe(true);
    expect((await ping(h1, h2.ip, 3)).code).toBe(0);
  });
});

describe.skipIf(!root)('bad input changes nothing', () => {
  const d = new SoftbrDaemon(`${P}x`);
  beforeAll(async () => { await d.start(); await d.ok('addbr', `${P}bx`, '--no-local'); });
  afterAll(async () => { await d.stop(); });

  it.each([
    [['setageing', `${P}bx`, 'soon'], /invalid ageing time 'soon'/],
    [['setageing', `${P}bx`, '-1'], /invalid ageing time '-1'/],
    [['sethello', `${P}bx`, '11'], /invalid hello time '11': expected a number from 1 to 10/],
    [['setbridgeprio', `${P}bx`, '70000'], /invalid bridge priority '70000'/],
    [['addbr', 'this-name-is-way-too-long'], /invalid bridge name/],
    [['addbr', `${P}bx`], /already exists/],
    [['delbr', 'nosuchbr'], /bridge nosuchbr does not exist/],
    [['addif', `${P}bx`, 'nosuchdev0'], /nosuchdev0/],
    [['addif', `${P}bx`, 'lo'], /can't add lo to a bridge: it is a loopback device/],
    [['addbr', 'lo'], /cannot create bridge lo: its host port: .*a network device of that name exists and is not a TAP .*--no-local/],
    [['fdb', 'add', 'zz:zz:zz:zz:zz:zz', 'dev', 'x'], /invalid MAC address 'zz:zz:zz:zz:zz:zz'/],
    [['stp', `${P}bx`, 'maybe'], /expected on \(802\.1D\), rstp or off/],
    [['hairpin', `${P}bx`, 'nope0', 'on'], /nope0 is not a port/],
  ])('softbr %j fails with a clear message', async (args, msg) => {
    const before = await d.ok('show', '--json');
    const r = await d.cli(...(args as string[]));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(msg as RegExp);
    expect(await d.ok('show', '--json')).toBe(before);
  });

  it('a CLI verb without a daemon says how to start one', async () => {
    const r = await new SoftbrDaemon('nod').cli('show');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no softbr daemon is listening on .*softbr daemon/);
  });

  it('a bad config is rejected with its line and reason, and nothing is created', async () => {
    const bad = new SoftbrDaemon(`${P}c`);
    const err = await bad.start({ config: `bridges:\n  ${P}bc:\n    ageing: 300\n    stp:\n      hello: 42\n    ports:\n      - tap:${P}ct1\n` }).then(() => '', (e: Error) => e.message);
    expect(err).toMatch(/softbr\.yaml:5: bridges\.\w+\.stp\.hello: must be 1–10/);
    const links = await sh('ip', ['-o', 'link', 'show']);
    expect(links.stdout).not.toContain(`${P}bc`);
    expect(links.stdout).not.toContain(`${P}ct1`);
    await bad.stop();
  });
});

describe.skipIf(!root)('config file and SIGHUP reload', () => {
  const Q = `${P}r`;
  const d = new SoftbrDaemon(Q);
  const conf = (ports: string[], ageing: number, extra = '') =>
    `bridges:\n  ${Q}b:\n    local: false\n    ageing: ${ageing}\n${extra}    ports:\n${ports.map((p) => `      - tap:${p}\n`).join('')}`;
  const reload = async (text: string) => {
    writeFileSync(join(d.dir, 'softbr.yaml'), text);
    const before = d.log.length;
    d.proc!.kill('SIGHUP');
    for (let i = 0; i < 50 && !d.log.slice(before).includes('SIGHUP'); i++) await new Promise((r) => setTimeout(r, 50));
    return d.log.slice(before);
  };
  afterAll(async () => {
    expect(await d.stop()).toBe(0);
    const links = await sh('ip', ['-o', 'link', 'show']);
    expect(links.stdout).not.toContain(Q);
  });

  it('creates what the config says, applies the difference on SIGHUP, keeps it on a bad reload', async () => {
    await d.start({ config: conf([`${Q}1`, `${Q}2`], 300) });
    expect(JSON.parse(await d.ok('show', '--json'))).toEqual([{ name: `${Q}b`, bridgeId: expect.stringMatching(/^8000\./), stpEnabled: false, interfaces: [`${Q}1`, `${Q}2`] }]);
    const log = await reload(conf([`${Q}2`, `${Q}3`], 120, '    stp:\n      enabled: true\n      priority: 4096\n'));
    expect(log).toMatch(/reloaded/);
    const shown = JSON.parse(await d.ok('show', '--json')) as { bridgeId: string; stpEnabled: boolean; interfaces: string[] }[];
    expect(shown[0]!.interfaces).toEqual([`${Q}2`, `${Q}3`]);
    expect(shown[0]!.stpEnabled).toBe(true);
    expect(shown[0]!.bridgeId).toMatch(/^1000\./);
    expect((await sh('ip', ['link', 'show', `${Q}1`], { allowFail: true })).code).not.toBe(0); // its TAP is gone
    const stp = JSON.parse(await d.ok('showstp', `${Q}b`, '--json')) as { ageingTime: number };
    expect(stp.ageingTime).toBe(120);
    const bad = await reload(conf([`${Q}9`], 300, '    limitPolicy: drop-all\n'));
    expect(bad).toMatch(/not reloaded, nothing changed: .*softbr\.yaml:5: bridges\.\w+\.limitPolicy: must be one of "evict-oldest", "refuse-new"/);
    expect((JSON.parse(await d.ok('show', '--json')) as { interfaces: string[] }[])[0]!.interfaces).toEqual([`${Q}2`, `${Q}3`]);
  });
});
