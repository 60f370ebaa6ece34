#!/usr/bin/env python3
# A scripted vhost-user front-end for softbr's protocol tests: it owns a memfd as "guest memory",
# speaks the vhost-user messages over the unix socket (fds by SCM_RIGHTS), lays out two split
# virtqueues, puts frames on the transmit queue and reads what softbr writes into the receive
# queue. One scenario per run: `normal` checks the whole path; every other scenario breaks one
# rule and expects softbr to drop the connection; `offload*` negotiate checksum and TSO offloads
# and send frames with virtio-net headers, good and malformed. Output: JSON lines on stdout;
# {"want": "send"} asks the test to make softbr send a frame to us.
#   vhost-frontend.py SCENARIO SOCKET_PATH [listen]
import json
import mmap
import os
import select
import socket
import struct
import sys
import time

SCENARIO, PATH = sys.argv[1], sys.argv[2]
LISTEN = len(sys.argv) > 3 and sys.argv[3] == 'listen'

GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE = 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, SET_VRING_ENABLE = 15, 16, 18
NEED_REPLY = 0x8

F_MRG_RXBUF, F_EVENT_IDX, F_PROTOCOL, F_VERSION_1 = 1 << 15, 1 << 29, 1 << 30, 1 << 32
F_CSUM, F_GUEST_CSUM, F_GUEST_TSO4, F_GUEST_TSO6, F_GUEST_UFO = 1 << 0, 1 << 1, 1 << 7, 1 << 8, 1 << 10
F_HOST_TSO4, F_HOST_TSO6 = 1 << 11, 1 << 12
NEEDS_CSUM, GSO_TCPV4, GSO_UDP, GSO_TCPV6 = 1, 1, 3, 4
PROTO_REPLY_ACK, PROTO_MQ = 1 << 3, 1 << 0
DESC_NEXT, DESC_WRITE = 1, 2

QSIZE = 256
OFFSET = 8192            # the region starts this far into the memfd (mmap_offset)
MEM = 4 << 20
GPA = 0x40000000         # guest-physical address of the region
UVA = 0x7f1200000000     # the "front-end virtual" address of the region
RING = {0: (0x0000, 0x1000, 0x2000), 1: (0x4000, 0x5000, 0x6000)}  # desc, avail, used
RXBUF, RXBUF_LEN = 0x10000, 512
TXBUF = 0x40000


def out(**kw):
    print(json.dumps(kw), flush=True)


def fail(msg):
    out(ok=False, error=msg)
    sys.exit(1)


fd = os.memfd_create('guest', 0)
os.ftruncate(fd, OFFSET + MEM)
mem = mmap.mmap(fd, OFFSET + MEM)


def w16(off, v): struct.pack_into('<H', mem, OFFSET + off, v)
def r16(off): return struct.unpack_from('<H', mem, OFFSET + off)[0]
def r32(off): return struct.unpack_from('<I', mem, OFFSET + off)[0]
def desc(q, i, addr, ln, flags, nxt=0): struct.pack_into('<QIHH', mem, OFFSET + RING[q][0] + 16 * i, addr, ln, flags, nxt)
def avail_put(q, slot, head): w16(RING[q][1] + 4 + 2 * (slot % QSIZE), head)
def avail_idx(q, v): w16(RING[q][1] + 2, v)
def used_idx(q): return r16(RING[q][2] + 2)
def used_elem(q, i):
    o = RING[q][2] + 4 + 8 * (i % QSIZE)
    return r32(o), r32(o + 4)


if LISTEN:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(PATH)
    except FileNotFoundError:
        pass
    srv.bind(PATH)
    srv.listen(1)
    out(event='listening')
    sock, _ = srv.accept()
else:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(PATH)
sock.settimeout(5)


def send(req, payload=b'', fds=(), flags=1, size=None):
    hdr = struct.pack('<III', req, flags, len(payload) if size is None else size)
    if fds:
        socket.send_fds(sock, [hdr + payload], list(fds))
    else:
        sock.sendall(hdr + payload)


def recv_exact(n):
    b = b''
    while len(b) < n:
        c = sock.recv(n - len(b))
        if not c:
            fail('softbr closed the connection')
        b += c
    return b


def reply(req):
    req2, flags, size = struct.unpack('<III', recv_exact(12))
    if req2 != req or not flags & 0x4:
        fail(f'reply to {req}: got request {req2} flags {flags:#x}')
    return recv_exact(size)


def u64(v): return struct.pack('<Q', v)


def acked(req, payload=b'', fds=()):
    send(req, payload, fds, flags=1 | NEED_REPLY)
    v = struct.unpack('<Q', reply(req))[0]
    if v != 0:
        fail(f'request {req} acked with {v}')


def expect_closed(what):
    """softbr must drop the connection; anything it sends first (a failure ack) is fine."""
    deadline = time.time() + 5
    try:
        while time.time() < deadline:
            if not sock.recv(4096):
                out(closed=True, what=what)
                sys.exit(0)
    except (ConnectionResetError, BrokenPipeError):
        out(closed=True, what=what)
        sys.exit(0)
    except socket.timeout:
        pass
    out(closed=False, what=what)
    sys.exit(1)


def mem_table(size=MEM, nfds=1, regions=1):
    payload = struct.pack('<II', regions, 0)
    for i in range(regions):
        payload += struct.pack('<QQQQ', GPA + i * size, size, UVA + i * size, OFFSET)
    return payload, [fd] * nfds


def negotiate(features=F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL):
    send(GET_FEATURES)
    offered = struct.unpack('<Q', reply(GET_FEATURES))[0]
    send(SET_FEATURES, u64(features))
    send(GET_PROTOCOL_FEATURES)
    proto = struct.unpack('<Q', reply(GET_PROTOCOL_FEATURES))[0]
    send(SET_PROTOCOL_FEATURES, u64(PROTO_REPLY_ACK))
    acked(SET_OWNER)
    return offered, proto


kicks, calls = {}, {}


def setup_queue(q, desc_uva=None):
    d, a, u = RING[q]
    acked(SET_VRING_NUM, struct.pack('<II', q, QSIZE))
    acked(SET_VRING_ADDR, struct.pack('<IIQQQQ', q, 0, desc_uva if desc_uva is not None else UVA + d, UVA + u, UVA + a, 0))
    acked(SET_VRING_BASE, struct.pack('<II', q, 0))
    calls[q] = os.eventfd(0, os.EFD_NONBLOCK)
    kicks[q] = os.eventfd(0, os.EFD_NONBLOCK)
    acked(SET_VRING_CALL, u64(q), [calls[q]])
    acked(SET_VRING_KICK, u64(q), [kicks[q]])
    acked(SET_VRING_ENABLE, struct.pack('<II', q, 1))


def full_setup(rx_flags=DESC_WRITE, rx_addr=None, features=F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL):
    offered, proto = negotiate(features)
    p, fds = mem_table()
    acked(SET_MEM_TABLE, p, fds)
    setup_queue(0)
    setup_queue(1)
    for i in range(QSIZE):  # every receive buffer 512 bytes, so big frames need several
        desc(0, i, rx_addr if rx_addr is not None else GPA + RXBUF + i * RXBUF_LEN, RXBUF_LEN, rx_flags)
        avail_put(0, i, i)
    avail_idx(0, QSIZE)
    return offered, proto


def frame(n, seed):
    dst = b'\x02\x00\x00\x00\x00\x02'
    src = b'\x02\x00\x00\x00\x00\x01'
    return dst + src + b'\x88\xb5' + bytes((seed + i) & 0xff for i in range(n - 14))


def post_tx(frames, hdrs=None):
    """frames: list of (bytes, pieces): the 12-byte header (hdrs[i], else zero) then the frame cut into pieces descriptors."""
    di, addr = 0, GPA + TXBUF
    for slot, (f, pieces) in enumerate(frames):
        data = (hdrs[slot] if hdrs else bytes(12)) + f
        head = di
        if pieces == 1:
            cuts = [len(data)]
        else:  # header alone, then the frame in pieces-1 parts
            rest = len(f)
            step = max(1, rest // (pieces - 1))
            cuts = [12] + [step] * (pieces - 2) + [rest - step * (pieces - 2)]
        pos = 0
        for k, c in enumerate(cuts):
            mem[OFFSET + (addr - GPA):OFFSET + (addr - GPA) + c] = data[pos:pos + c]
            last = k == len(cuts) - 1
            desc(1, di, addr, c, 0 if last else DESC_NEXT, di + 1)
            addr += (c + 63) & ~63
            pos += c
            di += 1
        avail_put(1, slot, head)
    avail_idx(1, len(frames))
    os.eventfd_write(kicks[1], 1)


def wait(cond, what, t=5):
    deadline = time.time() + t
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.01)
    fail(f'timed out waiting for {what}')


def read_rx(count):
    """Reassembles count frames from the receive queue's used ring (num_buffers each)."""
    got, i = [], 0
    while len(got) < count:
        wait(lambda: used_idx(0) > i, 'a receive buffer')
        head, ln = used_elem(0, i)
        base = RXBUF + head * RXBUF_LEN
        nb = r16(base + 10)
        data = bytes(mem[OFFSET + base:OFFSET + base + ln])
        for k in range(1, nb):
            wait(lambda: used_idx(0) > i + k, 'a merged buffer')
            h2, l2 = used_elem(0, i + k)
            b2 = RXBUF + h2 * RXBUF_LEN
            data += bytes(mem[OFFSET + b2:OFFSET + b2 + l2])
        got.append((data[12:], nb, data[:12]))
        i += nb
    return got, i


def csum16(b, s=0):
    if len(b) % 2:
        b += b'\0'
    for k in range(0, len(b), 2):
        s += (b[k] << 8) | b[k + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def tcp_frame(payload_len, seed, partial=True):
    """An IPv4 TCP frame with its checksum left to the device (pseudo-header sum in the field), or complete."""
    payload = bytes((seed + i) & 0xff for i in range(payload_len))
    tcp_len = 20 + payload_len
    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + tcp_len, 7, 0x4000, 64, 6, 0,
                               bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))
    struct.pack_into('!H', ip, 10, ~csum16(bytes(ip)) & 0xffff)
    tcp = bytearray(struct.pack('!HHIIBBHHH', 40000, 5001, 1000, 0, 5 << 4, 0x18, 65535, 0, 0))
    pseudo = csum16(bytes(ip[12:20]) + struct.pack('!BBH', 0, 6, tcp_len))
    if partial:
        struct.pack_into('!H', tcp, 16, pseudo)
    else:
        struct.pack_into('!H', tcp, 16, ~csum16(bytes(tcp) + payload, pseudo) & 0xffff)
    eth = b'\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00'
    return eth + bytes(ip) + bytes(tcp) + payload


def checksums_ok(f):
    """IPv4 header and TCP checksums of frame f are complete and right."""
    ip = f[14:34]
    if csum16(ip) != 0xffff:
        return False
    tcp = f[34:]
    pseudo = csum16(ip[12:20] + struct.pack('!BBH', 0, 6, len(tcp)))
    return csum16(tcp, pseudo) == 0xffff


def vhdr(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    """A 10-byte virtio_net_hdr (num_buffers, when the header has one, comes after it)."""
    return struct.pack('<BBHHHH', flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


if SCENARIO in ('normal', 'normal-eventidx'):
    event_idx = SCENARIO == 'normal-eventidx'
    offered, proto = full_setup(features=F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL | (F_EVENT_IDX if event_idx else 0))
    sent = [(frame(60, 1), 1), (frame(1000, 2), 2), (frame(1514, 3), 4)]
    post_tx(sent + [(bytes(10), 1), (frame(2000, 4), 3)])  # a runt and one longer than a slot
    wait(lambda: used_idx(1) == 5, 'softbr to consume the 5 transmit chains')
    # softbr mutes transmit kicks while it drains the ring and asks for them again when done
    # (without event index through the used flags, with it through avail_event); it publishes the
    # used index and signals before that, so the flags and the signal are read once it is done (a
    # loaded machine may still be between the two at this moment)
    if not event_idx:
        wait(lambda: r16(RING[1][2]) & 1 == 0, 'softbr to ask for transmit kicks again')
    else:
        wait(lambda: r16(RING[1][2] + 4 + 8 * QSIZE) == 5, 'softbr to ask for the next transmit kick')
    try:
        signalled = os.eventfd_read(calls[1]) > 0
    except BlockingIOError:
        signalled = False
    # how softbr asks for kicks: used flags of both queues, and avail_event after the used ring
    used_flags = [r16(RING[0][2]), r16(RING[1][2])]
    avail_event = [r16(RING[0][2] + 4 + 8 * QSIZE), r16(RING[1][2] + 4 + 8 * QSIZE)]
    out(want='echo', count=3)
    got, consumed = read_rx(3)
    same = [g[0] == s[0] for g, s in zip(got, sent)]
    send(GET_VRING_BASE, struct.pack('<II', 1, 0))
    base1 = struct.unpack('<II', reply(GET_VRING_BASE))[1]
    send(GET_VRING_BASE, struct.pack('<II', 0, 0))
    base0 = struct.unpack('<II', reply(GET_VRING_BASE))[1]
    out(ok=all(same) and len(got) == 3, offered=offered, proto=proto, txSignalled=signalled,
        lengths=[len(g[0]) for g in got], numBuffers=[g[1] for g in got], consumed=consumed,
        base=[base0, base1], usedFlags=used_flags, availEvent=avail_event)
    sock.close()
    sys.exit(0)

if SCENARIO in ('offload', 'offload-segments'):
    # offload: the guest negotiates everything; offload-segments: it may send super-frames but
    # takes neither super-frames nor partial checksums, so softbr must cut and checksum for it
    whole = SCENARIO == 'offload'
    feats = F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL | F_CSUM | F_HOST_TSO4 | F_HOST_TSO6
    if whole:
        feats |= F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6
    offered, proto = full_setup(features=feats)
    csum = vhdr(NEEDS_CSUM, 0, 0, 0, 34, 16)
    tso = vhdr(NEEDS_CSUM, GSO_TCPV4, 54, 1000, 34, 16)
    small, big = tcp_frame(146, 5), tcp_frame(3000, 9)
    good = [(frame(60, 1), vhdr()), (small, csum), (big, tso)]
    bad = [
        (big, vhdr(NEEDS_CSUM, GSO_UDP, 54, 1000, 34, 16)),      # UFO: not offered
        (big, vhdr(NEEDS_CSUM, GSO_TCPV4, 54, 0, 34, 16)),        # gso_size 0
        (small, vhdr(NEEDS_CSUM, 0, 0, 0, 34, len(small))),       # checksum field past the frame
        (small, vhdr(NEEDS_CSUM, 0, 0, 0, len(small) + 1, 0)),    # checksum start past the frame
        (big, vhdr(0, GSO_TCPV4, 54, 1000, 0, 0)),                # a super-frame with its checksum done
        (big, vhdr(NEEDS_CSUM, GSO_TCPV6, 54, 1000, 34, 16)),     # TCPv6 on an IPv4 frame
        (big, vhdr(NEEDS_CSUM, 0x42, 54, 1000, 34, 16)),          # an unknown kind
    ]
    allf = good + bad
    post_tx([(f, 1) for f, _ in allf], [h + b'\0\0' for _, h in allf])
    wait(lambda: used_idx(1) == len(allf), 'softbr to consume the transmit chains')
    out(want='echo', count=len(good))
    expect_n = 2 + (1 if whole else 3)
    got, consumed = read_rx(expect_n)
    hdr_fields = [list(struct.unpack('<BBHHHHH', g[2])[:6]) for g in got]
    res = dict(offered=offered, lengths=[len(g[0]) for g in got], hdrs=hdr_fields,
               plainSame=got[0][0] == good[0][0], csumOk=checksums_ok(got[1][0]))
    if whole:
        res['superSame'] = got[2][0] == big  # whole: the checksum still partial, as the guest left it
    else:
        segs = [g[0] for g in got[2:]]
        res['segChecksums'] = [checksums_ok(x) for x in segs]
        res['segPayload'] = b''.join(x[54:] for x in segs) == big[54:]
        res['segSeq'] = [struct.unpack_from('!I', x, 38)[0] for x in segs]
    out(ok=True, **res)
    sock.close()
    sys.exit(0)

# ---- every case below must cost the front-end its connection ----
if SCENARIO == 'bad-features':
    send(GET_FEATURES)
    reply(GET_FEATURES)
    send(SET_FEATURES, u64(F_VERSION_1 | F_GUEST_UFO))  # UFO is never offered
    expect_closed(SCENARIO)
if SCENARIO == 'bad-version':
    send(GET_FEATURES, flags=2)
    expect_closed(SCENARIO)
if SCENARIO == 'huge-payload':
    send(GET_FEATURES, size=100000)
    expect_closed(SCENARIO)
if SCENARIO == 'mem-fd-mismatch':
    negotiate()
    p, fds = mem_table(regions=2, nfds=1)
    send(SET_MEM_TABLE, p, fds, flags=1 | NEED_REPLY)
    expect_closed(SCENARIO)
if SCENARIO == 'mem-past-file':
    negotiate()
    p, fds = mem_table(size=MEM * 2)
    send(SET_MEM_TABLE, p, fds, flags=1 | NEED_REPLY)
    expect_closed(SCENARIO)
if SCENARIO == 'bad-queue-size':
    negotiate()
    send(SET_VRING_NUM, struct.pack('<II', 0, 300))
    expect_closed(SCENARIO)
if SCENARIO == 'bad-queue-index':
    negotiate()
    send(SET_VRING_NUM, struct.pack('<II', 5, 256))
    expect_closed(SCENARIO)
if SCENARIO == 'ring-outside':
    negotiate()
    p, fds = mem_table()
    acked(SET_MEM_TABLE, p, fds)
    d, a, u = RING[0]
    send(SET_VRING_NUM, struct.pack('<II', 0, QSIZE))
    send(SET_VRING_ADDR, struct.pack('<IIQQQQ', 0, 0, UVA + MEM - 64, UVA + u, UVA + a, 0))
    expect_closed(SCENARIO)
if SCENARIO == 'num-grows':
    negotiate()
    p, fds = mem_table()
    acked(SET_MEM_TABLE, p, fds)
    d, a, u = RING[0]
    # a descriptor table that fits 256 entries at the end of memory, then a bigger ring size
    acked(SET_VRING_NUM, struct.pack('<II', 0, QSIZE))
    acked(SET_VRING_ADDR, struct.pack('<IIQQQQ', 0, 0, UVA + MEM - 16 * QSIZE, UVA + u, UVA + a, 0))
    send(SET_VRING_NUM, struct.pack('<II', 0, 32768))
    expect_closed(SCENARIO)
if SCENARIO == 'desc-outside':
    full_setup()
    desc(1, 0, GPA + MEM + 4096, 100, 0)
    avail_put(1, 0, 0)
    avail_idx(1, 1)
    os.eventfd_write(kicks[1], 1)
    expect_closed(SCENARIO)
if SCENARIO == 'len-past':
    full_setup()
    desc(1, 0, GPA + MEM - 100, 4096, 0)  # starts inside, runs past the end
    avail_put(1, 0, 0)
    avail_idx(1, 1)
    os.eventfd_write(kicks[1], 1)
    expect_closed(SCENARIO)
if SCENARIO == 'desc-loop':
    full_setup()
    desc(1, 0, GPA + TXBUF, 64, DESC_NEXT, 1)
    desc(1, 1, GPA + TXBUF, 64, DESC_NEXT, 0)
    avail_put(1, 0, 0)
    avail_idx(1, 1)
    os.eventfd_write(kicks[1], 1)
    expect_closed(SCENARIO)
if SCENARIO == 'bad-head':
    full_setup()
    avail_put(1, 0, 999)
    avail_idx(1, 1)
    os.eventfd_write(kicks[1], 1)
    expect_closed(SCENARIO)
if SCENARIO == 'avail-ahead':
    full_setup()
    avail_idx(1, 1000)
    os.eventfd_write(kicks[1], 1)
    expect_closed(SCENARIO)
if SCENARIO == 'rx-readonly':
    full_setup(rx_flags=0)
    out(want='send')
    expect_closed(SCENARIO)
if SCENARIO == 'rx-outside':
    full_setup(rx_addr=GPA - 4096)
    out(want='send')
    expect_closed(SCENARIO)
fail(f'unknown scenario {SCENARIO}')
