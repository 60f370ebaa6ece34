// What the registry tells users about port kinds: the `addif --help` text and the README's
// port list (spliced between marker comments by `npm run docs`, checked by a unit test).
import { portKinds } from './registry.js';

/** The PORT forms for `addif --help`, one form and its explanation below it (commander does not rewrap this). */
export function addifHelp(): string {
  const lines = portKinds().flatMap((k) => k.forms.flatMap((f) => [`  ${f.syntax}`, `      ${f.help}`]));
  return ['PORT is one of:', ...lines].join('\n');
}

export const README_BEGIN = '<!-- port kinds: generated from src/control/port-kinds by `npm run docs`; edit them there -->';
export const README_END = '<!-- end of port kinds -->';

export function readmePortList(): string {
  return portKinds().flatMap((k) => k.readme.map((b) => `- ${b}\n`)).join('');
}

/** The README text with its port list replaced by readmePortList(). */
export function spliceReadme(readme: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README has no port list between '${README_BEGIN}' and '${README_END}'`);
  const from = begin + README_BEGIN.length + 1; // after the marker's newline
  return readme.slice(0, from) + readmePortList() + readme.slice(end);
}
