// The port-kind registry: every kind of port `addif` and the config accept (tap:, an existing
// netdev, stream:, dgram:, …) registers here once, with its spec syntax, parser, opener, help and
// README text. Parsing a spec, opening a port, `addif --help`, the config schema and the README's
// port list all read this table, so a new kind is one module plus one line in index.ts.
import type { PortIO } from '../../bridge/port-io.js';
import { UserError } from '../protocol.js';

/** What every parsed spec carries: its kind and the short name the port shows under. */
export interface PortSpecBase {
  kind: string;
  /** Port name in show/showmacs/link (a name by bridge/names.ts). */
  name: string;
  /** MAC to give a device softbr opens itself (the host port TAP carries the bridge MAC); parsers leave it unset. */
  mac?: number;
  /** MTU of the port (`,mtu=N`); unset: the device's own, or 1500 for sockets. */
  mtu?: number;
}

/** One way of writing a spec of a kind, as `addif --help` lists it. */
export interface PortForm {
  /** e.g. `stream:[NAME=]/PATH`. */
  syntax: string;
  /** How an error message lists the form, when not by its syntax (`an interface name`). */
  spoken?: string;
  /** One line for `addif --help`. */
  help: string;
}

export interface PortKind<S extends PortSpecBase = PortSpecBase> {
  kind: S['kind'];
  /**
   * The word a spec starts with, before a ':' (`stream` in `stream:/run/vm1.sock`). At most one
   * kind has none: it takes every spec no other kind's word claims (a bare interface name).
   */
  word?: string;
  forms: readonly PortForm[];
  /** Markdown bullets for the README's port list: without the leading "- ", continuation lines indented two spaces. */
  readme: readonly string[];
  /**
   * `body` is the spec after `word:` (all of it for the kind without a word); `spec` is the whole
   * spec, for messages. Throws UserError naming the bad value and what is allowed.
   */
  parse(body: string, spec: string): S;
  /**
   * Opens the driver; errors a user can act on are UserErrors (no such device, busy, address in
   * use). A kind that is an endpoint (see listen) has none.
   */
  open?(spec: S, log: (m: string) => void): Promise<PortIO>;
  /**
   * For an endpoint — a spec that serves many clients, each a port of its own (`vde:DIR`):
   * starts serving; every client that connects is handed to host.add, and to host.remove when it
   * leaves. Errors as for open. A kind has open or listen, not both.
   */
  listen?(spec: S, log: (m: string) => void, host: PortHost): Promise<PortEndpoint>;
}

/** Where an endpoint hands the ports of its clients (the daemon: onto the bridge). */
export interface PortHost {
  /** Adds the client's port; false (and a logged reason) when it cannot (its name is taken). */
  add(io: PortIO): boolean;
  /** The client left: its port goes (the host closes it). */
  remove(io: PortIO): void;
}

/** A serving endpoint: closing it ends every client's port (host.remove for each) and stops serving. */
export interface PortEndpoint {
  /** Where it serves, for show and logs. */
  readonly address: string;
  close(): void;
}

const kinds = new Map<string, PortKind>();
const byWord = new Map<string, PortKind>();
let bareKind: PortKind | undefined;

/** Typed helper for kind modules: checks `open` takes what `parse` returns. */
export function definePortKind<S extends PortSpecBase>(k: PortKind<S>): PortKind<S> {
  return k;
}

// PortKind<S> is assignable here because parse/open are methods (checked bivariantly); it is
// sound because a kind's open() only ever sees the specs its own parse() made (see openPortSpec)
export function registerPortKind(k: PortKind): void {
  if ((k.open === undefined) === (k.listen === undefined)) throw new Error(`port kind ${k.kind} needs open or listen (not both)`);
  if (kinds.has(k.kind)) throw new Error(`port kind ${k.kind} is registered twice`);
  if (k.word !== undefined && byWord.has(k.word)) throw new Error(`port spec word ${k.word}: is claimed by kinds ${byWord.get(k.word)!.kind} and ${k.kind}`);
  if (k.word === undefined && bareKind) throw new Error(`kinds ${bareKind.kind} and ${k.kind} both take bare names`);
  kinds.set(k.kind, k);
  if (k.word === undefined) bareKind = k;
  else byWord.set(k.word, k);
}

/** The registered kinds, in registration order (the order help and the README list them in). */
export function portKinds(): PortKind[] {
  return [...kinds.values()];
}

export function badPort(spec: string, why: string): UserError {
  return new UserError(`invalid port '${spec}': ${why}`);
}

/** Every form, as an error message lists what is allowed: "a, b, c or d". */
export function portSpecForms(): string {
  const all = portKinds().flatMap((k) => k.forms.map((f) => f.spoken ?? f.syntax));
  return all.length <= 1 ? all.join('') : `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}`;
}

/** A port spec as `addif` and the config take it, parsed by the kind its word names. */
export function parsePortSpec(v: unknown): PortSpecBase {
  if (typeof v !== 'string' || v.length === 0) throw new UserError('missing port');
  const colon = v.indexOf(':');
  const word = colon > 0 ? v.slice(0, colon) : undefined;
  const k = word === undefined ? undefined : byWord.get(word);
  if (k) return k.parse(v.slice(colon + 1), v);
  if (!bareKind) throw badPort(v, `expected ${portSpecForms()}`);
  try {
    return bareKind.parse(v, v);
  } catch (e) {
    // `vde:/run/sw` is more likely a kind this build lacks than a strange interface name
    // (kind words are lower-case letters and '-'; interface names mostly end in a digit)
    if (e instanceof UserError && word !== undefined && /^[a-z][a-z-]*$/.test(word)) {
      throw badPort(v, `unknown port kind '${word}': expected ${portSpecForms()}`);
    }
    throw e;
  }
}

/** The message parsePortSpec() would throw for v, or undefined if v is a valid spec. */
export function portSpecError(v: string): string | undefined {
  try {
    parsePortSpec(v);
    return undefined;
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
}

/** Opens a port from a spec parsePortSpec() made (or the daemon built for its host port). */
export async function openPortSpec(spec: PortSpecBase, log: (m: string) => void): Promise<PortIO> {
  const k = kindOf(spec);
  if (!k.open) throw new Error(`port kind ${k.kind} is an endpoint: listen on it, not open it`);
  return k.open(spec, log);
}

function kindOf(spec: PortSpecBase): PortKind {
  const k = kinds.get(spec.kind);
  if (!k) throw new UserError(`port ${spec.name}: unknown port kind '${spec.kind}'`);
  return k;
}

/** Whether a spec names an endpoint (many ports, one per client) rather than one port. */
export function isEndpointSpec(spec: PortSpecBase): boolean {
  return kindOf(spec).listen !== undefined;
}

/** Starts an endpoint from a spec parsePortSpec() made, for which isEndpointSpec() holds. */
export async function listenPortSpec(spec: PortSpecBase, log: (m: string) => void, host: PortHost): Promise<PortEndpoint> {
  const k = kindOf(spec);
  if (!k.listen) throw new Error(`port kind ${k.kind} is not an endpoint: open it`);
  return k.listen(spec, log, host);
}
