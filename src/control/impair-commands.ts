// Control commands for link impairments and rate limits: `impair BR PORT [in|out|both] WORDS…`
// (or `clear`) and `rate BR PORT in|out|both RATE [burst SIZE] [limit N]` (or `off`); both reply
// with the port's impairments as link show -d shows them.
import { emptySpec, parseRateWords, directionArg } from '../impair/spec.js';
import { registerCommand } from './commands.js';
import { str } from './args.js';
import { applyToPort, impairPort, impairView, wordsArg } from './impair-state.js';

registerCommand('impair', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  impairPort(m.bridge, p, directionArg(a['dir'], 'both'), wordsArg(a['words']));
  return impairView(p) ?? {};
});

registerCommand('rate', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  const dirs = directionArg(str(a, 'dir', 'direction (in, out or both)'));
  const r = parseRateWords(wordsArg(a['words']));
  applyToPort(m.bridge, p, dirs, (old) => {
    const s = old ?? emptySpec();
    return r === null ? { ...s, rate: null, limit: null } : { ...s, rate: r.rate, limit: r.limit ?? s.limit };
  });
  return impairView(p) ?? {};
});
