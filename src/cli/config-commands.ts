// CLI verbs on the running state as a config file: `softbr config show` prints it as the YAML
// `softbr daemon -c` reads; `softbr config save [FILE]` writes it (atomically, the old file kept
// as FILE.bak) to FILE or to the config the daemon was started with.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../control/protocol.js';
import type { ConfigShowResult } from '../control/wire-types.js';
import { writeFileAtomic } from './atomic-write.js';

type Req = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

export function registerConfigCommands(program: Command, req: Req): void {
  const config = program.command('config').description('the running state as a config file (softbr daemon -c)');
  config.command('show').description('print the running state (bridges, ports, STP, limits, static FDB entries) as config YAML')
    .action(async () => {
      const r = await req<ConfigShowResult>('config-show');
      process.stdout.write(r.yaml);
    });
  config.command('save [file]').description('write the running state to FILE (default: the daemon\'s -c file); the old file is kept as FILE.bak')
    .action(async (file: string | undefined) => {
      const r = await req<ConfigShowResult>('config-show');
      const target = file !== undefined ? resolve(file) : r.file;
      if (target === null) throw new UserError('the daemon was started without -c: give the file to save to (softbr config save FILE)');
      let bak: string | undefined;
      try {
        bak = writeFileAtomic(target, r.yaml);
      } catch (e) {
        throw new UserError(`cannot save ${target}: ${(e as Error).message}`);
      }
      process.stdout.write(`saved ${target}${bak ? ` (previous config in ${bak})` : ''}\n`);
    });
}
