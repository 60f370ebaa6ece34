// The last line of cleanup for a run: every namespace and root-namespace link whose name starts
// with the run's prefix is deleted, whatever step created it and whichever step failed. The prefix
// is the run's lab prefix (labPrefix(BENCH_LAB_TAG, pid)): fixed width, so one run's prefix never
// matches another run's names.
import { sh } from '../lab/sh.js';

/** The lab tag of `softbr bench` runs: their names are `sbbn<pid>…`. */
export const BENCH_LAB_TAG = 'bn';

/** Names in `ip netns list` / `ip -o link show` output that start with prefix. */
export function namesWithPrefix(output: string, prefix: string, kind: 'netns' | 'link'): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    // netns: "name (id: 3)"; link: "12: name@peer: <FLAGS> …"
    const name = kind === 'netns' ? line.split(' ')[0] : line.split(': ')[1]?.split('@')[0];
    if (name && name.startsWith(prefix)) out.push(name);
  }
  return out;
}

/** What is left with the prefix (namespaces and links), after trying to delete it all. */
export async function sweep(prefix: string): Promise<string[]> {
  const ns = namesWithPrefix((await sh('ip', ['netns', 'list'], { allowFail: true })).stdout, prefix, 'netns');
  for (const n of ns) await sh('ip', ['netns', 'del', n], { allowFail: true });
  const links = namesWithPrefix((await sh('ip', ['-o', 'link', 'show'], { allowFail: true })).stdout, prefix, 'link');
  for (const l of links) await sh('ip', ['link', 'del', l], { allowFail: true });
  const left = [
    ...namesWithPrefix((await sh('ip', ['netns', 'list'], { allowFail: true })).stdout, prefix, 'netns'),
    ...namesWithPrefix((await sh('ip', ['-o', 'link', 'show'], { allowFail: true })).stdout, prefix, 'link'),
  ];
  return left;
}
