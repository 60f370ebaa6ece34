// The daemon's YAML config: schema, validation with errors that name the line, the key and what
// is allowed, and normalisation into one plain shape the daemon applies (at start and on SIGHUP).
import { z } from 'zod';
import { isValidMacString } from '../frame/mac.js';
import { isName, NAME_RULE } from '../bridge/names.js';
import { portSpec, portSpecError } from './port-kinds/index.js';
import { STP_DEFAULTS, STP_LIMITS } from '../stp/constants.js';
import type { StpProtocol } from '../stp/types.js';
import { STP_PROTOCOLS } from '../stp/spanning-tree.js';
import { VLAN_ID_MAX, VLAN_MEMBER_MAX } from '../frame/ethernet.js';
import { DIRECTIONS, type Direction } from '../bridge/port-capture.js';
import { parseYamlAs, readYamlFile, type YamlInput } from './yaml-input.js';
import { parseImpairWords, IMPAIR_USAGE } from '../impair/spec.js';
import { STORM_RATE_MAX } from '../bridge/storm.js';
import type { StormRates } from '../bridge/bridge.js';

const mac = z.string().refine(isValidMacString, { message: 'expected a MAC address like 02:00:00:00:00:01' });
const num = (lo: number, hi: number, what: string) =>
  z.number({ message: `expected a number (${what})` }).min(lo, { message: `must be ${lo}–${hi} (${what})` }).max(hi, { message: `must be ${lo}–${hi} (${what})` });

// a port is a spec as addif takes it; its kind's parser says what is wrong with a bad one
const portSpecString = z.string().min(1).superRefine((s, ctx) => {
  const problem = portSpecError(s);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

// one VLAN of a port (or of the bridge's host port), as `bridge vlan add dev P vid N [pvid] [untagged]`
const vlanObject = z.object({
  vid: num(1, VLAN_MEMBER_MAX, 'VLAN id').int(),
  pvid: z.boolean().optional(),
  untagged: z.boolean().optional(),
}).strict();
// a port's whole VLAN list (it replaces the default, VLAN 1 PVID untagged): one PVID, each vid once
const vlanList = z.array(vlanObject).superRefine((l, ctx) => {
  const seen = new Set<number>();
  l.forEach((v, i) => {
    if (seen.has(v.vid)) ctx.addIssue({ code: 'custom', path: [i, 'vid'], message: `VLAN ${v.vid} is listed twice` });
    seen.add(v.vid);
  });
  if (l.filter((v) => v.pvid === true).length > 1) ctx.addIssue({ code: 'custom', message: 'only one VLAN of a port can be its pvid' });
});

// a port's impairments: softbr impair's words, for both directions or per direction
const impairWords = z.string({ message: `expected impairment words (${IMPAIR_USAGE})` }).superRefine((s, ctx) => {
  try {
    parseImpairWords(s.trim().split(/\s+/).filter((w) => w !== ''));
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});
const impairObject = z.union([impairWords, z.object({ in: impairWords.optional(), out: impairWords.optional() }).strict()]);
// storm control of a port, frames per second per flood class (0 = no limit), as `softbr storm set`
const stormRate = (what: string) => num(0, STORM_RATE_MAX, `${what} frames per second, 0 = no limit`)
  .refine(Number.isInteger, { message: `must be a whole number (${what} frames per second, 0 = no limit)` }).optional();
const stormObject = z.object({
  broadcast: stormRate('broadcast'),
  multicast: stormRate('multicast'),
  unknownUnicast: stormRate('unknown-unicast'),
}).strict();

const portObject = z.object({
  name: portSpecString,
  learning: z.boolean().optional(),
  flood: z.boolean().optional(),
  bcastFlood: z.boolean().optional(),
  mcastFlood: z.boolean().optional(),
  hairpin: z.boolean().optional(),
  cost: num(...STP_LIMITS.pathCost, 'STP path cost').int().optional(),
  priority: num(...STP_LIMITS.portPriority, 'STP port priority').int().optional(),
  edge: z.boolean().optional(),
  mac: mac.optional(),
  takeAddress: z.boolean().optional(),
  vlans: vlanList.optional(),
  impair: impairObject.optional(),
  storm: stormObject.optional(),
  mcastRouter: num(0, 2, 'mcast_router: 0 never, 1 learned from queries, 2 always').int().optional(),
}).strict();

const stpObject = z.object({
  enabled: z.boolean().optional(),
  // a string refined (not an enum) so that a bad value is reported here, not as "no union branch"
  protocol: z.string().refine((v): v is StpProtocol => (STP_PROTOCOLS as readonly string[]).includes(v), {
    message: `must be one of ${STP_PROTOCOLS.map((p) => JSON.stringify(p)).join(', ')}`,
  }).optional(),
  priority: num(...STP_LIMITS.priority, 'bridge priority').int().optional(),
  hello: num(...STP_LIMITS.hello, 'hello time, seconds').optional(),
  maxAge: num(...STP_LIMITS.maxAge, 'max age, seconds').optional(),
  forwardDelay: num(...STP_LIMITS.forwardDelay, 'forward delay, seconds').optional(),
}).strict();

// a static FDB entry, as `softbr fdb add MAC dev PORT [--vlan VID]` makes one
const staticObject = z.object({
  mac,
  port: z.string().refine(isName, { message: `port name: ${NAME_RULE}` }),
  vlan: num(0, VLAN_ID_MAX, 'VLAN id').int().optional(),
}).strict();

// a port-mirroring session, as `softbr mirror add BR NAME --from P[,P] --direction D --to P` makes one
const portName = z.string().refine(isName, { message: `port name: ${NAME_RULE}` });
const mirrorObject = z.object({
  name: z.string().refine(isName, { message: `mirror name: ${NAME_RULE}` }),
  from: z.union([portName, z.array(portName).min(1)]),
  direction: z.enum(DIRECTIONS as unknown as ['in', 'out', 'both']).optional(),
  to: portName,
}).strict();

const bridgeObject = z.object({
  mac: mac.optional(),
  local: z.boolean().optional(),
  ageing: num(0, 1_000_000, 'seconds, 0 = hub mode').optional(),
  maxEntries: num(1, 1 << 24, 'learned MACs').int().optional(),
  limitPolicy: z.enum(['evict-oldest', 'refuse-new']).optional(),
  maxLearnedPerPort: num(0, 1 << 24, 'learned MACs per port, 0 = no limit').int().optional(),
  vlanFiltering: z.boolean().optional(),
  vlans: vlanList.optional(),
  // true/false, the object, or 'rstp' for { enabled: true, protocol: rstp }
  stp: z.preprocess((v) => (v === 'rstp' ? { enabled: true, protocol: 'rstp' } : v), z.union([z.boolean(), stpObject])).optional(),
  ports: z.array(z.union([portSpecString, portObject])).optional(),
  static: z.array(staticObject).optional(),
  mirrors: z.array(mirrorObject).optional(),
  mcastSnooping: z.boolean().optional(),
  mcastQuerier: z.boolean().optional(),
  mcastFloodUnknown: z.boolean().optional(),
  // the bridge's data plane on its own worker thread (addbr --thread)
  thread: z.boolean().optional(),
}).strict();

/** A bridge's settings without its ports, host port and thread, for files that make those themselves (labs). */
export const bridgeSettingsSchema = bridgeObject.omit({ ports: true, local: true, thread: true });

/**
 * Why a bridge on its own thread refuses --take-address / takeAddress: moving the host's addresses
 * and routes back must happen even when the daemon dies, which the main thread's exit handlers do
 * for its own bridges but cannot do for a worker's (one rule for addif and the config).
 */
export function takeAddressOnThread(bridge: string, port: string): string {
  return `--take-address (takeAddress) is not supported on bridge ${bridge}, which runs on its own thread (--thread / thread: true): `
    + `giving ${port}'s addresses and routes back if the daemon fails is done by the main thread only; run ${bridge} without --thread, or move the addresses yourself`;
}

const configSchema = z.object({
  control: z.string().optional(),
  metrics: z.union([z.string(), z.literal(false)]).optional(),
  bridges: z.record(z.string().refine(isName, { message: `bridge name: ${NAME_RULE}` }), bridgeObject.nullable()).optional(),
}).strict();

export interface PortConfig {
  /** A port spec as addif takes it (`tap:NAME`, NAME of an existing netdev, `stream:…`, `dgram:…`). */
  name: string;
  learning?: boolean;
  flood?: boolean;
  bcastFlood?: boolean;
  mcastFlood?: boolean;
  hairpin?: boolean;
  cost?: number;
  priority?: number;
  /** RSTP edge port (AdminEdge). */
  edge?: boolean;
  mac?: string;
  /** Move the device's addresses and routes to the bridge's host port (addif --take-address). */
  takeAddress?: boolean;
  /** The port's VLANs (absent: VLAN 1, PVID, untagged, as the kernel gives a new port). */
  vlans?: VlanConfig[];
  /** Impairments and rate limits, softbr impair's words per direction (absent: none). */
  impair?: { in?: string; out?: string };
  /** Storm-control limits (absent: none). */
  storm?: StormRates;
  /** Multicast-router mode (absent: 1, learned from queries). */
  mcastRouter?: number;
}

export interface VlanConfig {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface BridgeConfig {
  name: string;
  mac?: string;
  local: boolean;
  ageing: number;
  maxEntries?: number;
  limitPolicy?: 'evict-oldest' | 'refuse-new';
  /** Learned MACs one port may hold (0 = no limit); frames past it are dropped (reason limit). */
  maxLearnedPerPort?: number;
  vlanFiltering: boolean;
  /** VLANs of the bridge's host port (the kernel's `self` entries); absent: the default. */
  vlans?: VlanConfig[];
  stp: { enabled: boolean; protocol: StpProtocol; priority: number; hello: number; maxAge: number; forwardDelay: number };
  ports: PortConfig[];
  /** Static FDB entries; port is a port name of this bridge (the bridge's own name for its host port). */
  static: StaticEntryConfig[];
  /** Port-mirroring sessions (absent: none). */
  mirrors?: MirrorConfig[];
  /** IGMP/MLD snooping, the bridge as querier, flooding of groups nobody joined (all off when absent). */
  mcastSnooping?: boolean;
  mcastQuerier?: boolean;
  mcastFloodUnknown?: boolean;
  /** The bridge runs in a worker thread of its own (absent: on the main thread). */
  thread?: boolean;
}

export interface MirrorConfig {
  name: string;
  from: string[];
  direction: Direction;
  to: string;
}

export interface StaticEntryConfig {
  mac: string;
  port: string;
  vlan: number;
}

export interface Config {
  control?: string;
  metrics?: string | false;
  bridges: BridgeConfig[];
}

function vlanConfigs(l: { vid: number; pvid?: boolean; untagged?: boolean }[] | undefined): VlanConfig[] | undefined {
  return l?.map((v) => ({ vid: v.vid, pvid: v.pvid ?? false, untagged: v.untagged ?? false }));
}

/** A port's `storm` key (camelCase) as the engine's rates by flood class name. */
function stormConfig(s: { broadcast?: number; multicast?: number; unknownUnicast?: number } | undefined): StormRates | undefined {
  if (s === undefined) return undefined;
  const o: StormRates = {};
  if (s.broadcast) o.broadcast = s.broadcast;
  if (s.multicast) o.multicast = s.multicast;
  if (s.unknownUnicast) o['unknown-unicast'] = s.unknownUnicast;
  return o;
}

/** Parses and validates YAML text; throws a UserError naming file:line, the key and what is allowed. */
export function parseConfig(text: string, file = 'config'): Config {
  const input = parseYamlAs(configSchema, text, file);
  return normalise(input.data, input);
}

function normalise(c: z.output<typeof configSchema>, input: YamlInput<unknown>): Config {
  const bridges: BridgeConfig[] = [];
  // a device is a port of one bridge: checked here, since bridges on their own threads cannot see each other's ports
  const owners = new Map<string, string>();
  for (const [name, b0] of Object.entries(c.bridges ?? {})) {
    const b = b0 ?? {};
    const stpObj = typeof b.stp === 'object' ? b.stp : {};
    const seen = new Set<string>();
    const ports: PortConfig[] = [];
    for (const p of b.ports ?? []) {
      const pc: PortConfig = typeof p === 'string' ? { name: p } : {
        ...p, vlans: vlanConfigs(p.vlans), storm: stormConfig(p.storm),
        impair: typeof p.impair === 'string' ? { in: p.impair, out: p.impair } : p.impair,
      };
      if (pc.vlans === undefined) delete pc.vlans;
      if (pc.storm === undefined) delete pc.storm;
      if (pc.impair === undefined) delete pc.impair;
      if (seen.has(pc.name)) throw input.error(['bridges', name, 'ports'], `port '${pc.name}' listed twice`);
      if (b.thread === true && pc.takeAddress === true) throw input.error(['bridges', name, 'ports', ports.length, 'takeAddress'], takeAddressOnThread(name, pc.name));
      seen.add(pc.name);
      ports.push(pc);
    }
    const names = ports.map((p) => portSpec(p.name).name);
    const portNames = new Set(names);
    names.forEach((n, i) => {
      const other = owners.get(n);
      if (other !== undefined) throw input.error(['bridges', name, 'ports', i], `port '${n}' is also a port of bridge ${other}: a device can be a port of one bridge only`);
      if (c.bridges?.[n] !== undefined) throw input.error(['bridges', name, 'ports', i], `'${n}' is a bridge; a bridge cannot be a port of ${name}`);
      owners.set(n, name);
    });
    if (b.local ?? true) portNames.add(name);
    const statics: StaticEntryConfig[] = [];
    (b.static ?? []).forEach((s, i) => {
      if (!portNames.has(s.port)) {
        throw input.error(['bridges', name, 'static', i, 'port'], `'${s.port}' is not a port of ${name} (its ports: ${[...portNames].join(', ') || 'none'})`);
      }
      statics.push({ mac: s.mac.toLowerCase(), port: s.port, vlan: s.vlan ?? 0 });
    });
    const mirrors: MirrorConfig[] = [];
    (b.mirrors ?? []).forEach((mc, i) => {
      const from = typeof mc.from === 'string' ? mc.from.split(',') : mc.from;
      for (const [key, n] of [...from.map((f) => ['from', f] as const), ['to', mc.to] as const]) {
        if (!portNames.has(n)) throw input.error(['bridges', name, 'mirrors', i, key], `'${n}' is not a port of ${name} (its ports: ${[...portNames].join(', ') || 'none'})`);
      }
      if (mirrors.some((o) => o.name === mc.name)) throw input.error(['bridges', name, 'mirrors', i, 'name'], `mirror '${mc.name}' listed twice`);
      mirrors.push({ name: mc.name, from, direction: mc.direction ?? 'both', to: mc.to });
    });
    bridges.push({
      name,
      mac: b.mac,
      local: b.local ?? true,
      ageing: b.ageing ?? 300,
      maxEntries: b.maxEntries,
      limitPolicy: b.limitPolicy,
      maxLearnedPerPort: b.maxLearnedPerPort,
      vlanFiltering: b.vlanFiltering ?? false,
      ...(b.vlans !== undefined ? { vlans: vlanConfigs(b.vlans) } : {}),
      stp: {
        enabled: typeof b.stp === 'boolean' ? b.stp : (stpObj.enabled ?? (typeof b.stp === 'object')),
        protocol: (stpObj.protocol as StpProtocol | undefined) ?? 'stp',
        priority: stpObj.priority ?? STP_DEFAULTS.priority,
        hello: stpObj.hello ?? STP_DEFAULTS.hello,
        maxAge: stpObj.maxAge ?? STP_DEFAULTS.maxAge,
        forwardDelay: stpObj.forwardDelay ?? STP_DEFAULTS.forwardDelay,
      },
      ports,
      static: statics,
      ...(mirrors.length ? { mirrors } : {}),
      ...(b.mcastSnooping !== undefined ? { mcastSnooping: b.mcastSnooping } : {}),
      ...(b.mcastQuerier !== undefined ? { mcastQuerier: b.mcastQuerier } : {}),
      ...(b.mcastFloodUnknown !== undefined ? { mcastFloodUnknown: b.mcastFloodUnknown } : {}),
      ...(b.thread === true ? { thread: true } : {}),
    });
  }
  return { control: c.control, metrics: c.metrics, bridges };
}

export function loadConfig(file: string): Config {
  const input = readYamlFile(configSchema, file, 'config');
  return normalise(input.data, input);
}
