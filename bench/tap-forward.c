/* The reference one-thread userspace switch for `softbr bench`: two TAPs, poll(), and per wakeup up
 * to 64 frames drained from each side, one read() and one write() per frame, no learning, no
 * batching. Any userspace switch that pays a system call per frame is bounded by this loop.
 * Usage: tap-forward TAP1 TAP2 (creates the TAPs, prints "ready" once both are open, runs until
 * SIGTERM/SIGINT, then prints "frames A->B B->A write-errors" on stdout). Build: cc -O2 -o tap-forward tap-forward.c */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BURST 64

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int open_tap(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) { perror("open /dev/net/tun"); return -1; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { fprintf(stderr, "TUNSETIFF %s: %s\n", name, strerror(errno)); close(fd); return -1; }
  return fd;
}

/* Moves up to BURST frames from one TAP to the other; returns the count. */
static unsigned long drain(int from, int to, unsigned long *errors) {
  static unsigned char buf[65536];
  unsigned long n = 0;
  for (; n < BURST; n++) {
    ssize_t len = read(from, buf, sizeof buf);
    if (len <= 0) break; /* EAGAIN: the queue is empty */
    if (write(to, buf, (size_t)len) != len) (*errors)++;
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s TAP1 TAP2\n", argv[0]); return 2; }
  int a = open_tap(argv[1]), b = open_tap(argv[2]);
  if (a < 0 || b < 0) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR and the loop ends */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  printf("ready\n");
  fflush(stdout);
  unsigned long ab = 0, ba = 0, errors = 0;
  struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
  while (!stop) {
    if (poll(p, 2, -1) < 0) { if (errno == EINTR) continue; perror("poll"); return 1; }
    if (p[0].revents & POLLIN) ab += drain(a, b, &errors);
    if (p[1].revents & POLLIN) ba += drain(b, a, &errors);
  }
  printf("%lu %lu %lu\n", ab, ba, errors);
  return 0;
}
