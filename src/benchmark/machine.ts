// The machine a benchmark ran on, for the JSON and the README table: CPU model, cores, kernel,
// Node version, and the load average before the run started.
import { cpus, loadavg, release } from 'node:os';

export interface MachineInfo { cpuModel: string; cores: number; kernel: string; node: string; loadBefore: [number, number, number] }

export function describeMachine(): MachineInfo {
  const c = cpus();
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  return { cpuModel: c[0]?.model.trim() ?? 'unknown', cores: c.length, kernel: release(), node: process.version, loadBefore: [l1, l5, l15] };
}

/** One line for the table's header. */
export function machineLine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node}, load before start ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')}`;
}
