// softbr's impairment lines, printed under a port by `softbr link show -d` and by `softbr impair`
// / `softbr rate`: per direction its words and the seed in use, then what it did.
//   impair out: delay 50ms loss 1% (seed 42)
//     frames 1000 queued 12 lost 9 duplicated 0 corrupted 0 reordered 0 delayed 979 shaped 0 policed 0 queue_full 0 mean_wait 50.412ms
import type { PortImpairView } from '../../control/wire-types.js';

const COUNTERS = [
  ['frames', 'frames'], ['queued', 'queued'], ['lost', 'lost'], ['duplicated', 'duplicated'], ['corrupted', 'corrupted'],
  ['reordered', 'reordered'], ['delayed', 'delayed'], ['shaped', 'shaped'], ['policed', 'policed'], ['queueFull', 'queue_full'],
] as const;

/** The lines for a port's impairments, each indented by `indent` spaces and newline-terminated; '' for none. */
export function formatImpairLines(v: PortImpairView | undefined, indent = 4): string {
  if (v === undefined) return '';
  const pad = ' '.repeat(indent);
  let s = '';
  for (const dir of ['in', 'out'] as const) {
    const d = v[dir];
    if (d === undefined) continue;
    // a seed the words do not give was chosen at random: shown, so that the run can be repeated
    s += `${pad}impair ${dir}: ${d.words}${/(^| )seed \d+/.test(d.words) ? '' : ` (seed ${d.seed})`}\n`;
    s += `${pad}  ${COUNTERS.map(([k, name]) => `${name} ${d.counters[k]}`).join(' ')} mean_wait ${d.counters.meanWaitMs.toFixed(3)}ms\n`;
  }
  return s;
}
