// Where the repository's files are from compiled code (dist/src/benchmark/ → the repository root).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SOFTBR_BIN = join(REPO_ROOT, 'bin/softbr.js');
export const TAP_FORWARD_SOURCE = join(REPO_ROOT, 'bench/tap-forward.c');
