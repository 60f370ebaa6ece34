// What an errno from the native addon means for a kernel-fd port (TAP, AF_PACKET): the one
// table that decides which errors take the port down, which only mean "link down for now", and
// which drop reason a failed send counts under. The addon only reports errnos and counts them.
/**
 * A failed read:
 * - 'down': the device is gone for good; the port goes down (reason: the errno name) and
 *   polling stops.
 * - 'carrier': the device was set down (or is being deleted, which takes it down first); the
 *   port is down until the device is up again (AF_PACKET recovers on the same socket).
 * - 'ignore': counted by the addon, polling goes on.
 */
export type RxAction = 'down' | 'carrier' | 'ignore';

/**
 * A failed send: the drop reason its frames count under (the engine's reason names, see
 * DROP_REASONS in bridge/port.ts), and whether the port goes down.
 */
export interface TxAction {
  drop: 'no_buffer' | 'tx_error';
  down: boolean;
}

export interface ErrnoRule {
  rx: RxAction;
  tx: TxAction;
  /** Why, for readers and the architecture notes. */
  why: string;
}

const GONE: Omit<ErrnoRule, 'why'> = { rx: 'down', tx: { drop: 'tx_error', down: true } };
const FULL: Omit<ErrnoRule, 'why'> = { rx: 'ignore', tx: { drop: 'no_buffer', down: false } };

/** Errnos with a meaning of their own; every other one is DEFAULT_RULE. */
export const ERRNO_POLICY: Readonly<Record<string, ErrnoRule>> = {
  EBADFD: { ...GONE, why: 'the TAP was detached from its netdev: its namespace was deleted' },
  EBADF: { ...GONE, why: 'the fd is not open any more' },
  ENODEV: { ...GONE, why: 'the netdev was unregistered' },
  ENXIO: { ...GONE, why: 'the netdev is gone' },
  ENETDOWN: {
    rx: 'carrier',
    tx: { drop: 'tx_error', down: false },
    why: 'the device was set down, or is being deleted (which sets it down first and reports nothing more)',
  },
  EIO: {
    rx: 'ignore',
    tx: { drop: 'tx_error', down: false },
    why: 'a TAP whose netdev is down: moved into a namespace and not set up there yet',
  },
  EAGAIN: { ...FULL, why: 'the socket send queue is full' },
  ENOBUFS: { ...FULL, why: 'the device queue (qdisc) is full' },
  ENOMEM: { ...FULL, why: 'the kernel had no memory for the frame' },
};

/** Frame-specific send errors (EMSGSIZE, EINVAL) and anything unknown: drop, carry on. */
export const DEFAULT_RULE: ErrnoRule = { rx: 'ignore', tx: { drop: 'tx_error', down: false }, why: 'a transient error' };

export function errnoRule(name: string): ErrnoRule {
  return Object.hasOwn(ERRNO_POLICY, name) ? ERRNO_POLICY[name]! : DEFAULT_RULE;
}

/** Frames the writer could not send ({errno name: count}), split by their drop reason. */
export function classifyTxDrops(drops: Readonly<Record<string, number>>): { no_buffer: number; tx_error: number } {
  let noBuffer = 0;
  let txError = 0;
  for (const name of Object.keys(drops)) {
    const n = drops[name]!;
    if (errnoRule(name).tx.drop === 'no_buffer') noBuffer += n;
    else txError += n;
  }
  return { no_buffer: noBuffer, tx_error: txError };
}
