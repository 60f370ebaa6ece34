// The table of control commands: each module that owns verbs (bridge-commands, stp-commands,
// fdb-commands, observe) registers its handlers here when it is loaded, and dispatch() looks the
// request's cmd up. A new verb is one registerCommand() call in the module it belongs to.
import type { Daemon } from './daemon.js';
import type { Request } from './protocol.js';
import { UserError } from './protocol.js';
import type { Session } from './server.js';

/** What a handler gets: the daemon, the request's arguments, and for streams the request and its session. */
export interface CommandContext {
  daemon: Daemon;
  args: Record<string, unknown>;
  req: Request;
  session: Session;
}

/** Returns the reply's result, or STREAMING (server.ts) for a stream that replies later. */
export type CommandHandler = (ctx: CommandContext) => unknown;

const table = new Map<string, CommandHandler>();

/** Adds a verb; returns a function that removes it again (for tests). Two owners of one verb is a bug. */
export function registerCommand(name: string, handler: CommandHandler): () => void {
  if (table.has(name)) throw new Error(`control command '${name}' is registered twice`);
  table.set(name, handler);
  return () => { if (table.get(name) === handler) table.delete(name); };
}

/** The verbs registered so far, sorted. */
export function commandNames(): string[] {
  return [...table.keys()].sort();
}

/** Runs the handler of req.cmd. Synchronous throws come back as a rejected promise. */
export async function dispatch(daemon: Daemon, req: Request, session: Session): Promise<unknown> {
  const handler = table.get(req.cmd);
  if (!handler) throw new UserError(`unknown command '${req.cmd}'`);
  return handler({ daemon, args: req.args ?? {}, req, session });
}
