// The examples with QEMU guests (root; software emulation unless the CPU has VMX/SVM): virbr0-nat
// (two guests get dnsmasq leases, ping each other while `softbr capture virbr0` shows the talk's
// ARP/ICMP sequence, and reach the outside through the MASQUERADE) and dual-homed (each guest's
// traceroute -n has the talk's first hop). Both labs boot at once, four guests in parallel, to
// keep the suite short; down leaves nothing (namespaces, links, QEMU processes, state).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canUseNetns } from '../../src/lab/host.js';
import { REPO, BIN } from '../helpers/softbr.js';
import { lab, labOk, remains, state, until } from '../helpers/labs.js';
import type { LabState } from '../../src/lab/builder/state.js';

const usable = canUseNetns() && existsSync('/usr/bin/qemu-system-x86_64');
if (!usable) console.warn('lab VM e2e SKIPPED: needs root, namespaces and qemu-system-x86_64');

const ex = (name: string) => join(REPO, 'examples', name, 'lab.yaml');
const addrOf = async (name: string, host: string, dev = 'eth0') =>
  /inet (\d+\.\d+\.\d+\.\d+)\//.exec(await labOk('exec', name, host, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', dev))?.[1];
const hops = (tr: string) => tr.split('\n').filter((l) => /^\s*\d+\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);

/** Starts `softbr …` in the background; resolves its output once it exits (or is killed after timeoutMs). */
function background(args: string[], ready: string, timeoutMs: number): { ready: Promise<boolean>; done: Promise<{ out: string; err: string }> } {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { err += d; });
  const t = setTimeout(() => p.kill('SIGINT'), timeoutMs);
  const done = new Promise<{ out: string; err: string }>((r) => p.once('exit', () => { clearTimeout(t); r({ out, err }); }));
  return { ready: until(() => err.includes(ready) || out.includes(ready), 10_000), done };
}

describe.skipIf(!usable)('lab examples with VM guests (root)', () => {
  const states: LabState[] = [];
  beforeAll(async () => {
    const t0 = Date.now();
    const ups = await Promise.all([lab('up', ex('virbr0-nat')), lab('up', ex('dual-homed'))]);
    for (const u of ups) if (u.code !== 0) throw new Error(`lab up failed: ${u.stderr}`);
    console.log(`two VM labs (4 guests) up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${ups.map((u) => u.stderr.split('\n').filter((l) => /VMs? up/.test(l)).join('')).join('; ')}`);
    states.push(state('virbr0-nat'), state('dual-homed'));
  }, 300_000);

  afterAll(async () => {
    await Promise.all([lab('down', 'virbr0-nat'), lab('down', 'dual-homed')]);
    for (const st of states) expect(await remains(st)).toEqual([]);
  });

  it('virbr0-nat: both guests hold dnsmasq leases in 192.168.122.2–254', async () => {
    const leases = readFileSync(join(state('virbr0-nat').dir, 'hypervisor.leases'), 'utf8');
    for (const vm of ['vm1', 'vm2']) {
      const a = await addrOf('virbr0-nat', vm);
      expect(a).toMatch(/^192\.168\.122\.(\d+)$/);
      expect(Number(a!.split('.')[3])).toBeGreaterThanOrEqual(2);
      expect(leases).toContain(` ${a} `);
    }
  });

  it('virbr0-nat: softbr capture virbr0 shows ARP request, ARP reply, echo request, echo reply as vm1 pings vm2', async () => {
    const v1 = (await addrOf('virbr0-nat', 'vm1'))!;
    const v2 = (await addrOf('virbr0-nat', 'vm2'))!;
    await labOk('exec', 'virbr0-nat', 'vm1', '--', 'ip', 'neigh', 'flush', 'dev', 'eth0');
    // frames received on any port for a few seconds; the hypervisor's own ARP refreshes may come
    // in between, so the check is on the frames between the two guests
    const cap = background(['--lab', 'virbr0-nat', 'capture', 'virbr0', '--direction', 'in', '--duration', '3'], 'capturing on', 30_000);
    expect(await cap.ready).toBe(true);
    expect((await lab('exec', 'virbr0-nat', 'vm1', '--', 'ping', '-c', '1', '-W', '3', v2)).code).toBe(0);
    const { out } = await cap.done;
    const st = state('virbr0-nat');
    const portOf = (vm: string) => st.links.find((l) => l.ends.includes(`${vm}:eth0`))!.ports[0]!.port;
    const mac1 = (await labOk('exec', 'virbr0-nat', 'vm1', '--', 'cat', '/sys/class/net/eth0/address')).trim();
    const has = (l: string, ip: string) => new RegExp(`\\b${ip.replaceAll('.', '\\.')}\\b`).test(l);
    // the guests' own frames (received on their ports): both addresses in them, or (the ARP reply)
    // addressed to vm1's MAC; later ARP refreshes (unicast, from either side) may follow
    const guestPorts = [portOf('vm1'), portOf('vm2')];
    const between = out.trim().split('\n')
      .filter((l) => guestPorts.includes(l.split(/\s+/)[1]!))
      .filter((l) => (has(l, v1) && has(l, v2)) || l.split(/\s+/)[5] === `${mac1},`);
    const seq = between.map((l) => `${l.split(' ')[1]} ${/ARP, (Request who-has [\d.]+ tell [\d.]+|Reply [\d.]+ is-at)|[\d.]+ > [\d.]+: ICMP echo (request|reply)/.exec(l)?.[0]}`);
    expect(seq.slice(0, 4)).toEqual([
      `${portOf('vm1')} ARP, Request who-has ${v2} tell ${v1}`,
      `${portOf('vm2')} ARP, Reply ${v2} is-at`,
      `${portOf('vm1')} ${v1} > ${v2}: ICMP echo request`,
      `${portOf('vm2')} ${v2} > ${v1}: ICMP echo reply`,
    ]);
  });

  it('virbr0-nat: the guests reach the outside, which sees the hypervisor\'s address (MASQUERADE)', async () => {
    const dump = background(['lab', 'exec', 'virbr0-nat', 'outside', '--', 'tcpdump', '-n', '-l', '-c', '2', '-i', 'eth0', 'icmp[icmptype] == icmp-echo'], 'listening on', 30_000);
    expect(await dump.ready).toBe(true);
    for (const vm of ['vm1', 'vm2']) expect((await lab('exec', 'virbr0-nat', vm, '--', 'ping', '-c', '1', '-W', '3', '10.5.0.254')).code).toBe(0);
    const { out } = await dump.done;
    expect(out.match(/10\.5\.0\.196 > 10\.5\.0\.254: ICMP echo request/g)).toHaveLength(2);
  });

  it('dual-homed: the dual guest routes out through br-ex, the isolated one through the NAT; traceroute -n shows it', async () => {
    expect(await labOk('exec', 'dual-homed', 'dual', '--', 'ip', 'route', 'show', 'default')).toMatch(/^default via 10\.5\.0\.254 dev eth1/);
    expect(await addrOf('dual-homed', 'dual', 'eth0')).toMatch(/^192\.168\.122\./);
    expect(await addrOf('dual-homed', 'dual', 'eth1')).toMatch(/^10\.5\.0\./);
    const iso = await labOk('exec', 'dual-homed', 'isolated', '--', 'traceroute', '-n', '-q', '1', '-w', '2', '10.6.0.1');
    const dual = await labOk('exec', 'dual-homed', 'dual', '--', 'traceroute', '-n', '-q', '1', '-w', '2', '10.6.0.1');
    expect(hops(iso)).toEqual(['192.168.122.1', '10.5.0.254', '10.6.0.1']);
    expect(hops(dual)).toEqual(['10.5.0.254', '10.6.0.1']);
  });

  it('lab exec on a guest passes its exit code back', async () => {
    expect((await lab('exec', 'dual-homed', 'dual', '--', 'sh', '-c', 'exit 7')).code).toBe(7);
    expect((await lab('exec', 'dual-homed', 'dual', '--', 'echo', "it's here")).stdout).toBe("it's here\n");
  });
});
