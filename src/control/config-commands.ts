// Control commands on the running state as a config: `config show` (the YAML `softbr daemon -c`
// reads) and what `config save` needs to write it (the text and the file the daemon runs from).
// The file is written by the CLI, with the permissions of whoever runs it, not by the daemon.
import { registerCommand } from './commands.js';
import { runningConfigYaml } from './running-config.js';
import type { ConfigShowResult } from './wire-types.js';

registerCommand('config-show', ({ daemon }): ConfigShowResult => ({ yaml: runningConfigYaml(daemon), file: daemon.source.file ?? null }));
