/* BENCH FIXTURE, not the product: stands in for the tether as PID 1 to measure
 * the raw virtio-serial rate the tether's relay is compared with: one marker
 * byte, then BENCH_BYTES read from /dev/zero and written to the port 4 KiB at a
 * time -- what `busybox head -c N /dev/zero > port` does (strace), and what the
 * container runs in the relay figure -- then power off. init keeps only /tether
 * after the switch, so busybox itself cannot run here. Built by bench/vm.sh. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#define BENCH_BYTES (256L * 1024 * 1024)

static int open_port (void)
{
  for (int tries = 0; tries < 300; tries++)
    {
      DIR *d = opendir ("/sys/class/virtio-ports");
      struct dirent *de;
      while (d && (de = readdir (d)))
        {
          char path[300], name[64] = "";
          snprintf (path, sizeof path, "/sys/class/virtio-ports/%s/name", de->d_name);
          int fd = open (path, O_RDONLY);
          if (fd < 0)
            continue;
          ssize_t n = read (fd, name, sizeof name - 1);
          close (fd);
          if (n > 0 && strncmp (name, "org.tether.0", 12) == 0)
            {
              snprintf (path, sizeof path, "/dev/%s", de->d_name);
              closedir (d);
              return open (path, O_WRONLY);
            }
        }
      if (d)
        closedir (d);
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
