// The import rules of src/, checked by dependency-cruiser in `npm test` (npm run lint:deps).
// Layers, bottom up:
//   leaves   src/user-error.ts, src/is-root.ts,
//            src/stp/port-state.ts                        import nothing
//   engine   src/frame src/fdb src/stp src/impair src/mdb
//            src/bridge                                   pure: no I/O, no daemon, no drivers
//   capture  src/capture                                  pure, on the engine's capture hook
//   drivers  src/native src/ports                         the engine's PortIO over real devices
//   services src/metrics src/web src/control              the daemon; control owns its wire types
//   top      src/cli src/lab                              the CLI, which talks to the daemon only
//                                                         through control/client, and the lab
// test/unit/dependency-rules.test.ts breaks each rule once on a small tree to show it can fail.
'use strict';

const ENGINE = '^src/(frame|fdb|stp|impair|mdb|bridge)/';
const PURE = '^src/(frame|fdb|stp|impair|mdb|bridge|capture)/';
/** Node's modules that reach outside the process (files, sockets, processes, the host). */
const NODE_IO = '^(node:)?(fs|fs/promises|net|dgram|child_process|http|https|http2|tls|dns|os|worker_threads|cluster)$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle means two modules are one: split out what both need (a leaf, a type module) or invert a dependency (a table that modules register into).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'engine-stays-pure',
      severity: 'error',
      comment: 'The engine runs on in-memory ports and a virtual clock; drivers, the daemon, the CLI, metrics, the lab and capture plug into it, never the other way round.',
      from: { path: ENGINE },
      to: { path: '^src/(ports|native|control|cli|metrics|web|lab|capture)/' },
    },
    {
      name: 'engine-layers',
      severity: 'error',
      comment: 'Inside the engine: frame < fdb, stp, mdb < bridge. The bridge drives the FDB, the STP engine and the multicast database; they know nothing of it (port states live in stp/port-state.ts for that reason).',
      from: { path: '^src/(frame|fdb|stp|mdb)/' },
      to: { path: '^src/bridge/' },
    },
    {
      name: 'engine-layers-below',
      severity: 'error',
      comment: 'frame/ is the bottom of the engine; the FDB, the STP engine and the multicast database do not use each other.',
      from: { path: '^src/(frame|fdb|stp|mdb)/' },
      to: { path: '^src/(fdb|stp|mdb)/', pathNot: '^src/$1/' },
    },
    {
      name: 'impair-below-the-bridge',
      comment: 'Impairments (delay lines, the wheel, the PRNG) work on bytes and times; the bridge drives them, they know nothing of it, the FDB or STP.',
      severity: 'error',
      from: { path: '^src/impair/' },
      to: { path: '^src/(bridge|fdb|stp)/' },
    },
    {
      name: 'engine-does-no-io',
      severity: 'error',
      comment: 'The engine and capture do no I/O of their own: frames come in and go out through PortIO, time through the Clock.',
      from: { path: PURE },
      to: { dependencyTypes: ['core'], path: NODE_IO },
    },
    {
      name: 'leaves-import-nothing',
      severity: 'error',
      comment: 'Leaf modules sit below every layer so that any of them can use them.',
      from: { path: '^src/(user-error|is-root|stp/port-state)\\.ts$' },
      to: { path: '.' },
    },
    {
      name: 'drivers-below-the-daemon',
      severity: 'error',
      comment: 'Port drivers serve the engine; what the daemon, metrics, the CLI or the lab need of a driver they ask it, not the reverse.',
      from: { path: '^src/(ports|native)/' },
      to: { path: '^src/(control|cli|metrics|web|lab)/' },
    },
    {
      name: 'control-owns-its-types',
      severity: 'error',
      comment: 'The daemon sends its own wire types (control/wire-types.ts); it never reaches up into the CLI or the lab.',
      from: { path: '^src/(control|metrics|web)/' },
      to: { path: '^src/(cli|lab)/' },
    },
    {
      name: 'cli-talks-through-the-client',
      severity: 'error',
      comment: 'The CLI reaches the daemon only through control/client (and the protocol, the shared argument validators, the port-kind registry\'s parser and help through port-kinds/index.ts — its openers load drivers only when called — and the wire types). control/run-daemon.ts is the daemon\'s entry point, which the `daemon` verb loads to run the daemon in its own process.',
      from: { path: '^src/cli/' },
      to: { path: '^src/control/', pathNot: '^src/control/(client|protocol|args|observe-args|wire-types|run-daemon|port-kinds/index)\\.ts$' },
    },
    {
      name: 'nothing-resolves-outside',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a file that is not in the repository.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports count: they couple modules as much as value imports do
    tsPreCompilationDeps: true,
  },
};
