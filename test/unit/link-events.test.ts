// rtnetlink link messages as the kernel sends them (nlmsghdr, ifinfomsg, rtattrs): new and
// deleted links by name, several messages per datagram, and malformed input stopping the parse.
import { describe, it, expect } from 'vitest';
import { parseLinkMessages, type LinkEvent } from '../../src/native/link-events.js';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const IFLA_MTU = 4;
const IFLA_IFNAME = 3;

function attr(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  value.copy(b, 4);
  return b;
}

function linkMsg(type: number, ifindex: number, flags: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.alloc(16), ...attrs]);
  body.writeInt32LE(ifindex, 4);
  body.writeUInt32LE(flags, 8);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, body]);
}

const mtu = attr(IFLA_MTU, Buffer.from([0xdc, 0x05, 0, 0]));
const name = (n: string) => attr(IFLA_IFNAME, Buffer.from(`${n}\0`));

function parse(b: Buffer, off = 0, len = b.length): LinkEvent[] {
  const out: LinkEvent[] = [];
  parseLinkMessages(b, off, len, (e) => out.push(e));
  return out;
}

describe('rtnetlink link messages', () => {
  it('a new and a deleted link, in one datagram, by name and ifindex', () => {
    const b = Buffer.concat([linkMsg(RTM_NEWLINK, 7, 0x1003, [mtu, name('vnet0')]), linkMsg(RTM_DELLINK, 8, 0, [name('tap9')])]);
    expect(parse(b)).toEqual([
      { type: 'new', name: 'vnet0', ifindex: 7, flags: 0x1003 },
      { type: 'del', name: 'tap9', ifindex: 8 },
    ]);
  });

  it('reads the datagram where it lies in the receive buffer', () => {
    const m = linkMsg(RTM_NEWLINK, 3, 1, [name('eth1')]);
    const buf = Buffer.concat([Buffer.alloc(40, 0xff), m, Buffer.alloc(8, 0xff)]);
    expect(parse(buf, 40, m.length)).toEqual([{ type: 'new', name: 'eth1', ifindex: 3, flags: 1 }]);
  });

  it('skips other message types and links without a name', () => {
    const b = Buffer.concat([linkMsg(20, 1, 0, [name('addr')]), linkMsg(RTM_NEWLINK, 2, 0, [mtu])]);
    expect(parse(b)).toEqual([]);
  });

  it('stops at a message whose length runs past the datagram, keeping what came before', () => {
    const good = linkMsg(RTM_NEWLINK, 4, 0, [name('a0')]);
    const bad = linkMsg(RTM_NEWLINK, 5, 0, [name('b0')]);
    bad.writeUInt32LE(4096, 0);
    expect(parse(Buffer.concat([good, bad]))).toEqual([{ type: 'new', name: 'a0', ifindex: 4, flags: 0 }]);
    const badAttr = linkMsg(RTM_NEWLINK, 6, 0, [name('c0')]);
    badAttr.writeUInt16LE(200, 32);
    expect(parse(badAttr)).toEqual([]);
  });
});
