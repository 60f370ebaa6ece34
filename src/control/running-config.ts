// The daemon's running state written as the config file `softbr daemon -c` reads (config.ts's
// schema): bridges with their MAC, ageing, limits, VLAN filtering, STP settings, ports as their
// specs with the flags, STP values, storm-control limits and impairments that differ from the
// defaults, and static FDB entries.
// The text is parsed back with parseConfig before it is handed out, so what `config show`
// prints is always a config the daemon accepts.
import { stringify } from 'yaml';
import { formatMac } from '../frame/mac.js';
import { DEFAULT_PORT_PRIORITY } from '../stp/constants.js';
import { parseConfig } from './config.js';
import { portVlans, hasDefaultVlans } from '../bridge/port-vlans.js';
import type { BridgePort } from '../bridge/port.js';
import { formatImpairWords } from '../impair/spec.js';
import { ROUTER_LEARN } from '../mdb/mdb.js';
import type { Daemon, ManagedBridge } from './daemon.js';

type YamlVlan = { vid: number; pvid?: true; untagged?: true };
type YamlImpair = string | { in?: string; out?: string };
type YamlStorm = { broadcast?: number; multicast?: number; unknownUnicast?: number };
type YamlPort = string | Record<string, string | number | boolean | YamlVlan[] | YamlImpair | YamlStorm>;

/** A port's VLANs as config `vlans`, or undefined when they are the default a new port gets. */
function vlanEntry(p: BridgePort): YamlVlan[] | undefined {
  if (hasDefaultVlans(p)) return undefined;
  return (portVlans(p) ?? []).map((v) => ({ vid: v.vid, ...(v.pvid ? { pvid: true as const } : {}), ...(v.untagged ? { untagged: true as const } : {}) }));
}

/** A port's impairments as config `impair`: one string when both directions are the same. */
function impairEntry(p: BridgePort): YamlImpair | undefined {
  const w = (imp: BridgePort['impairIn']) => (imp === null ? undefined : formatImpairWords(imp.spec));
  const i = w(p.impairIn);
  const o = w(p.impairOut);
  if (i === undefined && o === undefined) return undefined;
  if (i === o) return i;
  return { ...(i !== undefined ? { in: i } : {}), ...(o !== undefined ? { out: o } : {}) };
}

function portEntry(m: ManagedBridge, name: string, stpPorts: Map<number, { priority: number; pathCost: number; adminPathCost: boolean; edge: boolean }>): YamlPort {
  const p = m.bridge.portByName(name)!;
  const spec = m.given.get(name) ?? name;
  const o: Record<string, string | number | boolean | YamlVlan[] | YamlImpair | YamlStorm> = { name: spec };
  if (!p.learning) o['learning'] = false;
  if (!p.floodUnicast) o['flood'] = false;
  if (!p.floodBroadcast) o['bcastFlood'] = false;
  if (!p.floodMulticast) o['mcastFlood'] = false;
  if (p.hairpin) o['hairpin'] = true;
  if (m.taken.has(name)) o['takeAddress'] = true;
  const sp = stpPorts.get(p.no);
  if (sp?.adminPathCost) o['cost'] = sp.pathCost;
  if (sp && sp.priority !== DEFAULT_PORT_PRIORITY) o['priority'] = sp.priority;
  if (sp?.edge) o['edge'] = true;
  // a MAC softbr chose (a TAP's bridge side) is kept, so that a restart shows the same local rows;
  // an attached netdev's is the device's own and follows it
  if (m.specs.get(name)?.kind !== 'dev' && p.io.kind !== 'packet') o['mac'] = formatMac(p.mac);
  const vl = vlanEntry(p);
  if (vl !== undefined) o['vlans'] = vl;
  const im = impairEntry(p);
  if (im !== undefined) o['impair'] = im;
  if (p.storm !== null) {
    const r = m.bridge.stormRates(p);
    o['storm'] = { ...(r.broadcast ? { broadcast: r.broadcast } : {}), ...(r.multicast ? { multicast: r.multicast } : {}), ...(r['unknown-unicast'] ? { unknownUnicast: r['unknown-unicast'] } : {}) };
  }
  if (m.bridge.mdb.routerMode[p.no] !== ROUTER_LEARN) o['mcastRouter'] = m.bridge.mdb.routerMode[p.no]!;
  return Object.keys(o).length === 1 ? spec : o;
}

/** One bridge's part of the config (what a bridge thread sends for the main thread's config show). */
export function bridgeEntry(d: Daemon, m: ManagedBridge): Record<string, unknown> {
  const br = m.bridge;
  const snap = br.stp.snapshot();
  const stpPorts = new Map(snap.ports.map((p) => [p.portNo, p]));
  const statics = d.staticEntries(m).map((s) => (s.vlan === 0 ? { mac: s.mac, port: s.port } : s));
  return {
    mac: formatMac(br.mac),
    local: br.allPorts().some((p) => p.isHost),
    ageing: br.fdb.ageingMs / 1000,
    maxEntries: br.fdb.maxEntries,
    limitPolicy: br.fdb.policy,
    maxLearnedPerPort: br.fdb.perPortLimit,
    vlanFiltering: br.vlanFiltering,
    ...(br.ports[0] !== undefined && vlanEntry(br.ports[0]) !== undefined ? { vlans: vlanEntry(br.ports[0]) } : {}),
    stp: {
      enabled: br.stp.enabled,
      ...(br.stp.protocol === 'rstp' ? { protocol: 'rstp' } : {}),
      priority: snap.bridgePriority,
      hello: snap.bridgeHelloTime,
      maxAge: snap.bridgeMaxAge,
      forwardDelay: snap.bridgeForwardDelay,
    },
    ports: [...m.specs.keys()].map((name) => portEntry(m, name, stpPorts)),
    ...(statics.length ? { static: statics } : {}),
    ...(br.mcastSnooping ? { mcastSnooping: true } : {}),
    ...(br.mdb.querier ? { mcastQuerier: true } : {}),
    ...(br.mdb.floodUnknown ? { mcastFloodUnknown: true } : {}),
    ...(br.mirrors.size ? { mirrors: br.mirrorList().map((s) => ({ name: s.name, from: s.from, direction: s.direction, to: s.to })) } : {}),
  };
}

/**
 * The running state as config YAML (bridges sorted by name; ports in the order they were added),
 * with the entries of the bridges that run on their own threads (by name), marked `thread: true`.
 */
export function runningConfigYaml(d: Daemon, threaded: ReadonlyMap<string, Record<string, unknown>> = new Map()): string {
  const doc: Record<string, unknown> = {};
  if (d.source.control !== undefined) doc['control'] = d.source.control;
  if (d.source.metrics !== undefined) doc['metrics'] = d.source.metrics;
  const names = [...d.bridges.keys(), ...threaded.keys()].sort();
  const entry = (n: string) => {
    const t = threaded.get(n);
    return t !== undefined ? { ...t, thread: true } : bridgeEntry(d, d.bridges.get(n)!);
  };
  doc['bridges'] = Object.fromEntries(names.map((n) => [n, entry(n)]));
  const text = `# softbr running state (softbr config show); start a daemon from it with softbr daemon -c FILE\n${stringify(doc, { lineWidth: 0 })}`;
  parseConfig(text, 'running state'); // a state the schema refuses is a bug here, not the user's
  return text;
}
