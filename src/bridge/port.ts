// One port of a bridge: its driver, STP-driven state, forwarding flags and counters. Counters are
// plain number fields the metrics layer reads at scrape time, Double from the start (counters.ts);
// nothing here allocates per frame.
// The facts the bridge's per-class flood lists are built from (up, state, the flags, the analyser
// role) are readonly outside this class and change only through setUp/setState/setFlags/
// setAnalyser, which tell the owning bridge to rebuild its lists: the flood loop then checks only
// what varies per frame (egress.ts: floodListed / mayFloodListed).
import type { PortIO } from './port-io.js';
import { PORT_DISABLED } from '../stp/port-state.js';
import type { Impairer } from '../impair/impairer.js';
import type { StormControl } from './storm.js';
import { countersAsDoubles } from './counters.js';

/** Receives copies of frames crossing a port; dir 0 = received (in), 1 = sent (out). */
export interface PortCapture {
  frame(dir: 0 | 1, buf: Uint8Array, off: number, len: number): void;
}

export interface PortFlags {
  /** Learn source MACs seen on this port. */
  learning: boolean;
  /** Receive floods of unknown unicast (egress flag, as the kernel's BR_FLOOD). */
  floodUnicast: boolean;
  /** Receive broadcasts (BR_BCAST_FLOOD). */
  floodBroadcast: boolean;
  /** Receive multicast floods (BR_MCAST_FLOOD). */
  floodMulticast: boolean;
  /** Allow sending a frame back out of the port it came in on. */
  hairpin: boolean;
}

/** The bridge a port belongs to, told when a fact its flood lists depend on changes (Bridge keeps one). */
export interface PortOwner {
  portChanged(p: BridgePort): void;
}

/** The fields setUp/setState/setFlags/setAnalyser write: readonly to everyone else. */
type Listed = { -readonly [K in 'up' | 'state' | 'analyser' | keyof PortFlags]: BridgePort[K] };

export const DEFAULT_PORT_FLAGS: Readonly<PortFlags> = {
  learning: true, floodUnicast: true, floodBroadcast: true, floodMulticast: true, hairpin: false,
};

/** Drop reasons as metric label values, in the order of the counters below. */
export const DROP_REASONS = ['malformed', 'stp_blocked', 'filtered', 'no_buffer', 'tx_error', 'limit', 'link_local', 'vlan', 'impair_queue_full', 'storm', 'too_big', 'mirror_drop', 'analyser'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** The counter fields, Double from the start (counters.ts). */
export const PORT_COUNTERS = [
  'rxFrames', 'rxBytes', 'txFrames', 'txBytes', 'txFlooded', 'dropMalformed', 'dropStpBlocked', 'dropFiltered',
  'dropNoBuffer', 'dropTxError', 'dropLimit', 'dropLinkLocal', 'dropVlan', 'dropStorm', 'dropMirror', 'dropAnalyser',
] as const;

export class BridgePort {
  /** 0 is the bridge's own host port (br0); real ports are numbered from 1 as the kernel does. */
  readonly no: number;
  readonly io: PortIO;
  readonly isHost: boolean;
  /** The bridge-side MAC of this port (a local FDB entry; source of its BPDUs). */
  readonly mac: number;
  /** Largest frame accepted: MTU + 18. */
  readonly maxFrame: number;
  /** STP port state (PORT_*); written through setState. */
  readonly state: number = PORT_DISABLED;
  /** Carrier; written through setUp. */
  readonly up: boolean = true;
  /** Why the link went down (setUp); '' while up. */
  downReason = '';

  // the flags (PortFlags); written through setFlags
  readonly learning: boolean;
  readonly floodUnicast: boolean;
  readonly floodBroadcast: boolean;
  readonly floodMulticast: boolean;
  readonly hairpin: boolean;
  /** The bridge told of changes to the fields above (Bridge.addPort sets it, removePort clears it). */
  owner: PortOwner | null = null;
  /** VLAN given to untagged frames when the bridge filters VLANs. */
  pvid = 1;
  /** Member VLANs (1 = member) when the bridge filters VLANs; null = all. */
  vlans: Uint8Array | null = null;
  /** Per VLAN, 1 = leaves this port untagged (else tagged); null without a member list. Written by port-vlans.ts. */
  vlanUntagged: Uint8Array | null = null;
  /** Scratch area for frames whose tag egress pushes or pops (vlan-tag.ts), and the next free offset in it. */
  tagBuf: Uint8Array | null = null;
  tagPos = 0;

  // counters
  rxFrames = 0;
  rxBytes = 0;
  txFrames = 0;
  txBytes = 0;
  /** Frames this port sent as part of a flood. */
  txFlooded = 0;
  dropMalformed = 0;
  dropStpBlocked = 0;
  dropFiltered = 0;
  dropNoBuffer = 0;
  dropTxError = 0;
  dropLimit = 0;
  dropLinkLocal = 0;
  dropVlan = 0;
  /** Floods over this port's storm-control limit (storm.ts), dropped on ingress. */
  dropStorm = 0;

  /** Storm-control limits of frames flooded from this port; null (the default) = none, one comparison per flood. */
  storm: StormControl | null = null;

  /** Mirror copies this analyser port could not take (down, queue full, over its budget). */
  dropMirror = 0;
  /** Frames received on this port while it is a mirror analyser, which forwards nothing. */
  dropAnalyser = 0;

  /** A mirror session's destination (mirror.ts): takes copies only, forwards and learns nothing. Written through setAnalyser. */
  readonly analyser: boolean = false;
  /** Mirror copies it may still take before its next flush (MIRROR_BUDGET after each). */
  mirrorBudget = 0;

  /**
   * Capture hook (pcap, live summaries): null when nobody captures, so the fast path pays one
   * comparison. The hook must copy what it keeps and never block.
   */
  capture: PortCapture | null = null;

  /**
   * Impairments and rate limits of frames received on (in) and sent out of (out) this port
   * (src/impair/; Bridge.setImpairment sets them): null when none, so the fast path pays one
   * comparison per direction.
   */
  impairIn: Impairer | null = null;
  impairOut: Impairer | null = null;

  /** Set while the port has queued sends awaiting flush. */
  dirty = false;

  // the buffer this port's frames last came in and a DataView over it (viewOf)
  private rxViewBuf: Uint8Array | null = null;
  private rxView: DataView | null = null;

  constructor(no: number, io: PortIO, mac: number, isHost: boolean, flags: Partial<PortFlags> = {}) {
    this.no = no;
    this.io = io;
    this.mac = mac;
    this.isHost = isHost;
    this.maxFrame = io.mtu + 18;
    const d = DEFAULT_PORT_FLAGS;
    this.learning = flags.learning ?? d.learning;
    this.floodUnicast = flags.floodUnicast ?? d.floodUnicast;
    this.floodBroadcast = flags.floodBroadcast ?? d.floodBroadcast;
    this.floodMulticast = flags.floodMulticast ?? d.floodMulticast;
    this.hairpin = flags.hairpin ?? d.hairpin;
    countersAsDoubles(this, PORT_COUNTERS);
  }

  get name(): string { return this.io.name; }

  /**
   * A DataView over buf, for Bridge.receive's MAC reads: a big-endian getInt32 is one bounds check
   * and one load where four byte reads are four of each, which at 100k MACs was 7–10% of the
   * known-unicast rate. Made again only when the buffer changes: once for a driver that receives
   * into one buffer, once per batch for one that hands up a new buffer per read.
   */
  viewOf(buf: Uint8Array): DataView {
    if (buf !== this.rxViewBuf) {
      this.rxViewBuf = buf;
      this.rxView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.rxView!;
  }

  flags(): PortFlags {
    return {
      learning: this.learning, floodUnicast: this.floodUnicast, floodBroadcast: this.floodBroadcast,
      floodMulticast: this.floodMulticast, hairpin: this.hairpin,
    };
  }

  setFlags(f: Partial<PortFlags>): void {
    const w = this as Listed;
    const before = this.flagBits();
    if (f.learning !== undefined) w.learning = f.learning;
    if (f.floodUnicast !== undefined) w.floodUnicast = f.floodUnicast;
    if (f.floodBroadcast !== undefined) w.floodBroadcast = f.floodBroadcast;
    if (f.floodMulticast !== undefined) w.floodMulticast = f.floodMulticast;
    if (f.hairpin !== undefined) w.hairpin = f.hairpin;
    // a reload sets every port's flags again: only a change rebuilds the bridge's lists
    if (this.flagBits() !== before) this.owner?.portChanged(this);
  }

  private flagBits(): number {
    return (this.learning ? 1 : 0) | (this.floodUnicast ? 2 : 0) | (this.floodBroadcast ? 4 : 0) | (this.floodMulticast ? 8 : 0) | (this.hairpin ? 16 : 0);
  }

  /** Carrier on or off; reason says why it went down (kept in downReason while down). */
  setUp(up: boolean, reason = ''): void {
    this.downReason = up ? '' : reason;
    if (up === this.up) return;
    (this as Listed).up = up;
    this.owner?.portChanged(this);
  }

  /** The STP port state (PORT_*). */
  setState(state: number): void {
    if (state === this.state) return;
    (this as Listed).state = state;
    this.owner?.portChanged(this);
  }

  /** Makes the port a mirror analyser (it then gets no floods) or a port again. */
  setAnalyser(on: boolean): void {
    if (on === this.analyser) return;
    (this as Listed).analyser = on;
    this.owner?.portChanged(this);
  }

  /** The engine's counters plus what the driver dropped before or after the engine saw the frames. */
  drops(): Record<DropReason, number> {
    const d = this.io.driverDrops?.();
    return {
      malformed: this.dropMalformed + (d?.malformed ?? 0), stp_blocked: this.dropStpBlocked, filtered: this.dropFiltered,
      no_buffer: this.dropNoBuffer + (d?.no_buffer ?? 0), tx_error: this.dropTxError + (d?.tx_error ?? 0), limit: this.dropLimit,
      link_local: this.dropLinkLocal, vlan: this.dropVlan,
      impair_queue_full: (this.impairIn?.queueFull ?? 0) + (this.impairOut?.queueFull ?? 0), storm: this.dropStorm, too_big: d?.too_big ?? 0,
      mirror_drop: this.dropMirror, analyser: this.dropAnalyser,
    };
  }
}
