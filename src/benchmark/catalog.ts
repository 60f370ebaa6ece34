// What `softbr bench` can measure: the switches under test and the tests, with their ids (the
// values --switches and --tests accept), labels, and the metric each test is ranked by. Pure data,
// shared by the argument parser, the runner, the report table, the JSON and the chart.

export const SWITCH_IDS = ['softbr-tap', 'softbr-tap-rw', 'softbr-tap-uring', 'softbr-tap-busy', 'softbr-veth', 'kernel', 'kernel-nooffload', 'vde', 'cforward'] as const;
export type SwitchId = (typeof SWITCH_IDS)[number];

export const TEST_IDS = ['small', 'large', 'tcp1', 'tcp4', 'ping'] as const;
export type TestId = (typeof TEST_IDS)[number];

/** How a switch's ports reach the hosts: a TAP the switch opens, or a veth pair. */
export type PortKind = 'tap' | 'veth';

export interface SwitchInfo { id: SwitchId; label: string; ports: PortKind }

export const SWITCHES: Record<SwitchId, SwitchInfo> = {
  'softbr-tap': { id: 'softbr-tap', label: 'softbr, TAP ports', ports: 'tap' },
  'softbr-tap-rw': { id: 'softbr-tap-rw', label: 'softbr, TAP ports, read()/write() (no io_uring)', ports: 'tap' },
  'softbr-tap-uring': { id: 'softbr-tap-uring', label: 'softbr, TAP ports, io_uring reads too (multishot)', ports: 'tap' },
  'softbr-tap-busy': { id: 'softbr-tap-busy', label: 'softbr, TAP ports, busy polling (2 ms window)', ports: 'tap' },
  'softbr-veth': { id: 'softbr-veth', label: 'softbr, veth ports (AF_PACKET)', ports: 'veth' },
  kernel: { id: 'kernel', label: 'kernel bridge, veth, offloads on', ports: 'veth' },
  'kernel-nooffload': { id: 'kernel-nooffload', label: 'kernel bridge, veth, offloads off', ports: 'veth' },
  vde: { id: 'vde', label: 'vde_switch, TAP ports', ports: 'tap' },
  cforward: { id: 'cforward', label: 'C TAP forwarder, 64 frames/wakeup', ports: 'tap' },
};

/** The switches the ratio columns divide by. */
export const REFERENCES = ['cforward', 'vde'] as const satisfies readonly SwitchId[];

export interface TestInfo {
  id: TestId;
  label: string;
  /** the metric the table, ratios and chart use */
  primary: string;
  unit: string;
  /** true when a smaller primary value is better (latency) */
  lowerIsBetter: boolean;
}

export const TESTS: Record<TestId, TestInfo> = {
  small: { id: 'small', label: '60 B frames delivered/s', primary: 'delivered', unit: 'frames/s', lowerIsBetter: false },
  large: { id: 'large', label: '1514 B frames delivered/s', primary: 'delivered', unit: 'frames/s', lowerIsBetter: false },
  tcp1: { id: 'tcp1', label: 'TCP 1 stream Gbit/s', primary: 'gbps', unit: 'Gbit/s', lowerIsBetter: false },
  tcp4: { id: 'tcp4', label: 'TCP 4 streams Gbit/s', primary: 'gbps', unit: 'Gbit/s', lowerIsBetter: false },
  ping: { id: 'ping', label: 'ping avg ms', primary: 'avg', unit: 'ms', lowerIsBetter: true },
};

/** Frame length (without FCS) trafgen writes in each frame-rate test. */
export const FRAME_BYTES: Partial<Record<TestId, number>> = { small: 60, large: 1514 };

/** Pings per latency measurement, one every millisecond. */
export const PING_COUNT = 1000;
/** Pings at the same rate before the measured ones, not counted: a JIT-compiled switch is measured warm. */
export const PING_WARMUP = 300;
