// `softbr lab up FILE`: builds a lab from its file, all or nothing. The lab's bridges run in a
// softbr daemon of its own; its hosts are namespaces named with a prefix that carries the
// daemon's pid (so sweepStale() leaves a running lab alone and clears one whose daemon died).
// Every step is recorded in the state file before it is taken, so a failure here, or a crash,
// is undone by down().
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { call } from '../../control/client.js';
import { UserError } from '../../user-error.js';
import { isRoot } from '../../is-root.js';
import { Lab } from '../netns.js';
import type { HostSpec, LabSpec, LinkEnd } from './schema.js';
import { guestImage, qemuArgs, vmAccel, vmMac, type VmNic } from './vm.js';
import { GuestConsole, shellLine } from './guest-console.js';
import { labControlPath, labDir, readState, statePath, writeState, type LabState } from './state.js';
import { startLabDaemon, running } from './lab-daemon.js';
import { downLab } from './down.js';

/** The name tag of lab-file labs (see labPrefix): `sby<daemon pid>…`. */
export const LAB_FILE_TAG = 'y';
/** TCG boots the guest in a few seconds; several at once on a loaded 2-core machine take longer. */
const VM_BOOT_TIMEOUT_MS = 120_000;

const endName = (e: LinkEnd): string => (e.kind === 'bridge' ? e.bridge : `${e.host}:${e.ifname}`);

export async function upLab(spec: LabSpec, log: (s: string) => void = () => {}): Promise<LabState> {
  if (!isRoot()) throw new UserError('softbr lab up needs root: it creates network namespaces, TAPs and veths (try sudo)');
  const old = readState(spec.name);
  if (old) {
    if (old.daemonPid !== undefined && running(old.daemonPid)) throw new UserError(`lab ${spec.name} is already up (from ${old.file}): softbr lab down ${spec.name} first`);
    log(`lab ${spec.name}: removing what a crashed run left\n`);
    await downLab(spec.name);
  }
  const dir = labDir(spec.name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st: LabState = {
    name: spec.name, file: resolve(spec.file), control: labControlPath(spec.name), dir,
    bridges: [...spec.bridges.keys()], hosts: {}, links: [], pids: [], state: 'starting', createdAt: new Date().toISOString(),
  };
  writeState(st);
  try {
    await build(spec, st, log);
  } catch (e) {
    log(`lab ${spec.name}: ${(e as Error).message}; removing what was made\n`);
    await downLab(spec.name);
    throw e;
  }
  return st;
}

async function build(spec: LabSpec, st: LabState, log: (s: string) => void): Promise<void> {
  const save = () => writeState(st);
  const d = await startLabDaemon(st.dir, st.control, spec.bridges, spec.web, statePath(spec.name), (pid) => { st.daemonPid = pid; save(); });
  st.web = d.web;
  const lab = new Lab(LAB_FILE_TAG, { owner: d.pid });
  st.prefix = lab.prefix;
  save();
  log(`lab ${spec.name}: daemon ${d.pid} on ${st.control}${d.web ? `, web view ${d.web}/` : ''}\n`);

  const hostNs = new Map<string, string>();
  const nics = new Map<string, VmNic[]>();
  let i = 0;
  for (const h of spec.hosts.values()) {
    if (h.vm) {
      st.hosts[h.name] = { console: join(st.dir, `${h.name}.console`) };
      nics.set(h.name, []);
      i++;
      continue;
    }
    const ns = lab.name(`h${i++}`);
    st.hosts[h.name] = { ns };
    save();
    await lab.addNamespace(`h${i - 1}`);
    hostNs.set(h.name, ns);
  }
  const addif = (bridge: string, port: string) => call(st.control, 'addif', { bridge, port });
  const inHost = async (ns: string, dev: string, ifname: string) => {
    await lab.ip('-n', ns, 'link', 'set', dev, 'name', ifname);
    await lab.ip('-n', ns, 'link', 'set', ifname, 'up');
  };
  for (const [n, [a, b]] of spec.links.entries()) {
    const entry: LabState['links'][number] = { ends: [endName(a), endName(b)], ports: [], devices: [] };
    st.links.push(entry);
    if (a.kind === 'host' && b.kind === 'host') {
      // a cable between two hosts: a veth pair, one end in each
      const v = { a: lab.name(`v${n}a`), b: lab.name(`v${n}b`) };
      entry.devices.push(v.a, v.b);
      save();
      await lab.addVeth(`v${n}a`, `v${n}b`, { nsA: hostNs.get(a.host), nsB: hostNs.get(b.host) });
      await inHost(hostNs.get(a.host)!, v.a, a.ifname);
      await inHost(hostNs.get(b.host)!, v.b, b.ifname);
    } else if (a.kind === 'bridge' && b.kind === 'bridge') {
      // bridge to bridge: a veth pair in the root namespace, each end a port (AF_PACKET) of one
      const v = { a: lab.name(`v${n}a`), b: lab.name(`v${n}b`) };
      entry.devices.push(v.a, v.b);
      save();
      await lab.addVeth(`v${n}a`, `v${n}b`, { up: true });
      await addif(a.bridge, v.a);
      entry.ports.push({ bridge: a.bridge, port: v.a });
      await addif(b.bridge, v.b);
      entry.ports.push({ bridge: b.bridge, port: v.b });
      save();
    } else {
      // a host on a bridge: a TAP port whose kernel side becomes the host's interface
      const br = (a.kind === 'bridge' ? a : b) as Extract<LinkEnd, { kind: 'bridge' }>;
      const h = (a.kind === 'host' ? a : b) as Extract<LinkEnd, { kind: 'host' }>;
      const vmNics = nics.get(h.host);
      if (vmNics) {
        // a VM's NIC: a stream: port its QEMU connects to (a unix socket, no kernel device)
        const port = lab.name(`s${n}`);
        const socket = join(st.dir, `${h.host}-${h.ifname}.sock`);
        await addif(br.bridge, `stream:${port}=${socket}`);
        entry.ports.push({ bridge: br.bridge, port });
        vmNics.push({ socket, mac: vmMac() });
        save();
        continue;
      }
      const tap = lab.name(`t${n}`);
      entry.devices.push(tap);
      save();
      await addif(br.bridge, `tap:${tap}`);
      entry.ports.push({ bridge: br.bridge, port: tap });
      save();
      await lab.moveLink(tap, hostNs.get(h.host)!);
      await inHost(hostNs.get(h.host)!, tap, h.ifname);
    }
  }
  for (const h of spec.hosts.values()) {
    if (h.vm) continue;
    const ns = hostNs.get(h.name)!;
    const inNs = (cmd: string, args: string[]) => lab.exec(ns, cmd, args).catch((e: Error) => {
      throw new UserError(`host ${h.name}: ${[cmd, ...args].join(' ')}: ${e.message.replace(/^.*failed /, 'failed ')}`);
    });
    if (h.kernelBridge) {
      const kb = h.kernelBridge;
      await lab.ip('-n', ns, 'link', 'add', kb.name, 'type', 'bridge', 'stp_state', kb.stp ? '1' : '0',
        ...(kb.priority !== undefined ? ['priority', String(kb.priority)] : []), 'forward_delay', '200', 'hello_time', '100', 'max_age', '600');
      for (const p of kb.ports) await lab.ip('-n', ns, 'link', 'set', p, 'master', kb.name);
      await lab.ip('-n', ns, 'link', 'set', kb.name, 'up');
    }
    for (const [ifname, conf] of h.interfaces) {
      if (conf.mac) await lab.ip('-n', ns, 'link', 'set', ifname, 'address', conf.mac);
      for (const a of conf.addresses) await lab.ip('-n', ns, 'addr', 'add', a, 'dev', ifname);
      await lab.ip('-n', ns, 'link', 'set', ifname, 'up');
    }
    if (h.forwarding) await inNs('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    for (const r of h.routes) await lab.ip('-n', ns, 'route', 'add', ...r).catch((e: Error) => { throw new UserError(`host ${h.name}: route ${r.join(' ')}: ${e.message}`); });
    for (const rule of h.nat) await inNs('iptables', rule);
    if (h.dnsmasq) {
      const dm = h.dnsmasq;
      const leases = join(st.dir, `${h.name}.leases`);
      startBackground(st, ns, h.name, 'dnsmasq', ['dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--user=root',
        '--strict-order', '--except-interface=lo', '--bind-dynamic', `--interface=${dm.interface}`,
        `--dhcp-range=${dm.range}`, `--dhcp-leasefile=${leases}`, '--dhcp-no-override', '--dhcp-authoritative', '--pid-file=',
        // no ICMP check of an address before offering it: a lab's network has no strangers, and
        // the check's wait is a third of a guest's time to its lease
        '--no-ping', ...dm.options.flat()]);
    }
    for (const [path, text] of h.files) {
      mkdirSync(dirname(join(st.dir, path)), { recursive: true });
      writeFileSync(join(st.dir, path), text);
    }
    const inDir = (cmd: string[]) => cmd.map((w) => w.replaceAll('{dir}', st.dir));
    for (const cmd of h.run.map(inDir)) await inNs(cmd[0]!, cmd.slice(1));
    for (const cmd of h.start.map(inDir)) startBackground(st, ns, h.name, cmd.join(' '), cmd);
  }
  // a process that cannot start (a bad option, a port in use) is a failed up, not a silent gap
  await new Promise((r) => setTimeout(r, 200));
  for (const p of st.pids) {
    if (!running(p.pid)) throw new UserError(`host ${p.host}: ${p.what} exited at once (see ${join(st.dir, `${p.host}.log`)})`);
  }
  // VMs last (their DHCP servers run by now), all booting at once
  const vms = [...spec.hosts.values()].filter((h) => h.vm);
  if (vms.length > 0) {
    const image = await guestImage(log);
    const t0 = Date.now();
    await Promise.all(vms.map((h) => bootVm(st, h, nics.get(h.name)!, image, log)));
    log(`lab ${spec.name}: ${vms.length} VM${vms.length > 1 ? 's' : ''} up with leases in ${((Date.now() - t0) / 1000).toFixed(1)} s (${vmAccel()})\n`);
  }
  for (const p of st.pids) {
    if (!running(p.pid)) throw new UserError(`host ${p.host}: ${p.what} exited at once (see ${join(st.dir, `${p.host}.log`)})`);
  }
  st.state = 'up';
  save();
}

/** Starts a VM host's QEMU, waits for its boot (leases taken), then runs its routes and `run` lines. */
async function bootVm(st: LabState, h: HostSpec, vmNics: VmNic[], image: { kernel: string; initrd: string }, log: (s: string) => void): Promise<void> {
  const consolePath = st.hosts[h.name]!.console!;
  const args = qemuArgs({ host: h.name, memory: h.vm!.memory, cpus: h.vm!.cpus, kernel: image.kernel, initrd: image.initrd, console: consolePath, nics: vmNics });
  const fd = openSync(join(st.dir, `${h.name}.log`), 'a');
  const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new UserError(`host ${h.name}: cannot start qemu-system-x86_64`);
  st.pids.push({ pid: child.pid, host: h.name, what: 'qemu' });
  writeState(st);
  const con = await GuestConsole.connect(consolePath, 10_000);
  try {
    const t0 = Date.now();
    await con.ready(VM_BOOT_TIMEOUT_MS);
    log(`lab ${st.name}: ${h.name} booted in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    for (let n = 0; n < vmNics.length; n++) {
      const r = await con.run(`ip -4 -o addr show dev eth${n}`, 30_000);
      if (!/ inet \d/.test(r.output)) throw new UserError(`host ${h.name}: eth${n} got no DHCP lease (is a DHCP server on its bridge?)`);
    }
    const lines = [...h.routes.map((r) => shellLine(['ip', 'route', 'replace', ...r])), ...h.run.map((c) => shellLine(c))];
    for (const line of lines) {
      const r = await con.run(line, 30_000);
      if (r.code !== 0) throw new UserError(`host ${h.name}: ${line}: exit ${r.code}: ${r.output.trim()}`);
    }
  } finally {
    con.close();
  }
}

/** A long-running process in a host's namespace, detached so it outlives `lab up`; output to HOST.log. */
function startBackground(st: LabState, ns: string, host: string, what: string, cmd: string[]): void {
  const fd = openSync(join(st.dir, `${host}.log`), 'a');
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new UserError(`host ${host}: cannot start ${what}`);
  st.pids.push({ pid: child.pid, host, what });
  writeState(st);
}
