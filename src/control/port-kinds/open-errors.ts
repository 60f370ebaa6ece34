// The one explanation of why a port could not be opened: the system's message plus what the
// errno means for a user (needs root, busy, no such device, address in use).
import { UserError } from '../protocol.js';

export function explainOpenError(e: unknown, what: string): UserError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  // the capability that a TAP (CAP_NET_ADMIN) or an AF_PACKET socket (CAP_NET_RAW) needs, for a daemon run without root
  const cap = /^TAP /.test(what) ? 'CAP_NET_ADMIN' : /^device /.test(what) ? 'CAP_NET_RAW' : undefined;
  const hint = code === 'EPERM' || code === 'EACCES' ? ` (needs root${cap ? ` or ${cap}` : ''})`
    : code === 'EBUSY' ? ' (another process holds it)'
    : code === 'ENODEV' || code === 'ENXIO' ? ' (no such device)'
    : code === 'EADDRINUSE' ? ' (address in use)'
    : code === 'EADDRNOTAVAIL' ? ' (no interface here has that address)' : '';
  return new UserError(`cannot open ${what}: ${err.message}${hint}`);
}
