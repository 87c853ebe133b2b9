/* proto/hardspec.c: docker's --ulimit, --tmpfs, --sysctl and size values, with
 * the texts docker 20.10 gives for bad ones (seen beside dockerd here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "hardspec.h"

static void ulimits (void **state)
{
  (void) state;
  char why[300];
  Rlimit rl;
  assert_int_equal (hard_ulimit_parse ("nofile=100:200", &rl, why, sizeof why), 0);
  assert_int_equal (rl.resource, RLIMIT_NOFILE);
  assert_int_equal (rl.soft, 100);
  assert_int_equal (rl.hard, 200);
  assert_int_equal (hard_ulimit_parse ("core=-1", &rl, why, sizeof why), 0);
  assert_true (rl.soft == RLIM_INFINITY && rl.hard == RLIM_INFINITY);
  assert_int_equal (hard_ulimit_parse ("nproc=5:-1", &rl, why, sizeof why), 0);
  static const char *const bad[][2] = {
    { "foo=1", "invalid ulimit type: foo" },
    { "nofile=200:100", "ulimit soft limit must be less than or equal to hard limit: 200 > 100" },
    { "nofile=-1:100", "ulimit soft limit must be less than or equal to hard limit: -1 > 100" },
    { "nofile", "invalid ulimit argument: nofile" },
    { "nofile=x", "strconv.ParseInt: parsing \"x\": invalid syntax" },
    { "nofile=", "strconv.ParseInt: parsing \"\": invalid syntax" },
    { "nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`" },
    { "nofile=-2", "strconv.ParseInt: parsing \"-2\": invalid syntax" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      assert_int_equal (hard_ulimit_parse (bad[i][0], &rl, why, sizeof why), -1);
      assert_string_equal (why, bad[i][1]);
    }
  Rlimit big = RLIMIT__INIT;
  big.resource = 99;
  assert_int_equal (hard_rlimit_check (&big, why, sizeof why), -1);
}

static void tmpfs_options (void **state)
{
  (void) state;
  char data[HARD_TMPFS_DATA], why[300];
  uint64_t f;
  assert_int_equal (hard_tmpfs_opts ("", &f, data, sizeof data, why, sizeof why), 0);
  assert_int_equal (f, MS_NOSUID | MS_NODEV | MS_NOEXEC);
  assert_string_equal (data, "");
  assert_int_equal (hard_tmpfs_opts ("rw,size=64m,exec,mode=1777,suid", &f, data, sizeof data, why, sizeof why), 0);
  assert_int_equal (f, MS_NODEV);
  assert_string_equal (data, "size=64m,mode=1777");
  assert_int_equal (hard_tmpfs_opts ("ro,noatime", &f, data, sizeof data, why, sizeof why), 0);
  assert_int_equal (f, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_NOATIME);
  assert_int_equal (hard_tmpfs_opts ("bogus", &f, data, sizeof data, why, sizeof why), -1);
  assert_string_equal (why, "invalid tmpfs option [\"bogus\"]");
  /* no data option can carry another's syntax into mount(2) */
  assert_int_equal (hard_tmpfs_opts ("size=1m=x", &f, data, sizeof data, why, sizeof why), -1);
  assert_int_equal (hard_tmpfs_opts ("uid=", &f, data, sizeof data, why, sizeof why), -1);
  char longopt[600] = "size=";
  memset (longopt + 5, '1', 500);
  assert_int_equal (hard_tmpfs_opts (longopt, &f, data, sizeof data, why, sizeof why), -1);
  assert_int_equal (hard_tmpfs_path_check ("rel", why, sizeof why), -1);
  assert_string_equal (why, "invalid mount path: 'rel' mount path must be absolute");
  assert_int_equal (hard_tmpfs_path_check ("//", why, sizeof why), -1);
  assert_string_equal (why, "invalid specification: destination can't be '/'");
  assert_int_equal (hard_tmpfs_path_check ("/run", why, sizeof why), 0);
}

static void sysctls (void **state)
{
  (void) state;
  char why[300];
  assert_int_equal (hard_sysctl_check ("kernel.msgmax=1", why, sizeof why), 0);
  assert_int_equal (hard_sysctl_check ("fs.mqueue.msg_max=20", why, sizeof why), 0);
  assert_int_equal (hard_sysctl_check ("net.ipv4.ip_forward=1", why, sizeof why), 0);
  assert_true (hard_sysctl_is_net ("net.core.somaxconn"));
  static const char *const bad[] = { "kernel.foo=1", "kernel.hostname=x", "foo", "=1", "net./../../x=1",
                                     "kernel.msgmax", "fs.mqueue.x=1\n2" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal (hard_sysctl_check (bad[i], why, sizeof why), -1);
  hard_sysctl_check ("kernel.foo=1", why, sizeof why);
  assert_string_equal (why, "sysctl 'kernel.foo=1' is not whitelisted");
}

static void sizes (void **state)
{
  (void) state;
  int64_t n;
  assert_int_equal (hard_ram_in_bytes ("64m", &n), 0);
  assert_int_equal (n, 64 << 20);
  assert_int_equal (hard_ram_in_bytes ("1g", &n), 0);
  assert_int_equal (n, 1 << 30);
  assert_int_equal (hard_ram_in_bytes ("1024", &n), 0);
  assert_int_equal (n, 1024);
  assert_int_equal (hard_ram_in_bytes ("1.5KiB", &n), 0);
  assert_int_equal (n, 1536);
  static const char *const bad[] = { "x", "-1", "", "1q", "1mm", "99999999p" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal (hard_ram_in_bytes (bad[i], &n), -1);
}

static void whole_config (void **state)
{
  (void) state;
  char why[300];
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  TmpfsMount t = TMPFS_MOUNT__INIT, *tp = &t;
  t.path = "/x";
  t.data = "";
  cfg.tmpfs = &tp;
  cfg.n_tmpfs = 1;
  assert_int_equal (hard_check (&cfg, why, sizeof why), 0);
  t.path = "x";
  assert_int_equal (hard_check (&cfg, why, sizeof why), -1);
  t.path = "/x";
  char *sys = "kernel.core_pattern=|/x";
  cfg.sysctls = &sys;
  cfg.n_sysctls = 1;
  assert_int_equal (hard_check (&cfg, why, sizeof why), -1);
  cfg.n_sysctls = 0;
  char *mp = "rel";
  cfg.masked_paths = &mp;
  cfg.n_masked_paths = 1;
  assert_int_equal (hard_check (&cfg, why, sizeof why), -1);
}

int main (void)
{
  const struct CMUnitTest tests[] = { cmocka_unit_test (ulimits), cmocka_unit_test (tmpfs_options),
                                      cmocka_unit_test (sysctls), cmocka_unit_test (sizes),
                                      cmocka_unit_test (whole_config) };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
