/* BENCH FIXTURE, not the product: stands in for the tether as PID 1 to measure
 * the raw virtio-serial rate the tether's relay is compared with: one marker
 * byte, then BENCH_BYTES read from /dev/zero and written to the port 4 KiB at a
 * time -- what `busybox head -c N /dev/zero > port` does (strace), and what the
 * container runs in the relay figure -- then power off. init keeps only /tether
 * after the switch, so busybox itself cannot run here. Built by bench/vm.sh. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "sysfs.h"

#define BENCH_BYTES (256L * 1024 * 1024)

static int open_port (void)
{
  char dev[300];
  for (int tries = 0; tries < 300; tries++)
    {
      if (vport_find ("org.tether.0", dev, sizeof dev) == 0)
        return open (dev, O_WRONLY);
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  return -1;
}

int main (void)
{
  static char buf[4096];
  int fd = open_port ();
  int zero = open ("/dev/zero", O_RDONLY);
  if (fd >= 0 && zero >= 0 && write (fd, "S", 1) == 1)
    for (long left = BENCH_BYTES; left > 0;)
      {
        size_t want = left < (long) sizeof buf ? (size_t) left : sizeof buf;
        ssize_t r = read (zero, buf, want);
        if (r <= 0 || write (fd, buf, (size_t) r) != r)
          break;
        left -= r;
      }
  sync ();
  reboot (RB_POWER_OFF);
  for (;;)
    pause ();
}
