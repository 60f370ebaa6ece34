// `npm run docs`: rewrites the README's port list from the port-kind registry
// (src/control/port-kinds); test/unit/port-kinds.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';

const { spliceReadme } = await import('../dist/src/control/port-kinds/index.js');
const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = spliceReadme(before);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'README.md: port list up to date' : 'README.md: port list rewritten');
