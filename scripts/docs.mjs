// `npm run docs`: rewrites what is generated from the code: the README's port list (from the
// port-kind registry, src/control/port-kinds), the man page man/softbr.8 and the bash completion
// completion/softbr.bash (both from the CLI's commander definition, src/cli). Unit tests fail
// while any of them differs from what the code renders.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const { spliceReadme } = await import('../dist/src/control/port-kinds/index.js');
const { buildProgram, packageVersion } = await import('../dist/src/cli/main.js');
const { renderManPage } = await import('../dist/src/cli/manpage.js');
const { renderBashCompletion } = await import('../dist/src/cli/completion.js');

function update(rel, render) {
  const file = new URL(`../${rel}`, import.meta.url);
  let before = '';
  try { before = readFileSync(file, 'utf8'); } catch { /* first run */ }
  const after = render(before);
  if (after !== before) {
    mkdirSync(new URL('.', file), { recursive: true });
    writeFileSync(file, after);
  }
  console.log(`${rel}: ${after === before ? 'up to date' : 'rewritten'}`);
}

update('README.md', spliceReadme);
update('man/softbr.8', () => renderManPage(buildProgram(), packageVersion()));
update('completion/softbr.bash', () => renderBashCompletion(buildProgram()));
