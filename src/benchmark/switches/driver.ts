// The contract of a switch under test: what it needs installed, a one-time preparation per run
// (compiling, say), and start(), which builds the switch and returns the two root-namespace links
// the hosts get as eth0, the PIDs whose CPU counts as the switch's, and how to take it down.
import type { Lab } from '../../lab/netns.js';
import type { SwitchInfo } from '../catalog.js';
import type { ProcessSet } from '../processes.js';

export interface BenchEnv {
  lab: Lab;
  procs: ProcessSet;
  /** the run's private temp directory (control socket, compiled forwarder, configs) */
  dir: string;
  /** aborted when the run is interrupted (SIGINT/SIGTERM) */
  signal: AbortSignal;
  /** the profiling pass: a switch running on node writes a perf map of its JIT code */
  perfMap?: boolean;
}

export interface RunningSwitch {
  links: [string, string];
  pids: number[];
  stop(): Promise<void>;
}

export interface SwitchDriver {
  info: SwitchInfo;
  tools: readonly string[];
  prepare?(env: BenchEnv): Promise<void>;
  start(env: BenchEnv): Promise<RunningSwitch>;
}
