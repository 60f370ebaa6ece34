// A PortIO that goes nowhere: send() only counts, for in-process throughput benchmarks.
import type { PortIO, RxSink } from '../src/bridge/port-io.js';

export class NullPort implements PortIO {
  readonly kind = 'null';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  sends = 0;
  bytes = 0;
  flushes = 0;
  sink: RxSink | null = null;
  constructor(readonly name: string, readonly mac: number) {}
  send(_buf: Uint8Array, _off: number, len: number): boolean {
    this.sends++;
    this.bytes += len;
    return true;
  }
  flush(): void { this.flushes++; }
  start(sink: RxSink): void { this.sink = sink; }
  close(): void { this.sink = null; }
}
