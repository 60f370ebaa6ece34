// Replacing a file so that a reader (the daemon on SIGHUP, a boot) sees the old text or the new,
// never a part: write a temp file beside it, fsync, rename over. The old file stays as FILE.bak.
import { closeSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes text to file atomically; returns the backup's path when there was an old file. */
export function writeFileAtomic(file: string, text: string): string | undefined {
  let mode = 0o644;
  let old = false;
  try { mode = statSync(file).mode & 0o7777; old = true; } catch { /* a new file */ }
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  const bak = `${file}.bak`;
  try {
    if (old) {
      // a hard link keeps the old text under .bak without a moment when FILE is missing
      try { unlinkSync(bak); } catch { /* none yet */ }
      linkSync(file, bak);
    }
    renameSync(tmp, file);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* gone */ }
    throw e;
  }
  if (old) {
    const dir = openSync(dirname(file), 'r');
    try { fsyncSync(dir); } finally { closeSync(dir); }
  }
  return old ? bak : undefined;
}
