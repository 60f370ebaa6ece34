// The control protocol's data: plain JSON-able objects (no Map, no bigint, no class instances)
// that the daemon builds (views.ts, observe.ts) and sends over the control socket, and that the
// CLI hands to its formatters (src/cli/format/) unchanged. Control owns them because it sends
// them; the formatters import them from here.
//
// Units: every time is in seconds as a (possibly fractional) number. The formatters
// round/truncate exactly as the kernel tools would (see formatBrctlTimer).
// MAC addresses: 'aa:bb:cc:dd:ee:ff' (upper or lower case, ':' or '-'); printed lower case.
import type { PortStateName } from '../stp/port-state.js';
import type { Direction } from '../capture/ring.js';
import type { MirrorInfo } from '../bridge/mirror.js';

/** One bridge, for `brctl show` (formatBrctlShow / formatBrctlShowJson). */
export interface BridgeInfo {
  /** Bridge name, e.g. 'br0'. */
  name: string;
  /** Bridge id as brctl prints it: 4 hex digits of priority, '.', 12 hex digits of MAC,
   *  e.g. '8000.3a34cf199539'. See bridgeIdString() to build one. */
  bridgeId: string;
  /** STP enabled ('yes' / 'no' column). */
  stpEnabled: boolean;
  /** Names of the real ports (not the bridge's own host port). Any order: printed sorted
   *  by name, byte-wise, as brctl reads /sys/class/net/BR/brif with alphasort. */
  interfaces: string[];
}

/** One forwarding-database entry, for `brctl showmacs` (formatShowmacs / formatShowmacsJson). */
export interface MacRow {
  /** Port number (the kernel's port_no, 1-based; 0 is unusual). Printed `%3i`. */
  portNo: number;
  mac: string;
  /** Local (the bridge's / a port's own address): 'yes' column. */
  isLocal: boolean;
  /** Seconds since the entry was last refreshed (0 for local/static entries). Printed
   *  `%4i.%.2i`, truncated to 1/100 s. */
  ageingTimerSec: number;
}

/** State word of `bridge fdb show` (iproute2's state_n2a): '' = dynamic (reachable). */
export type FdbState = '' | 'permanent' | 'static' | 'stale';

/** One entry of `bridge fdb show` (formatFdbShow / formatFdbJson). Field names of the
 *  JSON output are iproute2's, not these. */
export interface FdbRow {
  mac: string;
  /** Device the entry is on ('dev X'; JSON "ifname"). */
  ifname: string;
  /** Bridge the device is enslaved to ('master X'; JSON "master") — set on entries of the
   *  bridge's own FDB (NDA_MASTER), absent on 'self' entries of a device's own list. */
  master?: string;
  /** VLAN id; printed only when non-zero ('vlan N'). */
  vlan?: number;
  /** VXLAN remote ('dst 10.0.0.2'; JSON "dst"). */
  dst?: string;
  /** VXLAN remote UDP port ('port N'). */
  port?: number;
  /** VXLAN VNI ('vni N'). */
  vni?: number;
  /** VXLAN source VNI ('src_vni N'). */
  srcVni?: number;
  /** VXLAN outgoing device ('via DEV'; JSON "viaIf"). */
  viaIf?: string;
  /** Entry flags, from: 'self', 'router', 'extern_learn', 'offload', 'master', 'sticky',
   *  'blackhole', 'locked'. Printed in iproute2's fixed order whatever the order here;
   *  unknown words are printed after the known ones, in the given order. */
  flags: string[];
  state: FdbState;
  /** Seconds since last used / updated. Printed with -s only (whole seconds, truncated),
   *  and only when present: the kernel reports them for bridge (master) and vxlan entries,
   *  not for the 'self' entries of a device's address list. */
  usedSec?: number;
  updatedSec?: number;
}

/** A port's state word (the kernel's br_port_state_names). */
export type PortState = PortStateName;

/** One bridge port, for `bridge link show` / `bridge -d link show`
 *  (formatLinkShow / formatLinkJson). Optional detail fields default to the kernel's
 *  defaults for a new port (all off, mcastRouter 1). */
export interface LinkRow {
  ifindex: number;
  ifname: string;
  /** Text after '@' ('veth0@if8', 'l1a@p3'); absent for devices without a link (tap). */
  parent?: string;
  /** Interface flags as iproute2 prints them, in order, e.g.
   *  ['BROADCAST','MULTICAST','UP','LOWER_UP'] or ['NO-CARRIER','BROADCAST','MULTICAST','UP'];
   *  iproute2 appends 'M-DOWN' last when the link's peer is down. Joined with ','. */
  flags: string[];
  mtu: number;
  /** Bridge name. */
  master: string;
  state: PortState;
  /** Port priority (0..63). */
  priority: number;
  /** Path cost. */
  cost: number;
  hairpin: boolean;
  guard?: boolean;
  rootBlock?: boolean;
  fastleave?: boolean;
  learning: boolean;
  flood: boolean;
  mcastFlood: boolean;
  bcastFlood: boolean;
  /** Multicast router mode (0..3), default 1. */
  mcastRouter?: number;
  mcastToUnicast?: boolean;
  neighSuppress?: boolean;
  vlanTunnel?: boolean;
  isolated?: boolean;
  /** softbr's storm-control limits, frames per second by flood class (absent: none; not in iproute2). */
  storm?: Partial<Record<'unknown-unicast' | 'broadcast' | 'multicast', number>>;
  locked?: boolean;
  /** softbr: the port's impairments and rate limits by direction (absent: none). */
  impair?: PortImpairView;
}

export type ImpairDirection = 'in' | 'out';

/** One direction's impairment: its words (softbr impair's), the seed in use, and what it did. */
export interface ImpairDirectionView {
  words: string;
  seed: number;
  counters: {
    frames: number; lost: number; duplicated: number; corrupted: number; reordered: number;
    delayed: number; shaped: number; policed: number; queueFull: number; queued: number;
    /** Mean ms a released frame waited in the delay line. */
    meanWaitMs: number;
  };
}

export type PortImpairView = Partial<Record<ImpairDirection, ImpairDirectionView>>;

/** Bridge-level part of `brctl showstp` (formatShowstp / formatShowstpJson). All timers
 *  and times in seconds. */
export interface StpInfo {
  /** Bridge name (first line of the output). */
  name: string;
  bridgeId: string;
  designatedRoot: string;
  rootPort: number;
  rootPathCost: number;
  /** Times in use (learned from the root). */
  maxAge: number;
  helloTime: number;
  forwardDelay: number;
  /** Times configured on this bridge. (brctl reads both from the same sysfs files, so on a
   *  kernel bridge the two columns are always equal; softbr may show them differently.) */
  bridgeMaxAge: number;
  bridgeHelloTime: number;
  bridgeForwardDelay: number;
  ageingTime: number;
  helloTimer: number;
  tcnTimer: number;
  topologyChangeTimer: number;
  gcTimer: number;
  flags: { topologyChange: boolean; topologyChangeDetected: boolean };
  /** 'rstp' adds RSTP's lines (protocol; per port role, protocol, edge) to brctl's layout. */
  protocol?: 'stp' | 'rstp';
  /** Any order: printed sorted by name, byte-wise, as brctl does. */
  ports: StpPortInfo[];
}

/** Port part of `brctl showstp`. */
export interface StpPortInfo {
  name: string;
  /** Port number, printed in the header line 'name (portNo)'. */
  portNo: number;
  /** Port id as 4 hex digits, e.g. '8001' (priority << 10 | port number on Linux). */
  portId: string;
  /** RSTP has one state for 802.1D's blocking and listening: discarding. */
  state: PortState | 'discarding';
  designatedRoot: string;
  pathCost: number;
  designatedBridge: string;
  messageAgeTimer: number;
  /** 4 hex digits, e.g. '8003'. */
  designatedPort: string;
  forwardDelayTimer: number;
  designatedCost: number;
  holdTimer: number;
  flags: { configPending: boolean; changeAck: boolean };
  /** Hairpin mode on: brctl 1.7 then adds a line ' hairpin mode\t\t   1' after the flags
   *  line of the port. Absent/false: no line. */
  hairpinMode?: boolean;
  /** root, designated, alternate, backup or disabled. */
  role?: string;
  /** RSTP: what the port speaks ('stp' after it heard an 802.1D bridge), and its edge flags. */
  protocol?: 'stp' | 'rstp';
  edge?: boolean;
  operEdge?: boolean;
}

/** Stream events of a capture, as sent with session.event(req.id, …). */
export type CaptureEvent =
  /** port: '*' when the capture covers every port of the bridge. */
  | { type: 'started'; bridge: string; port: string; direction: Direction; count: number; duration: number; snaplen: number }
  /** ts: wall-clock ms with µs fraction; len: length on the wire; data: captured bytes, base64. */
  /** port: set when the capture covers every port of the bridge (`softbr capture BR`). */
  | { type: 'frame'; ts: number; dir: 'in' | 'out'; len: number; data: string; port?: string };

/** `config-show`: the running state as config YAML, and the config file the daemon was started with. */
export interface ConfigShowResult {
  yaml: string;
  file: string | null;
}

/** One device of `vlan show` (`bridge vlan show`): the bridge's host port (its `self` entries) or a port. */
export interface VlanRow {
  ifname: string;
  /** The bridge's own device (its entries carry the kernel's BRENTRY flag: JSON "flags" is then always present). */
  self: boolean;
  vlans: { vlan: number; flags: ('PVID' | 'Egress Untagged')[] }[];
}

/** `softbr storm` (storm-show, storm-set): one port's storm-control limits and drops. */
export interface StormRow {
  bridge: string;
  port: string;
  /** Per flood class: its limit in frames per second (0 = none) and the frames it dropped. */
  classes: { kind: 'unknown-unicast' | 'broadcast' | 'multicast'; pps: number; dropped: number }[];
  /** All storm drops of the port (its `storm` drop reason). */
  dropped: number;
}

/** One port-mirroring session, for `softbr mirror show` (formatMirrorShow / --json): the engine's MirrorInfo and its bridge. */
export interface MirrorRow extends MirrorInfo {
  bridge: string;
}

/** One group membership, for `softbr mdb show` (formatMdbShow / formatMdbJson), as `bridge mdb show` lists it. */
export interface MdbRow {
  /** The bridge ('dev'). */
  dev: string;
  /** The member port; the bridge's own name for a group its host port joined. */
  port: string;
  grp: string;
  state: 'temp' | 'permanent';
  /** VLAN (0: none, not printed). */
  vid: number;
  /** Seconds until it expires (0 for permanent). */
  timer: number;
  /** The member is the host port (iproute2 prints no 'proto' for those). */
  host: boolean;
}

/** A multicast router port, for `softbr mdb show -d`. */
export interface MdbRouterRow {
  dev: string;
  port: string;
  /** Seconds left of a router port learned from queries (0 for a permanent one). */
  timer: number;
  permanent: boolean;
}

/** `mdb show`'s whole answer: memberships and router ports of the bridges asked for. */
export interface MdbView {
  entries: MdbRow[];
  routers: MdbRouterRow[];
  /** Snooping state per bridge: on/off, querier, flood of unknown groups. */
  /** index: the bridge's number in JSON (softbr numbers ports, the host port is 0; the kernel gives its ifindex). */
  bridges: { dev: string; index: number; snooping: boolean; querier: boolean; floodUnknown: boolean; querierPresent: boolean }[];
}
