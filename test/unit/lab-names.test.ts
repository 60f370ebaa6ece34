// The lab's naming rules, without touching the host: prefixes carry their owner's pid in fixed
// width (so the stale sweep reads it back whatever the suffix), every name fits 15 characters
// or fails with a message that says by how much, and two live labs of one process never share a prefix.
import { describe, expect, it } from 'vitest';
import { Lab, MAX_NAME, labOwner, labPrefix } from '../../src/lab/netns.js';

describe('lab prefixes', () => {
  it('are sb + tag + the pid in 7 digits, the same length on every host', () => {
    expect(labPrefix('e', 42)).toBe('sbe0000042');
    expect(labPrefix('na', 4194303)).toBe('sbna4194303');
    expect(labPrefix('d')).toBe(`sbd${String(process.pid).padStart(7, '0')}`);
  });

  it('reject tags and pids that would break the scheme', () => {
    expect(() => labPrefix('')).toThrow(/lab tag '': one or two lower-case letters/);
    expect(() => labPrefix('abc')).toThrow(/lab tag 'abc'/);
    expect(() => labPrefix('E')).toThrow(/lab tag 'E'/);
    expect(() => labPrefix('e1')).toThrow(/lab tag 'e1'/);
    expect(() => labPrefix('e', 0)).toThrow(/lab owner pid 0: not a pid/);
    expect(() => labPrefix('e', 10_000_000)).toThrow(/not a pid/);
    expect(() => labPrefix('e', 1.5)).toThrow(/not a pid/);
  });

  it('give back their owner from any name built on them, digits in the suffix or not', () => {
    const p = labPrefix('s', 3649);
    for (const suffix of ['', 'h1', '12', '0', 'br']) expect(labOwner(p + suffix)).toBe(3649);
    // a TAP name the kernel completed from `<prefix>%d`
    expect(labOwner(`${labPrefix('nd', 77)}3`)).toBe(77);
  });

  it('own no name outside the scheme', () => {
    for (const name of ['eth0', 'lo', 'sbe3649br', 'sbn3649ah1', 'sb0003649', 'xsbe0003649', 'sbabc0003649', 'sbe000364']) {
      expect(labOwner(name), name).toBeUndefined();
    }
  });
});

describe('lab names', () => {
  it('are prefix + suffix within 15 characters', () => {
    const lab = new Lab('un');
    expect(lab.prefix).toBe(labPrefix('un'));
    expect(lab.name('h1')).toBe(`${lab.prefix}h1`);
    const room = MAX_NAME - lab.prefix.length;
    expect(lab.name('x'.repeat(room))).toHaveLength(MAX_NAME);
  });

  it('that are too long or not interface names fail with a clear message', () => {
    const lab = new Lab('uo');
    const room = MAX_NAME - lab.prefix.length;
    expect(() => lab.name('x'.repeat(room + 1))).toThrow(
      new RangeError(`name '${lab.prefix}${'x'.repeat(room + 1)}' is longer than 15 characters: lab '${lab.prefix}' leaves ${room} for a suffix`),
    );
    expect(() => lab.name('')).toThrow(/lab name suffix '': letters, digits, '_' or '-'/);
    expect(() => lab.name('a/b')).toThrow(/lab name suffix 'a\/b'/);
    expect(() => lab.name('a b')).toThrow(/lab name suffix 'a b'/);
  });

  it('belong to one live lab per prefix: a second lab with the same tag is refused until cleanup', async () => {
    const lab = new Lab('uc');
    expect(() => new Lab('uc')).toThrow(`lab prefix ${lab.prefix} is already in use in this process: give each live lab its own tag`);
    expect(await lab.cleanup()).toEqual([]); // made nothing, so there is nothing to remove
    const again = new Lab('uc');
    expect(again.prefix).toBe(lab.prefix);
    await again.cleanup();
  });

  it('kill() refuses a process the lab did not start', async () => {
    const lab = new Lab('uk');
    const stranger = { pid: process.pid, exitCode: null, signalCode: null } as unknown as import('node:child_process').ChildProcess;
    await expect(lab.kill(stranger)).rejects.toThrow(`pid ${process.pid} was not started by lab ${lab.prefix}`);
    await lab.cleanup();
  });
});
