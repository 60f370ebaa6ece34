// The pure parts of the `softbr bench` harness that turn raw numbers into results: order
// statistics, ping parsing, the generator's frame, /proc parsing, and the run-prefix sweep rules.
import { describe, it, expect } from 'vitest';
import { median, percentile, summarize, mean } from '../../src/benchmark/stats.js';
import { parsePingTimes, pingStats } from '../../src/benchmark/ping-stats.js';
import { udpFrame, trafgenConfig, ipv4HeaderChecksum, MIN_FRAME } from '../../src/benchmark/frame-config.js';
import { parseProcStat, parseSystemStat, descendants, pctOfCore, type ProcStat } from '../../src/benchmark/cpu.js';
import { BENCH_LAB_TAG, namesWithPrefix } from '../../src/benchmark/cleanup.js';
import { labPrefix } from '../../src/lab/netns.js';
import { missingTools, TOOL_PACKAGES } from '../../src/benchmark/tools.js';
import { codeKind, formatSummary, parseReportRows, splitByKind, type ProfileSummary } from '../../src/benchmark/profile.js';

describe('profile reports', () => {
  const report = [
    '# Overhead  Shared Object        Symbol',
    '# ........  ...................  ......',
    '#',
    '    60.50%  [kernel.kallsyms]    [k] tun_do_read',
    '    20.25%  [kernel.kallsyms]    [k] _copy_to_iter',
    '     9.00%  [JIT] tid 4242       [.] JS:*receive file:///x/dist/src/bridge/bridge.js:299:12',
    '     5.00%  /usr/bin/node        [.] v8::internal::Heap::Scavenge',
    '     3.00%  softbr_native.node   [.] Poller::Drain',
    '     1.25%  libc.so.6            [.] __memmove_avx_unaligned_erms',
    '     1.00%  [vdso]               [.] __vdso_clock_gettime',
    '',
    '# (Tip: ...)',
  ].join('\n');
  it('reads the rows of a perf report table, not its comments', () => {
    const rows = parseReportRows(report);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toEqual({ pct: 60.5, cols: ['[kernel.kallsyms]', '[k] tun_do_read'] });
    expect(rows[2]!.cols[0]).toBe('[JIT] tid 4242');
  });
  it('tells kernel, JIT, node, addon and library code apart', () => {
    expect(codeKind('[kernel.kallsyms]')).toBe('kernel');
    expect(codeKind('[JIT] tid 1')).toBe('js');
    expect(codeKind('/tmp/perf-123.map')).toBe('js');
    expect(codeKind('/usr/bin/node')).toBe('node');
    expect(codeKind('node')).toBe('node');
    expect(codeKind('/x/build/Release/softbr_native.node')).toBe('addon');
    expect(codeKind('libc.so.6')).toBe('libraries');
    expect(codeKind('[vdso]')).toBe('libraries');
  });
  it('splits the samples by kind and prints the time per frame of each', () => {
    const split = splitByKind(report);
    expect(split).toEqual({ kernel: 80.75, js: 9, node: 5, addon: 3, libraries: 2.25 });
    const s: ProfileSummary = { switch: 'softbr-tap', test: 'small', delivered: 400_000, switchPct: 100, nsPerFrame: 2500, split, report: 'r.txt', data: 'r.data' };
    expect(formatSummary(s)).toBe('profile softbr-tap small: 400k frames/s under perf, switch 2500 ns of CPU per frame: kernel 81% (2019 ns), js 9% (225 ns), node 5% (125 ns), addon 3% (75 ns), libraries 2% (56 ns) → r.txt');
    expect(formatSummary({ ...s, switch: 'kernel', switchPct: null, nsPerFrame: null, split: null })).toBe('profile kernel small: 400k frames/s under perf (no switch process; see softirq in r.txt)');
  });
});

describe('statistics', () => {
  it('median of odd and even counts, independent of order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('nearest-rank percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([1, 2, 3, 1000], 99)).toBe(1000);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
  it('summary keeps the samples in their order and rejects an empty list', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, samples: [3, 1, 2] });
    expect(() => summarize([])).toThrow(RangeError);
    expect(mean([1, 2, 6])).toBe(3);
  });
});

describe('ping parsing', () => {
  const out = [
    'PING 10.209.0.2 (10.209.0.2) 56(84) bytes of data.',
    '64 bytes from 10.209.0.2: icmp_seq=1 ttl=64 time=0.210 ms',
    '64 bytes from 10.209.0.2: icmp_seq=2 ttl=64 time=0.050 ms',
    '64 bytes from 10.209.0.2: icmp_seq=4 ttl=64 time=1.61 ms',
    '',
    '--- 10.209.0.2 ping statistics ---',
    '4 packets transmitted, 3 received, 25% packet loss, time 3ms',
    'rtt min/avg/max/mdev = 0.050/0.623/1.610/0.700 ms',
  ].join('\n');
  it('takes one time per reply line, not the summary', () => {
    expect(parsePingTimes(out)).toEqual([0.21, 0.05, 1.61]);
  });
  it('min/avg/p99/max and the lost count', () => {
    const s = pingStats(parsePingTimes(out), 4);
    expect(s.min).toBe(0.05);
    expect(s.max).toBe(1.61);
    expect(s.p99).toBe(1.61);
    expect(s.avg).toBeCloseTo((0.21 + 0.05 + 1.61) / 3, 10);
    expect(s.lost).toBe(1);
  });
  it('no replies is an error, not zeros', () => {
    expect(() => pingStats([], 1000)).toThrow(/no ping replies/);
  });
});

describe('generator frame', () => {
  const e = { srcMac: '02:5b:00:00:00:01', dstMac: '02:5b:00:00:00:02', srcIp: '10.209.0.1', dstIp: '10.209.0.2', udpPort: 9 };
  it('is exactly the asked length with h2 as destination and a valid IPv4 header', () => {
    for (const len of [60, 1514]) {
      const f = udpFrame(e, len);
      expect(f.length).toBe(len);
      expect(Array.from(f.subarray(0, 6))).toEqual([2, 0x5b, 0, 0, 0, 2]);
      expect(Array.from(f.subarray(6, 12))).toEqual([2, 0x5b, 0, 0, 0, 1]);
      expect((f[12]! << 8) | f[13]!).toBe(0x0800);
      expect((f[16]! << 8) | f[17]!).toBe(len - 14); // IP total length
      expect(ipv4HeaderChecksum(f.subarray(14, 34))).toBe(0); // checksum over a valid header is 0
      expect((f[38]! << 8) | f[39]!).toBe(len - 34); // UDP length
      expect(Array.from(f.subarray(30, 34))).toEqual([10, 209, 0, 2]);
    }
  });
  it('rejects lengths a link cannot carry', () => {
    expect(() => udpFrame(e, MIN_FRAME - 1)).toThrow(RangeError);
    expect(() => udpFrame(e, 1515)).toThrow(RangeError);
    expect(() => udpFrame({ ...e, dstMac: '02:5b:00:00:00' }, 60)).toThrow(/bad MAC/);
  });
  it('trafgen config lists every byte once, as hex, in one packet', () => {
    const f = udpFrame(e, 60);
    const cfg = trafgenConfig(f);
    expect(cfg.trim().startsWith('{') && cfg.trim().endsWith('}')).toBe(true);
    const bytes = cfg.match(/0x[0-9a-f]{2}/g)!.map((b) => parseInt(b, 16));
    expect(bytes).toEqual(Array.from(f));
  });
});

describe('/proc parsing', () => {
  it('reads utime+stime, ppid and the kernel-thread flag, even with spaces in the name', () => {
    const line = '4242 (my (odd) proc) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 17, ticks: 300, kernelThread: false });
    const kthread = '12 (ksoftirqd/0) S 2 0 0 0 -1 69238880 0 0 0 0 7 9 0 0 20 0 1 0 5 0 0';
    expect(parseProcStat(kthread).kernelThread).toBe(true);
  });
  it('system busy time leaves out idle and iowait', () => {
    const s = parseSystemStat('cpu  100 10 50 1000 40 5 20 3 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n');
    expect(s).toEqual({ busy: 188, softirq: 20, total: 1228 });
  });
  it('descendants follow ppid links, not pid order', () => {
    const p = (pid: number, ppid: number): [number, ProcStat] => [pid, { pid, ppid, ticks: 0, kernelThread: false }];
    const t = new Map([p(1, 0), p(50, 1), p(60, 50), p(40, 60), p(70, 1)]);
    expect([...descendants(t, [50])].sort((a, b) => a - b)).toEqual([40, 50, 60]);
  });
  it('ticks per window are % of one core', () => {
    expect(pctOfCore(100, 2000)).toBe(50);
    expect(pctOfCore(5, 0)).toBe(0);
  });
});

describe('run prefix and sweep', () => {
  it('has a fixed width so no run prefix is a prefix of another run\'s names', () => {
    const runPrefix = (pid: number) => labPrefix(BENCH_LAB_TAG, pid);
    expect(runPrefix(123)).toBe('sbbn0000123');
    expect(runPrefix(1_234_567)).toBe('sbbn1234567');
    expect(runPrefix(12).length).toBe(runPrefix(4_194_304).length);
  });
  it('finds only its own namespaces and links', () => {
    expect(namesWithPrefix('bn000123h1 (id: 3)\nbn000124h1 (id: 4)\nbn000123h2\n', 'bn000123', 'netns')).toEqual(['bn000123h1', 'bn000123h2']);
    const links = '1: lo: <LOOPBACK,UP> mtu 65536\n7: bn000123s1@bn000123v1: <BROADCAST> mtu 1500\n8: xbn000123: <BROADCAST>\n9: bn000123kb: <BROADCAST>';
    expect(namesWithPrefix(links, 'bn000123', 'link')).toEqual(['bn000123s1', 'bn000123kb']);
  });
});

describe('tool check', () => {
  it('names a missing tool, and the Debian package for known ones', () => {
    expect(missingTools(['sh'])).toBeUndefined();
    expect(missingTools(['sh', 'no-such-tool-zz9'])).toBe('needs no-such-tool-zz9');
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      // /usr/sbin and /sbin are searched as well, so look for a name that is in neither
      TOOL_PACKAGES['no-such-tool-zz9'] = 'zz9-tools';
      expect(missingTools(['no-such-tool-zz9'])).toBe('needs no-such-tool-zz9 (Debian zz9-tools)');
    } finally {
      process.env.PATH = saved;
      delete TOOL_PACKAGES['no-such-tool-zz9'];
    }
  });
});
