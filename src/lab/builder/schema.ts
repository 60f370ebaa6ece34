// The lab file (`softbr lab up FILE`): its schema, the cross-checks a schema cannot express (a
// link names a bridge or host that exists, an address goes on an interface some link makes),
// and normalisation into one LabSpec that up() builds. Errors name file:line, the key and what
// is allowed, through the same YAML reader as the daemon's config.
import { z } from 'zod';
import { bridgeSettingsSchema } from '../../control/config.js';
import { parseYamlAs, readYamlFile, type YamlInput } from '../../control/yaml-input.js';
import { isName, NAME_RULE } from '../../bridge/names.js';
import { parseListenAddr } from '../../metrics/server.js';

/** Lab names are file names under /run/softbr/labs and appear in messages: keep them plain. */
export const LAB_NAME_RULE = "1–32 lower-case letters, digits and '-', starting with a letter or digit";
const LAB_NAME_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const HOST_RE = /^[a-z][a-z0-9-]{0,15}$/;
const HOST_RULE = "1–16 lower-case letters, digits and '-', starting with a letter";

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { message: 'expected an IPv4 address with its prefix length, like 10.5.0.1/24' });
const words = z.string().min(1).regex(/^[^'"`$\\]*$/, { message: 'a command line of plain words: no quotes, $ or backslashes (they are split on spaces)' });

const interfaceObject = z.object({
  address: z.union([cidr, z.array(cidr)]).optional(),
  mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, { message: 'expected a MAC address like 02:00:00:00:00:01' }).optional(),
}).strict();

const dnsmasqObject = z.object({
  interface: z.string().refine(isName, { message: `interface name: ${NAME_RULE}` }),
  range: z.string().regex(/^\d{1,3}(\.\d{1,3}){3},\d{1,3}(\.\d{1,3}){3}$/, { message: 'expected FIRST,LAST, like 192.168.122.2,192.168.122.254' }),
  options: z.array(words).optional(),
}).strict();

const kernelBridgeObject = z.object({
  name: z.string().refine(isName, { message: `bridge name: ${NAME_RULE}` }),
  stp: z.boolean().optional(),
  priority: z.number().int().min(0).max(65535).optional(),
  ports: z.array(z.string().refine(isName, { message: `interface name: ${NAME_RULE}` })).min(1),
}).strict();

const vmObject = z.object({
  memory: z.number().int().min(64, { message: 'must be 64–4096 (MiB)' }).max(4096, { message: 'must be 64–4096 (MiB)' }).optional(),
  cpus: z.number().int().min(1, { message: 'must be 1–8' }).max(8, { message: 'must be 1–8' }).optional(),
}).strict();

const hostObject = z.object({
  vm: z.union([z.literal(true), vmObject]).optional(),
  interfaces: z.record(z.string().refine(isName, { message: `interface name: ${NAME_RULE}` }), z.union([cidr, interfaceObject, z.null()])).optional(),
  routes: z.array(words).optional(),
  forwarding: z.boolean().optional(),
  nat: z.array(words).optional(),
  dnsmasq: dnsmasqObject.optional(),
  bridge: kernelBridgeObject.optional(),
  files: z.record(z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+$/, { message: "a path inside the lab's directory: letters, digits, '_', '.', '/', '-', no '..'" }), z.string()).optional(),
  run: z.array(words).optional(),
  start: z.array(words).optional(),
}).strict();

const endpoint = z.string().regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/, { message: 'a link end is BRIDGE or HOST:INTERFACE' });

const labSchema = z.object({
  name: z.string().regex(LAB_NAME_RE, { message: `lab name: ${LAB_NAME_RULE}` }),
  web: z.string().refine((s) => { try { parseListenAddr(s); return true; } catch { return false; } }, { message: 'expected HOST:PORT for the web view and /metrics, like 127.0.0.1:9480 (port 0: any free port)' }).optional(),
  bridges: z.record(z.string().refine(isName, { message: `bridge name: ${NAME_RULE}` }), bridgeSettingsSchema.nullable()).optional(),
  hosts: z.record(z.string().regex(HOST_RE, { message: `host name: ${HOST_RULE}` }), hostObject.nullable()).optional(),
  links: z.array(z.tuple([endpoint, endpoint], { message: 'a link is a pair [END, END]' })).optional(),
}).strict();

type RawLab = z.output<typeof labSchema>;
export type BridgeSettings = z.output<typeof bridgeSettingsSchema>;

export type LinkEnd = { kind: 'bridge'; bridge: string } | { kind: 'host'; host: string; ifname: string };

export interface HostSpec {
  name: string;
  /** A QEMU guest instead of a namespace: its NICs get their addresses by DHCP. */
  vm?: { memory: number; cpus: number };
  /** Addresses and MACs by interface name (interfaces themselves come from links). */
  interfaces: Map<string, { addresses: string[]; mac?: string }>;
  routes: string[][];
  forwarding: boolean;
  nat: string[][];
  dnsmasq?: { interface: string; range: string; options: string[][] };
  kernelBridge?: { name: string; stp: boolean; priority?: number; ports: string[] };
  /** Files written into the lab's directory before `run` (commands name that directory `{dir}`). */
  files: Map<string, string>;
  run: string[][];
  start: string[][];
}

export interface LabSpec {
  name: string;
  file: string;
  web?: string;
  bridges: Map<string, BridgeSettings>;
  hosts: Map<string, HostSpec>;
  links: [LinkEnd, LinkEnd][];
}

const split = (s: string): string[] => s.trim().split(/\s+/);

function normalise(raw: RawLab, input: YamlInput<unknown>, file: string): LabSpec {
  const bridges = new Map(Object.entries(raw.bridges ?? {}).map(([n, b]) => [n, b ?? {}] as const));
  const hosts = new Map<string, HostSpec>();
  for (const [name, h0] of Object.entries(raw.hosts ?? {})) {
    if (bridges.has(name)) throw input.error(['hosts', name], `'${name}' is already a bridge: hosts and bridges need different names`);
    const h = h0 ?? {};
    const interfaces = new Map<string, { addresses: string[]; mac?: string }>();
    for (const [ifname, v] of Object.entries(h.interfaces ?? {})) {
      const o = typeof v === 'string' ? { address: v } : v ?? {};
      interfaces.set(ifname, { addresses: o.address === undefined ? [] : [o.address].flat(), mac: o.mac });
    }
    if (h.vm) {
      for (const k of ['forwarding', 'nat', 'dnsmasq', 'bridge', 'files', 'start'] as const) {
        if (h[k] !== undefined) throw input.error(['hosts', name, k], `not for a VM host (a VM takes interfaces, routes and run; its addresses come by DHCP)`);
      }
      for (const [ifname, v] of interfaces) {
        if (v.addresses.length > 0 || v.mac !== undefined) throw input.error(['hosts', name, 'interfaces', ifname], 'a VM\'s interfaces get their address by DHCP: give no address or MAC');
      }
    }
    hosts.set(name, {
      name, interfaces,
      vm: h.vm ? { memory: (h.vm === true ? undefined : h.vm.memory) ?? 128, cpus: (h.vm === true ? undefined : h.vm.cpus) ?? 1 } : undefined,
      routes: (h.routes ?? []).map(split),
      forwarding: h.forwarding ?? false,
      nat: (h.nat ?? []).map(split),
      dnsmasq: h.dnsmasq && { interface: h.dnsmasq.interface, range: h.dnsmasq.range, options: (h.dnsmasq.options ?? []).map(split) },
      kernelBridge: h.bridge && { name: h.bridge.name, stp: h.bridge.stp ?? false, priority: h.bridge.priority, ports: h.bridge.ports },
      files: new Map(Object.entries(h.files ?? {})),
      run: (h.run ?? []).map(split),
      start: (h.start ?? []).map(split),
    });
  }
  const made = new Map<string, Set<string>>([...hosts.keys()].map((h) => [h, new Set(['lo'])]));
  const links: [LinkEnd, LinkEnd][] = [];
  (raw.links ?? []).forEach((pair, i) => {
    const ends = pair.map((e, j): LinkEnd => {
      const at = ['links', i, j];
      const colon = e.indexOf(':');
      if (colon < 0) {
        if (!bridges.has(e)) throw input.error(at, `no bridge '${e}' (bridges: ${[...bridges.keys()].join(', ') || 'none'}; a host's end is HOST:INTERFACE)`);
        return { kind: 'bridge', bridge: e };
      }
      const host = e.slice(0, colon);
      const ifname = e.slice(colon + 1);
      if (!hosts.has(host)) throw input.error(at, `no host '${host}' (hosts: ${[...hosts.keys()].join(', ') || 'none'})`);
      if (!isName(ifname)) throw input.error(at, `interface name '${ifname}': ${NAME_RULE}`);
      const mine = made.get(host)!;
      if (mine.has(ifname)) throw input.error(at, `host ${host} already has an interface ${ifname}`);
      mine.add(ifname);
      return { kind: 'host', host, ifname };
    }) as [LinkEnd, LinkEnd];
    if (ends[0].kind === 'bridge' && ends[1].kind === 'bridge' && ends[0].bridge === ends[1].bridge) {
      throw input.error(['links', i], `a link from bridge ${ends[0].bridge} to itself`);
    }
    if (ends[0].kind === 'host' && ends[1].kind === 'host' && ends[0].host === ends[1].host) {
      throw input.error(['links', i], `a link from host ${ends[0].host} to itself`);
    }
    for (const [j, e] of ends.entries()) {
      if (e.kind !== 'host' || !hosts.get(e.host)!.vm) continue;
      if (ends[1 - j]!.kind !== 'bridge') throw input.error(['links', i], `VM ${e.host} can only be linked to a bridge`);
      const n = [...made.get(e.host)!].filter((x) => x !== 'lo').length - 1;
      if (e.ifname !== `eth${n}`) throw input.error(['links', i, j], `VM ${e.host}'s interfaces are eth0, eth1, … in the order of its links: this one is eth${n}`);
    }
    links.push(ends);
  });
  for (const h of hosts.values()) {
    const mine = made.get(h.name)!;
    if (h.kernelBridge) {
      for (const p of h.kernelBridge.ports) {
        if (!mine.has(p)) throw input.error(['hosts', h.name, 'bridge', 'ports'], `host ${h.name} has no interface ${p}: its interfaces come from links (${[...mine].filter((x) => x !== 'lo').join(', ') || 'none'})`);
      }
      mine.add(h.kernelBridge.name);
    }
    for (const ifname of h.interfaces.keys()) {
      if (!mine.has(ifname)) throw input.error(['hosts', h.name, 'interfaces', ifname], `host ${h.name} has no interface ${ifname}: add a link [BRIDGE, ${h.name}:${ifname}] (its interfaces: ${[...mine].join(', ')})`);
    }
    if (h.dnsmasq && !mine.has(h.dnsmasq.interface)) {
      throw input.error(['hosts', h.name, 'dnsmasq', 'interface'], `host ${h.name} has no interface ${h.dnsmasq.interface}`);
    }
  }
  return { name: raw.name, file, web: raw.web, bridges, hosts, links };
}

export function parseLab(text: string, file = 'lab.yaml'): LabSpec {
  const input = parseYamlAs(labSchema, text, file);
  return normalise(input.data, input, file);
}

export function loadLab(file: string): LabSpec {
  const input = readYamlFile(labSchema, file, 'lab file');
  return normalise(input.data, input, file);
}

export function isLabName(s: string): boolean {
  return LAB_NAME_RE.test(s);
}
