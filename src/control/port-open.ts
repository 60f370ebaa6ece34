// Turns a port spec (`tap:NAME` or an existing netdev NAME) into an open driver.
import type { PortIO } from '../bridge/port-io.js';
import { UserError } from './protocol.js';

export interface PortSpec {
  kind: 'tap' | 'dev';
  name: string;
  mac?: number;
  /** The host port: a TAP softbr creates for the bridge itself. */
  created?: boolean;
}

export async function openPort(spec: PortSpec, log: (m: string) => void): Promise<PortIO> {
  void spec; void log;
  throw new UserError('native ports not yet available');
}
