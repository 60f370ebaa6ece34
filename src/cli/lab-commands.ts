// `softbr lab …`: bridging labs from a file (up, down, exec, show, list). The builder lives in
// src/lab/builder and is loaded only when a lab verb runs.
import type { Command } from 'commander';

function out(s: string): void { process.stdout.write(s); }

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('bridging labs from a YAML file: bridges, namespaced hosts, links (root)');
  const builder = () => import('../lab/builder/index.js');

  lab.command('up <file>').description('build the lab in FILE: its own softbr daemon, hosts in namespaces, links; all or nothing')
    .option('--web <addr>', "serve the web view and /metrics on ADDR (HOST:PORT, port 0: any) instead of the file's `web`")
    .action(async (file: string, o: { web?: string }) => {
      const b = await builder();
      const spec = b.loadLab(file);
      if (o.web !== undefined) spec.web = b.webAddr(o.web);
      const st = await b.upLab(spec, (s) => process.stderr.write(s));
      out(b.formatLab(st));
    });

  lab.command('down <lab>').description('remove everything the lab made (also after a crash); LAB is its name or its file')
    .action(async (arg: string) => {
      const b = await builder();
      const name = b.labNameOf(arg);
      await b.downLab(name);
      out(`lab ${name} removed\n`);
    });

  lab.command('exec <lab> <host> <cmd...>').description('run a command in a host of the lab: softbr lab exec NAME HOST -- CMD [ARGS…]')
    .action(async (name: string, host: string, cmd: string[]) => {
      const b = await builder();
      const code = await b.execInHost(name, host, cmd);
      if (code !== 0) process.exitCode = code;
    });

  lab.command('cut <lab> <a> <b>').description('pull the cable between ends A and B (BRIDGE or HOST:IF, as in the file): its ports leave their bridges')
    .action(async (name: string, a: string, b: string) => {
      const bl = await builder();
      const l = await bl.cutLink(name, a, b);
      out(`cut ${l.ends.join(' -- ')}${l.ports.length ? ` (ports ${l.ports.map((p) => `${p.bridge}/${p.port}`).join(', ')} removed)` : ''}\n`);
    });

  lab.command('show [lab]').description('a lab\'s daemon, hosts (namespaces) and links (all labs without LAB)')
    .option('--json', 'the state as JSON')
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const b = await builder();
      const states = name === undefined ? b.listStates() : [b.mustRead(name)];
      if (o.json) out(JSON.stringify(name === undefined ? states.map((s) => ({ ...s, status: b.labStatus(s) })) : { ...states[0], status: b.labStatus(states[0]!) }) + '\n');
      else out(states.map((s) => b.formatLab(s)).join('\n'));
    });

  lab.command('list').description('the labs that are up')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const b = await builder();
      const states = b.listStates();
      if (o.json) { out(JSON.stringify(states.map((s) => ({ name: s.name, status: b.labStatus(s), file: s.file, control: s.control, web: s.web }))) + '\n'); return; }
      out('name\tstatus\tfile\n');
      for (const s of states) out(`${s.name}\t${b.labStatus(s)}\t${s.file}\n`);
    });
}
