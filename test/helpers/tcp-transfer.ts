// TCP transfers between lab hosts that prove every byte arrived: a seeded random stream hashed by
// sender and receiver (python3 in the namespaces), and the TCP checksum-error count of a host.
import type { Lab } from '../../src/lab/netns.js';

const PORT = 5301;
/** Receives one connection to the end; prints "ready", then "<bytes> <sha256>". */
const RECEIVER = `
import socket, sys, hashlib
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, ${PORT})); s.listen(1); print('ready', flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 20)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest(), flush=True)
`;
/** Sends argv[2] MiB of seeded random bytes (each MiB different); prints "<bytes> <sha256>". */
const SENDER = `
import socket, sys, hashlib, random
a, mib = sys.argv[1], int(sys.argv[2])
r = random.Random(9); h = hashlib.sha256(); n = 0
c = socket.create_connection((a, ${PORT}))
for _ in range(mib):
    d = r.randbytes(1 << 20); c.sendall(d); h.update(d); n += len(d)
c.shutdown(socket.SHUT_WR); c.recv(1); print(n, h.hexdigest(), flush=True)
`;

/** TCP InCsumErrors in a namespace (the IPv4 and IPv6 stacks share TCP's counters). */
export async function tcpCsumErrors(lab: Lab, n: string): Promise<number> {
  const snmp = (await lab.exec(n, 'cat', ['/proc/net/snmp'])).stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = snmp[0]!.split(/\s+/);
  const values = snmp[1]!.split(/\s+/);
  return Number(values[names.indexOf('InCsumErrors')]);
}

/**
 * A TCP transfer of `mib` MiB (random bytes) from host `from` to addr:port in host `to`, read to
 * the end by the receiver: what it got (bytes, SHA-256) and what was sent, to compare exactly.
 */
export async function tcpTransfer(lab: Lab, from: string, to: string, addr: string, mib: number): Promise<{ sent: string; got: string }> {
  const server = lab.spawn(to, 'python3', ['-c', RECEIVER, addr]);
  let got = '';
  server.stdout!.on('data', (d: Buffer) => { got += d.toString(); });
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  try {
    const end = Date.now() + 10_000;
    while (!got.includes('ready') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const out = await lab.exec(from, 'python3', ['-c', SENDER, addr, String(mib)], { timeoutMs: 30_000 });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    return { sent: out.stdout.trim(), got: got.replace('ready', '').trim() };
  } finally {
    await lab.kill(server);
  }
}
