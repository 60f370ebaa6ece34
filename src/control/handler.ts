// The daemon's control-socket handler: loads every module that registers control commands and
// answers each request through the command table. A module with new verbs is added here once.
import './bridge-commands.js';
import './stp-commands.js';
import './fdb-commands.js';
import './observe.js';
import './config-commands.js';
import './vlan-commands.js';
import './impair-commands.js';
import './storm-commands.js';
import './mirror-commands.js';
import './mcast-commands.js';
import type { Daemon } from './daemon.js';
import { dispatch } from './commands.js';
import type { Handler } from './server.js';

export function controlHandler(daemon: Daemon): Handler {
  return (req, session) => dispatch(daemon, req, session);
}
