// Test hooks of the daemon: each is off unless its environment variable is set when the daemon
// starts (runDaemon reads them once), and none has a CLI verb, a doc page or a completion: only a
// test that sets the variable and speaks to the control socket itself can reach one.
//
// SOFTBR_TEST_CRASH=1: the control verb `test-crash` (main thread only; bridge threads never
// register it) answers null, then throws on the main thread outside any handler, as a bug in a
// callback would, so that the crash path (run-daemon.ts, uncaughtException: exit 70 with every
// bridge's devices closed) can be tested on a real daemon.
import { registerCommand } from './commands.js';

export const TEST_CRASH_ENV = 'SOFTBR_TEST_CRASH';

export function registerTestHooks(env: NodeJS.ProcessEnv = process.env): void {
  if (env[TEST_CRASH_ENV] !== '1') return;
  registerCommand('test-crash', () => {
    setImmediate(() => { throw new Error(`test hook: a crash on the main thread (${TEST_CRASH_ENV}=1)`); });
    return null;
  });
}
