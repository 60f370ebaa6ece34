#!/usr/bin/env python3
# Replays vhost-user messages that a test generated (test/e2e/vhost-fuzz.test.ts): one JSON case a
# line on stdin, {"msgs": [{"hex": "...", "fds": N, "fdkind": "memfd"|"eventfd"}]}. For each case
# it connects to the socket given as argv[1], sends every message (its bytes, with N fresh file
# descriptors by SCM_RIGHTS), then reads what comes back until the back-end closes the connection
# or 0.3 s pass, closes its end, and prints {"case": i, "closed": true|false, "sent": k}: whether
# softbr dropped the connection, and how many messages went out before it did.
import json, os, socket, sys, time

path = sys.argv[1]


def make_fd(kind):
    if kind == 'eventfd':
        return os.eventfd(0, os.EFD_NONBLOCK)
    fd = os.memfd_create('fuzz')
    os.ftruncate(fd, 1 << 20)
    return fd


for i, line in enumerate(sys.stdin):
    case = json.loads(line)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(0.3)
    sent = 0
    closed = False
    try:
        for m in case['msgs']:
            data = bytes.fromhex(m['hex'])
            fds = [make_fd(m.get('fdkind', 'memfd')) for _ in range(m['fds'])]
            try:
                if fds:
                    socket.send_fds(s, [data], fds)
                else:
                    s.sendall(data)
            finally:
                for fd in fds:
                    os.close(fd)
            sent += 1
        deadline = time.time() + 0.3
        while time.time() < deadline:
            if not s.recv(65536):
                closed = True
                break
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    except socket.timeout:
        pass
    s.close()
    print(json.dumps({'case': i, 'closed': closed, 'sent': sent}), flush=True)
