// Reads Prometheus text exposition in tests: `name{k="v",…}` → value, labels as prom-client prints them. Also a free 127.0.0.1 port for a metrics endpoint.
import { createServer } from 'node:net';
export function parseExposition(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** A free TCP port on 127.0.0.1 for the metrics endpoint. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
