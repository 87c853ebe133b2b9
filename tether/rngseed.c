#include "rngseed.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "terr.h"

int rng_seed_from_host (const uint8_t *buf, size_t len)
{
  if (len < RNG_SEED_MIN || len > RNG_SEED_MAX)
    return 0;
  /* rand_pool_info ends in a flexible array: its bytes follow it in one buffer */
  _Alignas (struct rand_pool_info) uint8_t req[sizeof (struct rand_pool_info) + RNG_SEED_MAX];
  struct rand_pool_info *info = (struct rand_pool_info *) req;
  info->entropy_count = (int) (len * 8);
  info->buf_size = (int) len;
  memcpy (req + sizeof *info, buf, len);
  cleanup_close int fd = open ("/dev/urandom", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ioctl (fd, RNDADDENTROPY, info) < 0 || ioctl (fd, RNDRESEEDCRNG) < 0)
    {
      log_warn ("rng: seeding from the host: %s", strerror (errno));
      explicit_bzero (req, sizeof req);
      return -1;
    }
  explicit_bzero (req, sizeof req);
  return 0;
}
