// The port kinds softbr ships, registered in the order help and the README list them, and the
// entry points the daemon, the CLI and the config use. Import the registry through this module
// so that the built-in kinds are registered. A new kind: one module, and one line in BUILT_IN.
import type { PortIO } from '../../bridge/port-io.js';
import { registerPortKind, parsePortSpec, openPortSpec, listenPortSpec, type PortHost, type PortEndpoint } from './registry.js';
import { tapKind } from './tap.js';
import { devKind } from './dev.js';
import { streamKind } from './stream.js';
import { dgramKind } from './dgram.js';
import { vdeKind } from './vde.js';
import { vhostUserKind, vhostUserClientKind } from './vhost-user.js';
import { vxlanKind } from './vxlan.js';

const BUILT_IN = [
  tapKind,
  devKind,
  streamKind,
  dgramKind,
  vdeKind,
  vhostUserKind,
  vhostUserClientKind,
  vxlanKind,
] as const;
for (const k of BUILT_IN) registerPortKind(k);

/** A parsed spec of a built-in kind: what to open, and the short name the port shows under. */
export type PortSpec = ReturnType<(typeof BUILT_IN)[number]['parse']>;

/**
 * A port spec as `addif` and the config take it (`tap:NAME`, NAME, `stream:…`, `dgram:…`, `vhost-user:…`; see
 * each kind's module); throws UserError naming the bad value and what is allowed.
 */
export function portSpec(v: unknown): PortSpec {
  return parsePortSpec(v) as PortSpec;
}

/** Opens the driver for a spec portSpec() made (or the daemon built, for a bridge's host port). */
export function openPort(spec: PortSpec, log: (m: string) => void): Promise<PortIO> {
  return openPortSpec(spec, log);
}

/** Starts serving an endpoint spec (isEndpointSpec): each client becomes a port through host. */
export function listenPort(spec: PortSpec, log: (m: string) => void, host: PortHost): Promise<PortEndpoint> {
  return listenPortSpec(spec, log, host);
}

export { registerPortKind, definePortKind, portKinds, portSpecForms, portSpecError, isEndpointSpec, type PortKind, type PortSpecBase, type PortForm, type PortHost, type PortEndpoint } from './registry.js';
export { addifHelp, readmePortList, spliceReadme } from './docs.js';
export type { TapSpec } from './tap.js';
export type { DevSpec } from './dev.js';
export type { StreamSpec } from './stream.js';
export type { DgramSpec } from './dgram.js';
export type { VdeSpec } from './vde.js';
export type { VhostUserSpec } from './vhost-user.js';
export type { VxlanSpec } from './vxlan.js';
