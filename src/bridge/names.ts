// The name rules, defined once for the engine, the config schema, the CLI and the daemon: names
// softbr gives (bridges, which are also their host port TAP, and ports a user names) and names
// of interfaces a port attaches to or creates.

/** IFNAMSIZ − 1: a bridge's name is also its host port TAP's, so no name may be longer. */
export const NAME_MAX = 15;

/** The rule of isName() in words, for error messages. */
export const NAME_RULE = `1–${NAME_MAX} letters, digits, '_', '.', '-'`;

const NAME_RE = new RegExp(`^[A-Za-z0-9_.-]{1,${NAME_MAX}}$`);
// existing netdevs also carry ':' (aliases) and '@' (as `ip link` prints veth peers)
const INTERFACE_NAME_RE = new RegExp(`^[A-Za-z0-9_.:@-]{1,${NAME_MAX}}$`);

/** A bridge name or a port name softbr gives; '.' and '..' are refused as the kernel refuses them. */
export function isName(s: string): boolean {
  return NAME_RE.test(s) && s !== '.' && s !== '..';
}

/** A name for `tap:NAME` or an existing netdev NAME. */
export function isInterfaceName(s: string): boolean {
  return INTERFACE_NAME_RE.test(s) && s !== '.' && s !== '..';
}
