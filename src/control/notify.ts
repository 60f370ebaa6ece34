// Readiness for a service manager: once every configured bridge and port is up and the control
// socket answers, the daemon tells systemd READY=1 (Type=notify units set NOTIFY_SOCKET). Node
// cannot send unix datagrams, so this runs systemd-notify(1), which by default waits until the
// manager has read the message; the unit needs NotifyAccess=all because the sender is a child.
import { execFile } from 'node:child_process';

/** Sends READY=1 (and MAINPID) when NOTIFY_SOCKET is set; resolves false when there is none. */
export function notifyReady(status: string, log: (m: string) => void): Promise<boolean> {
  if (!process.env['NOTIFY_SOCKET']) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('systemd-notify', ['--ready', `--pid=${process.pid}`, `--status=${status}`], { timeout: 10_000 }, (err, _out, stderr) => {
      if (err) log(`cannot report readiness to systemd (systemd-notify: ${String(stderr).trim() || err.message}); the unit will time out`);
      resolve(!err);
    });
  });
}
