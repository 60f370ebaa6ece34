// Whether this process runs as root: the daemon, the demo and the tests that build namespaces ask
// it before they touch the host. A leaf, so that every layer asks the same question one way.

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
