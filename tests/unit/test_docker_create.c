/* host/docker/ctrcreate.c and names.c: the bodies the docker CLIs really send
 * (tests/unit/fixtures/create-*.json, captured from docker 28.2.2 and 20.10.24)
 * and each field refused by name. Run from the repository root (make test-unit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "cfgcheck.h"
#include "ctrcreate.h"
#include "names.h"
#include "unit.h"

#define FIXTURES "tests/unit/fixtures/"

static char *slurp (const char *name, size_t *len)
{
  char path[256];
  snprintf (path, sizeof path, FIXTURES "%s", name);
  FILE *f = fopen (path, "rb");
  assert_non_null (f);
  static char buf[64 * 1024];
  *len = fread (buf, 1, sizeof buf - 1, f);
  buf[*len] = '\0';
  fclose (f);
  char *s = malloc (*len + 1);
  memcpy (s, buf, *len + 1);
  return s;
}

struct result {
  struct create_req r;
  int status;
  char why[512];
  int rc;
};

static struct result *parse_text (const char *body, size_t len, const char *name)
{
  struct result *x = calloc (1, sizeof *x);
  x->rc = create_req_parse (&x->r, body, len, name, &x->status, x->why, sizeof x->why);
  return x;
}

static void done (struct result *x)
{
  create_req_free (&x->r);
  free (x);
}

static struct result *parse_fixture (const char *file, const char *name)
{
  size_t len;
  char *body = slurp (file, &len);
  struct result *x = parse_text (body, len, name);
  free (body);
  if (x->rc != 0)
    {
      char why[600];
      snprintf (why, sizeof why, "%s: %d %s", file, x->status, x->why);
      done (x);
      fail_msg ("%s", why);
    }
  return x;
}

/* The echo fixture with key (a path "A.B") set to the JSON value: the base of
 * every refusal test, so only that field differs from what the CLI sends. */
static struct result *parse_with (const char *path, const char *value)
{
  size_t len;
  char *text = slurp ("create-28-echo.json", &len);
  json_t *root = json_loads (text, 0, NULL);
  free (text);
  assert_non_null (root);
  json_t *v = json_loads (value, JSON_DECODE_ANY, NULL);
  assert_non_null (v);
  char p[128];
  snprintf (p, sizeof p, "%s", path);
  json_t *o = root;
  char *dot;
  char *k = p;
  while ((dot = strchr (k, '.')) != NULL)
    {
      *dot = '\0';
      o = json_object_get (o, k);
      assert_non_null (o);
      k = dot + 1;
    }
  json_object_set_new (o, k, v);
  char *body = json_dumps (root, 0);
  json_decref (root);
  struct result *x = parse_text (body, strlen (body), NULL);
  free (body);
  return x;
}

static void expect_refused (const char *path, const char *value, int status, const char *text)
{
  struct result *x = parse_with (path, value);
  if (x->rc != -1 || x->status != status || strstr (x->why, text) == NULL)
    fail_msg ("%s=%s: rc %d status %d why '%s' (want %d '%s')", path, value, x->rc, x->status, x->why, status, text);
  done (x);
}

static void expect_ok (const char *path, const char *value)
{
  struct result *x = parse_with (path, value);
  if (x->rc != 0)
    fail_msg ("%s=%s: %d %s", path, value, x->status, x->why);
  done (x);
}

static void echo_bodies_of_both_clis (void **state)
{
  (void) state;
  const char *files[] = { "create-28-echo.json", "create-20-echo.json" };
  for (size_t i = 0; i < 2; i++)
    {
      struct result *x = parse_fixture (files[i], NULL);
      ContainerConfig *c = &x->r.cfg;
      assert_int_equal (c->n_argv, 2);
      assert_string_equal (c->argv[0], "echo");
      assert_string_equal (c->argv[1], "hi");
      assert_int_equal (c->entrypoint_len, 0);
      assert_string_equal (c->image, "busybox");
      assert_string_equal (x->r.image, "busybox");
      assert_int_equal (c->n_env, 0);
      assert_int_equal (c->n_labels, 0);
      assert_string_equal (c->cwd, "");
      assert_false (c->create_cwd);
      assert_string_equal (c->user, "");
      assert_false (c->tty);
      assert_false (c->open_stdin);
      assert_false (c->init);
      assert_false (c->auto_remove);
      assert_int_equal (c->stop_signal, 0);
      assert_int_equal (c->stop_timeout_s, -1);
      assert_null (c->healthcheck);
      /* "no" is kept for inspect; restart_mode_of reads it as no */
      assert_non_null (c->restart_policy);
      assert_string_equal (c->restart_policy->name, "no");
      assert_int_equal (c->memory_bytes, 128u << 20);
      assert_int_equal (c->cpus, 0);
      assert_int_equal (c->log_max_size, 0);
      assert_true (x->r.is_name_generated);
      assert_true (cfg_name_valid (c->name));
      assert_non_null (strchr (c->name, '_'));
      assert_int_equal (cfg_check (c, x->why, sizeof x->why), 0);
      done (x);
    }
}

static void it_rm_bodies_of_both_clis (void **state)
{
  (void) state;
  const char *files[] = { "create-28-it-rm.json", "create-20-it-rm.json" };
  for (size_t i = 0; i < 2; i++)
    {
      struct result *x = parse_fixture (files[i], NULL);
      ContainerConfig *c = &x->r.cfg;
      assert_true (c->tty);
      assert_true (c->open_stdin);
      assert_true (x->r.stdin_once);
      assert_true (c->auto_remove);
      assert_int_equal (c->n_argv, 1);
      assert_string_equal (c->argv[0], "sh");
      done (x);
    }
}

static void full_bodies_of_both_clis (void **state)
{
  (void) state;
  const char *files[] = { "create-28-full.json", "create-20-full.json" };
  for (size_t i = 0; i < 2; i++)
    {
      /* the CLI sent ?name=x, which dockerd refuses: a name has two bytes at least */
      struct result *x = parse_fixture (files[i], "xy");
      ContainerConfig *c = &x->r.cfg;
      assert_string_equal (c->name, "xy");
      assert_false (x->r.is_name_generated);
      assert_int_equal (c->n_env, 1);
      assert_string_equal (c->env[0], "A=1");
      assert_string_equal (c->cwd, "/tmp");
      assert_true (c->create_cwd);
      assert_string_equal (c->user, "nobody");
      assert_true (c->init);
      assert_string_equal (c->restart_policy->name, "on-failure");
      assert_int_equal (c->restart_policy->maximum_retry_count, 3);
      assert_int_equal (c->stop_signal, 10); /* USR1 */
      assert_int_equal (c->stop_timeout_s, 5);
      assert_non_null (c->healthcheck);
      assert_int_equal (c->healthcheck->n_test, 2);
      assert_string_equal (c->healthcheck->test[0], "CMD-SHELL");
      assert_string_equal (c->healthcheck->test[1], "true");
      assert_int_equal (c->healthcheck->interval_ns, 0);
      assert_int_equal (c->memory_bytes, 256u << 20);
      assert_int_equal (c->cpus, 2); /* 1.5 rounded up */
      assert_int_equal (c->n_labels, 1);
      assert_string_equal (c->labels[0], "a=b");
      assert_true (c->tty);
      assert_false (c->auto_remove);
      done (x);
    }
}

static void entrypoint_bodies_of_both_clis (void **state)
{
  (void) state;
  const char *files[] = { "create-28-entrypoint.json", "create-20-entrypoint.json" };
  for (size_t i = 0; i < 2; i++)
    {
      struct result *x = parse_fixture (files[i], NULL);
      ContainerConfig *c = &x->r.cfg;
      assert_int_equal (c->n_argv, 2);
      assert_string_equal (c->argv[0], "/bin/echo");
      assert_string_equal (c->argv[1], "hi");
      assert_int_equal (c->entrypoint_len, 1);
      done (x);
    }
}

/* Everything the refused fixtures set is refused: the first found names it. */
static void refused_bodies_of_both_clis (void **state)
{
  (void) state;
  const char *files[] = { "create-28-refused.json", "create-20-refused.json" };
  for (size_t i = 0; i < 2; i++)
    {
      size_t len;
      char *body = slurp (files[i], &len);
      struct result *x = parse_text (body, len, NULL);
      free (body);
      assert_int_equal (x->rc, -1);
      assert_int_equal (x->status, 501);
      assert_non_null (strstr (x->why, "not supported by tetherd yet"));
      done (x);
    }
}

/* -p, -P, --network, --dns, --add-host as the CLI sends them (netconfig.c). */
static void network_fields (void **state)
{
  (void) state;
  struct result *x = parse_with ("HostConfig.PortBindings",
                                 "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"},"
                                 "{\"HostIp\":\"\",\"HostPort\":\"\"}],\"53/udp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"53\"}]}");
  assert_int_equal (x->rc, 0);
  const ContainerConfig *c = &x->r.cfg;
  assert_int_equal (c->n_ports, 3);
  unsigned tcp = 0, udp = 0;
  for (size_t i = 0; i < c->n_ports; i++)
    {
      const PortMap *p = c->ports[i];
      if (strcmp (p->proto, "udp") == 0)
        {
          udp++;
          assert_int_equal (p->ctr_port, 53);
          assert_int_equal (p->host_port, 53);
          assert_string_equal (p->host_ip, ""); /* 0.0.0.0: every address */
        }
      else
        {
          tcp++;
          assert_int_equal (p->ctr_port, 80);
          assert_true ((p->host_port == 8080 && strcmp (p->host_ip, "127.0.0.1") == 0)
                       || (p->host_port == 0 && strcmp (p->host_ip, "") == 0));
        }
    }
  assert_int_equal (tcp, 2);
  assert_int_equal (udp, 1);
  assert_string_equal (c->network, "default");
  done (x);
  /* -P: each exposed port without a binding gets one the start picks */
  x = parse_with ("ExposedPorts", "{\"80/tcp\":{},\"9000/udp\":{}}");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_exposed_ports, 2);
  assert_int_equal (x->r.cfg.n_ports, 0);
  done (x);
  x = parse_with ("HostConfig.NetworkMode", "\"none\"");
  assert_int_equal (x->rc, 0);
  assert_string_equal (x->r.cfg.network, "none");
  done (x);
  x = parse_with ("HostConfig.Dns", "[\"1.1.1.1\",\"9.9.9.9\"]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_dns, 2);
  done (x);
  static const struct { const char *path, *value, *text; } bad[] = {
    { "HostConfig.PortBindings", "{\"80/sctp\":[]}", "tcp and udp" },
    { "HostConfig.PortBindings", "{\"0/tcp\":[]}", "invalid port" },
    { "HostConfig.PortBindings", "{\"80/tcp\":[{\"HostPort\":\"70000\"}]}", "invalid port specification" },
    { "HostConfig.PortBindings", "{\"80/tcp\":[{\"HostPort\":\"8000-8010\"}]}", "invalid port specification" },
    { "HostConfig.PortBindings", "{\"80/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"80\"}]}", "invalid IP address" },
    { "HostConfig.PortBindings", "{\"80/tcp\":7}", "cannot unmarshal" },
    { "HostConfig.Dns", "[\"not-an-ip\"]", "invalid DNS address" },
    { "HostConfig.ExtraHosts", "[\"nocolon\"]", "invalid IP address in add-host" },
    { "ExposedPorts", "{\"http\":{}}", "invalid port" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      x = parse_with (bad[i].path, bad[i].value);
      if (x->rc != -1 || x->status != 400 || !strstr (x->why, bad[i].text))
        fail_msg ("%s=%s: rc %d status %d why '%s' (want 400 '%s')", bad[i].path, bad[i].value, x->rc, x->status,
                  x->why, bad[i].text);
      done (x);
    }
}

/* GroupAdd, CapAdd, CapDrop, Privileged, SecurityOpt no-new-privileges: taken
 * as given (inspect shows them so); dockerd's texts for what it refuses. */
static void confinement_fields (void **state)
{
  (void) state;
  struct result *x = parse_with ("HostConfig.CapAdd", "[\"net_admin\", \"CAP_SYS_TIME\"]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_cap_add, 2);
  assert_string_equal (x->r.cfg.cap_add[0], "net_admin");
  done (x);
  x = parse_with ("HostConfig.CapDrop", "[\"ALL\"]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_cap_drop, 1);
  done (x);
  x = parse_with ("HostConfig.GroupAdd", "[\"staff\", \"7\"]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_group_add, 2);
  assert_string_equal (x->r.cfg.group_add[1], "7");
  done (x);
  x = parse_with ("HostConfig.Privileged", "true");
  assert_int_equal (x->rc, 0);
  assert_true (x->r.cfg.privileged);
  done (x);
  static const char *const nnp[][2] = {
    { "[\"no-new-privileges\"]", "1" }, { "[\"no-new-privileges:true\"]", "1" },
    { "[\"no-new-privileges=1\"]", "1" }, { "[\"no-new-privileges=true\", \"no-new-privileges:false\"]", "0" },
  };
  for (size_t i = 0; i < sizeof nnp / sizeof nnp[0]; i++)
    {
      x = parse_with ("HostConfig.SecurityOpt", nnp[i][0]);
      assert_int_equal (x->rc, 0);
      assert_int_equal (x->r.cfg.no_new_privileges, nnp[i][1][0] == '1');
      done (x);
    }
  expect_refused ("HostConfig.CapAdd", "[\"foo\"]", 400, "invalid CapAdd: unknown capability: \"CAP_FOO\"");
  expect_refused ("HostConfig.CapDrop", "[\"chown\", \"bar\"]", 400, "invalid CapDrop: unknown capability: \"CAP_BAR\"");
  expect_refused ("HostConfig.CapAdd", "\"NET_ADMIN\"", 400, "HostConfig.CapAdd");
  expect_refused ("HostConfig.GroupAdd", "[7]", 400, "HostConfig.GroupAdd");
  expect_refused ("HostConfig.SecurityOpt", "[\"no-new-privileges:bogus\"]", 400,
                  "invalid --security-opt 2: \"no-new-privileges:bogus\"");
  expect_refused ("HostConfig.SecurityOpt", "[\"colour=red\"]", 400, "invalid --security-opt 2: \"colour=red\"");
  expect_refused ("HostConfig.SecurityOpt", "[\"bogus\"]", 400, "invalid --security-opt 1: \"bogus\"");
  /* one parser for both options: each keeps the other's value */
  x = parse_with ("HostConfig.SecurityOpt", "[\"no-new-privileges\", \"seccomp=unconfined\"]");
  assert_int_equal (x->rc, 0);
  assert_true (x->r.cfg.no_new_privileges);
  assert_int_equal (x->r.cfg.seccomp_mode, SECCOMP_MODE__SECCOMP_UNCONFINED);
  done (x);
  expect_refused ("HostConfig.SecurityOpt", "[\"label=disable\"]", 501, "HostConfig.SecurityOpt 'label'");
  expect_refused ("HostConfig.SecurityOpt", "[\"disable\"]", 501, "HostConfig.SecurityOpt 'label=disable'");
  expect_refused ("HostConfig.SecurityOpt", "[\"apparmor:x\"]", 501, "HostConfig.SecurityOpt 'apparmor'");
  expect_refused ("HostConfig.SecurityOpt", "\"no-new-privileges\"", 400, "HostConfig.SecurityOpt");
}

static void each_refused_field (void **state)
{
  (void) state;
  static const struct { const char *path, *value, *text; } cases[] = {
    { "HostConfig.Binds", "[\"/tmp:/x\"]", "HostConfig.Binds (bind mounts of host paths: /tmp:/x)" },
    { "HostConfig.Binds", "[\"anon:/y:ro\"]", "HostConfig.Binds (volume options :ro)" },
    { "HostConfig.Mounts", "[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/v\"}]",
      "HostConfig.Mounts (named volume mounts, on /v)" },
    { "HostConfig.Mounts", "[{\"Type\":\"tmpfs\",\"Target\":\"/t\"},{\"Type\":\"bind\",\"Source\":\"/a\",\"Target\":\"/b\"}]",
      "HostConfig.Mounts (host path bind mounts, on /b)" },
    { "HostConfig.Devices", "[{\"PathOnHost\":\"/dev/null\"}]", "HostConfig.Devices (--device)" },
    { "HostConfig.NetworkMode", "\"host\"", "HostConfig.NetworkMode 'host' (--network)" },
    { "HostConfig.NetworkMode", "\"container:abc\"", "HostConfig.NetworkMode 'container:abc'" },
    { "HostConfig.DnsSearch", "[\"x\"]", "HostConfig.DnsSearch (--dns-search)" },
    { "HostConfig.PidMode", "\"host\"", "HostConfig.PidMode (--pid)" },
    { "HostConfig.IpcMode", "\"host\"", "HostConfig.IpcMode (--ipc)" },
    { "HostConfig.UTSMode", "\"host\"", "HostConfig.UTSMode (--uts)" },
    { "HostConfig.UsernsMode", "\"host\"", "HostConfig.UsernsMode (--userns)" },
    { "HostConfig.CgroupParent", "\"x\"", "HostConfig.CgroupParent" },
    { "HostConfig.PidsLimit", "10", "HostConfig.PidsLimit (--pids-limit)" },
    { "HostConfig.CpuShares", "512", "HostConfig.CpuShares" },
    { "HostConfig.BlkioWeight", "100", "HostConfig.BlkioWeight is not supported" },   /* by its key */
    { "HostConfig.OomKillDisable", "true", "HostConfig.OomKillDisable is not supported" },
    { "HostConfig.SomethingNew", "\"x\"", "HostConfig.SomethingNew is not supported" }, /* unknown */
    { "HostConfig.MemorySwappiness", "10", "HostConfig.MemorySwappiness" },
    { "HostConfig.CgroupnsMode", "\"host\"", "HostConfig.CgroupnsMode 'host'" },
    { "HostConfig.LogConfig", "{\"Type\":\"syslog\",\"Config\":{}}", "LogConfig.Type 'syslog' (--log-driver)" },
    { "HostConfig.LogConfig", "{\"Type\":\"json-file\",\"Config\":{\"compress\":\"true\"}}",
      "HostConfig.LogConfig.Config.compress" },
    { "Domainname", "\"d.example\"", "Config.Domainname (--domainname)" },
    { "MacAddress", "\"02:42:ac:11:00:02\"", "Config.MacAddress" },
    { "NetworkDisabled", "true", "Config.NetworkDisabled" },
    { "StopTimeout", "-1", "Config.StopTimeout" },
    { "NetworkingConfig", "{\"EndpointsConfig\":{\"default\":{\"Aliases\":[\"a\"]}}}",
      "NetworkingConfig.EndpointsConfig.default (endpoint settings" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    expect_refused (cases[i].path, cases[i].value, 501, cases[i].text);
  /* a bridge network that has no record (host/common/netrec.h): docker's words, not
   * its 404 (the CLI would pull the image) */
  expect_refused ("NetworkingConfig", "{\"EndpointsConfig\":{\"mynet\":{}}}", 400, "network mynet not found");
  expect_refused ("HostConfig.NetworkMode", "\"mynet\"", 400, "network mynet not found");
  /* the same fields at the zero values the CLIs send pass */
  expect_ok ("HostConfig.NetworkMode", "\"bridge\"");
  expect_ok ("HostConfig.NetworkMode", "\"none\"");
  expect_ok ("HostConfig.NetworkMode", "\"\"");
  expect_ok ("HostConfig.MemorySwappiness", "null");
  expect_ok ("HostConfig.MaskedPaths", "null");
  expect_ok ("HostConfig.Binds", "[]");
  expect_ok ("HostConfig.BlkioWeight", "0");
  expect_ok ("HostConfig.ContainerIDFile", "\"/tmp/cid\""); /* the CLI's own business */
  expect_ok ("HostConfig.CgroupnsMode", "\"private\"");
  expect_ok ("NetworkingConfig", "{\"EndpointsConfig\":{}}");
  expect_ok ("NetworkingConfig", "null");
  expect_ok ("HostConfig", "null");
}

/* Ulimits, ReadonlyRootfs, Tmpfs, Mounts of type tmpfs, Sysctls, ShmSize and
 * the system paths reach the config; bad values get dockerd's texts. */
static void hardening_fields (void **state)
{
  (void) state;
  struct result *x = parse_with ("HostConfig.Ulimits", "[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":20}]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_rlimits, 1);
  assert_int_equal (x->r.cfg.rlimits[0]->resource, 7); /* RLIMIT_NOFILE */
  assert_int_equal (x->r.cfg.rlimits[0]->soft, 10);
  assert_int_equal (x->r.cfg.rlimits[0]->hard, 20);
  done (x);
  x = parse_with ("HostConfig.ReadonlyRootfs", "true");
  assert_int_equal (x->rc, 0);
  assert_true (x->r.cfg.readonly_rootfs);
  done (x);
  x = parse_with ("HostConfig.Tmpfs", "{\"/t\":\"size=1m,exec\"}");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_tmpfs, 1);
  assert_string_equal (x->r.cfg.tmpfs[0]->path, "/t");
  assert_string_equal (x->r.cfg.tmpfs[0]->data, "size=1m");
  assert_int_equal (x->r.cfg.tmpfs[0]->flags, 6); /* MS_NOSUID | MS_NODEV */
  done (x);
  x = parse_with ("HostConfig.Mounts", "[{\"Type\":\"tmpfs\",\"Target\":\"/m\",\"ReadOnly\":true,"
                                       "\"TmpfsOptions\":{\"SizeBytes\":2097152,\"Mode\":448}}]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_tmpfs, 1);
  assert_string_equal (x->r.cfg.tmpfs[0]->data, "size=2097152,mode=700");
  assert_int_equal (x->r.cfg.tmpfs[0]->flags, 15); /* MS_RDONLY and the defaults */
  done (x);
  x = parse_with ("HostConfig.Sysctls", "{\"kernel.msgmax\":\"100\"}");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_sysctls, 1);
  assert_string_equal (x->r.cfg.sysctls[0], "kernel.msgmax=100");
  done (x);
  x = parse_with ("HostConfig.ShmSize", "1048576");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.shm_size, 1048576);
  done (x);
  /* the CLI's systempaths=unconfined: both lists empty; one list alone keeps the other's defaults */
  x = parse_with ("HostConfig.MaskedPaths", "[]");
  assert_int_equal (x->rc, 0);
  assert_true (x->r.cfg.paths_given);
  assert_int_equal (x->r.cfg.n_masked_paths, 0);
  assert_int_equal (x->r.cfg.n_readonly_paths, 5);
  done (x);
  x = parse_with ("HostConfig.MaskedPaths", "null");
  assert_int_equal (x->rc, 0);
  assert_false (x->r.cfg.paths_given);
  done (x);
  expect_refused ("HostConfig.Ulimits", "[{\"Name\":\"foo\",\"Soft\":1,\"Hard\":1}]", 400, "invalid ulimit type: foo");
  expect_refused ("HostConfig.Ulimits", "[{\"Name\":\"nofile\",\"Soft\":20,\"Hard\":10}]", 400,
                  "ulimit soft limit must be less than or equal to hard limit: 20 > 10");
  expect_refused ("HostConfig.Tmpfs", "{\"rel\":\"\"}", 400, "invalid mount path: 'rel' mount path must be absolute");
  expect_refused ("HostConfig.Tmpfs", "{\"/\":\"\"}", 400, "invalid specification: destination can't be '/'");
  expect_refused ("HostConfig.Tmpfs", "{\"/x\":\"bogus\"}", 400, "invalid tmpfs option [\"bogus\"]");
  expect_refused ("HostConfig.Mounts", "[{\"Type\":\"tmpfs\",\"Target\":\"rel\"}]", 400,
                  "invalid mount config for type \"tmpfs\": invalid mount path: 'rel' mount path must be absolute");
  expect_refused ("HostConfig.Sysctls", "{\"kernel.foo\":\"1\"}", 400,
                  "sysctl \"kernel.foo\" is not in a separate kernel namespace");
  expect_refused ("HostConfig.ShmSize", "-1", 400, "SHM size can not be less than 0");
}

static void docker_rules_with_docker_texts (void **state)
{
  (void) state;
  expect_refused ("Env", "[\"=bad\"]", 400, "invalid environment variable: =bad");
  expect_refused ("Env", "[\"\"]", 400, "invalid environment variable: ");
  expect_refused ("WorkingDir", "\"rel\"", 400, "the working directory 'rel' is invalid, it needs to be an absolute path");
  expect_refused ("StopSignal", "\"BOGUS\"", 400, "Invalid signal: BOGUS");
  expect_refused ("HostConfig.RestartPolicy", "{\"Name\":\"sometimes\"}", 400, "invalid restart policy 'sometimes'");
  expect_refused ("HostConfig.RestartPolicy", "{\"Name\":\"always\",\"MaximumRetryCount\":3}", 400,
                  "maximum retry count cannot be used with restart policy 'always'");
  expect_refused ("HostConfig.RestartPolicy", "{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}", 400,
                  "maximum retry count cannot be negative");
}

static void autoremove_with_restart (void **state)
{
  (void) state;
  size_t len;
  char *text = slurp ("create-28-echo.json", &len);
  json_t *root = json_loads (text, 0, NULL);
  free (text);
  json_t *h = json_object_get (root, "HostConfig");
  json_object_set_new (h, "AutoRemove", json_true ());
  json_object_set_new (h, "RestartPolicy", json_pack ("{s:s,s:i}", "Name", "always", "MaximumRetryCount", 0));
  char *body = json_dumps (root, 0);
  struct result *x = parse_text (body, strlen (body), NULL);
  assert_int_equal (x->rc, -1);
  assert_int_equal (x->status, 400);
  assert_string_equal (x->why, "can't create 'AutoRemove' container with restart policy");
  done (x);
  free (body);
  /* with "no" it is fine */
  json_object_set_new (h, "RestartPolicy", json_pack ("{s:s}", "Name", "no"));
  body = json_dumps (root, 0);
  x = parse_text (body, strlen (body), NULL);
  assert_int_equal (x->rc, 0);
  assert_true (x->r.cfg.auto_remove);
  done (x);
  free (body);
  json_decref (root);
}

static void signals_timeouts_resources (void **state)
{
  (void) state;
  const char *sigs[][2] = { { "\"SIGUSR1\"", "10" }, { "\"USR1\"", "10" }, { "\"10\"", "10" }, { "\"kill\"", "9" } };
  for (size_t i = 0; i < 4; i++)
    {
      struct result *x = parse_with ("StopSignal", sigs[i][0]);
      assert_int_equal (x->rc, 0);
      assert_int_equal (x->r.cfg.stop_signal, atoi (sigs[i][1]));
      done (x);
    }
  struct result *x = parse_with ("StopTimeout", "null");
  assert_int_equal (x->r.cfg.stop_timeout_s, -1);
  done (x);
  x = parse_with ("StopTimeout", "0");
  assert_int_equal (x->r.cfg.stop_timeout_s, 0);
  done (x);
  expect_refused ("StopTimeout", "\"5\"", 400, "json: cannot unmarshal string into Go struct field Config.StopTimeout");
  expect_refused ("HostConfig.Memory", "50000000", 400, "Minimum memory limit allowed is 96MB");
  expect_refused ("HostConfig.Memory", "-1", 400, "invalid memory limit");
  expect_refused ("HostConfig.NanoCpus", "65000000000", 400, "Range of CPUs is from 0.01 to 64.00");
  x = parse_with ("HostConfig.NanoCpus", "10000000"); /* 0.01 */
  assert_int_equal (x->r.cfg.cpus, 1);
  done (x);
  x = parse_with ("HostConfig.NanoCpus", "64000000000");
  assert_int_equal (x->r.cfg.cpus, 64);
  done (x);
  x = parse_with ("HostConfig.ConsoleSize", "[40,120]");
  assert_int_equal (x->r.cfg.rows, 40);
  assert_int_equal (x->r.cfg.cols, 120);
  done (x);
  expect_refused ("HostConfig.ConsoleSize", "[40]", 400, "ConsoleSize");
  x = parse_with ("HostConfig.Init", "null");
  assert_int_equal (x->rc, 0);
  assert_false (x->r.cfg.init);
  done (x);
}

static void log_config (void **state)
{
  (void) state;
  struct result *x = parse_with ("HostConfig.LogConfig",
                                 "{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"10m\",\"max-file\":\"3\"}}");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.log_max_size, 10000000);
  assert_int_equal (x->r.cfg.log_max_file, 3);
  done (x);
  expect_refused ("HostConfig.LogConfig", "{\"Type\":\"\",\"Config\":{\"max-size\":\"lots\"}}", 400,
                  "invalid size: 'lots'");
  expect_refused ("HostConfig.LogConfig", "{\"Config\":{\"max-file\":\"0\"}}", 400, "max-file cannot be less than 1");
  expect_refused ("HostConfig.LogConfig", "{\"Config\":{\"colour\":\"red\"}}", 400,
                  "unknown log opt 'colour' for json-file log driver");
}

static void healthcheck_fields (void **state)
{
  (void) state;
  struct result *x = parse_with ("Healthcheck", "{\"Test\":[\"CMD\",\"true\"],\"Interval\":2000000000,"
                                                "\"Timeout\":1000000000,\"StartPeriod\":5000000000,"
                                                "\"StartInterval\":3000000000,\"Retries\":4}");
  assert_int_equal (x->rc, 0);
  Healthcheck *h = x->r.cfg.healthcheck;
  assert_non_null (h);
  assert_int_equal (h->n_test, 2);
  assert_string_equal (h->test[0], "CMD");
  assert_int_equal (h->interval_ns, 2000000000);
  assert_int_equal (h->timeout_ns, 1000000000);
  assert_int_equal (h->start_period_ns, 5000000000);
  assert_int_equal (h->start_interval_ns, 3000000000);
  assert_int_equal (h->retries, 4);
  done (x);
  x = parse_with ("Healthcheck", "{\"Test\":[\"NONE\"]}");
  assert_int_equal (x->r.cfg.healthcheck->n_test, 1);
  done (x);
  expect_refused ("Healthcheck", "{\"Interval\":500}", 400, "Interval in Healthcheck cannot be less than 1ms");
  expect_refused ("Healthcheck", "{\"Timeout\":-5}", 400, "Timeout in Healthcheck cannot be less than 1ms");
  expect_refused ("Healthcheck", "{\"Retries\":-1}", 400, "Retries in Healthcheck cannot be negative");
  expect_refused ("Healthcheck", "{\"Test\":[\"SHELL\",\"x\"]}", 400, "unknown Healthcheck.Test type 'SHELL'");
}

static void labels_sorted (void **state)
{
  (void) state;
  struct result *x = parse_with ("Labels", "{\"zeta\":\"1\",\"alpha\":\"\",\"mid\":\"a=b\"}");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_labels, 3);
  assert_string_equal (x->r.cfg.labels[0], "alpha=");
  assert_string_equal (x->r.cfg.labels[1], "mid=a=b");
  assert_string_equal (x->r.cfg.labels[2], "zeta=1");
  done (x);
  expect_refused ("Labels", "{\"a\":1}", 400, "json: cannot unmarshal number into Go struct field Config.Labels");
}

static void entrypoint_and_cmd (void **state)
{
  (void) state;
  static const struct { const char *ep, *cmd; size_t n, ep_len; const char *first; } cases[] = {
    { "\"/bin/sh\"", "[\"-c\",\"true\"]", 3, 1, "/bin/sh" },      /* a string entrypoint */
    { "[\"/bin/sh\",\"-c\"]", "[\"true\"]", 3, 2, "/bin/sh" },
    { "[\"/bin/echo\"]", "null", 1, 1, "/bin/echo" },
    { "\"\"", "[\"echo\"]", 1, 0, "echo" },                          /* --entrypoint "" clears */
    { "[\"\"]", "[\"echo\"]", 1, 0, "echo" },
    { "[]", "[\"echo\"]", 1, 0, "echo" },
    { "null", "\"echo hi\"", 1, 0, "echo hi" },                      /* Cmd as a string: one word */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char body[256];
      snprintf (body, sizeof body, "{\"Image\":\"busybox\",\"Entrypoint\":%s,\"Cmd\":%s}", cases[i].ep, cases[i].cmd);
      struct result *x = parse_text (body, strlen (body), NULL);
      if (x->rc != 0)
        fail_msg ("%s: %s", body, x->why);
      assert_int_equal (x->r.cfg.n_argv, cases[i].n);
      assert_int_equal (x->r.cfg.entrypoint_len, cases[i].ep_len);
      assert_string_equal (x->r.cfg.argv[0], cases[i].first);
      done (x);
    }
  /* an image's VOLUME and EXPOSE arrive merged in: accepted (anonymous volumes
   * are the create route's; exposed ports publish nothing without -p) */
  static const char vols[] = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Volumes\":{\"/z\":{}},"
                             "\"ExposedPorts\":{\"90/tcp\":{}}}";
  struct result *xv = parse_text (vols, strlen (vols), NULL);
  assert_int_equal (xv->rc, 0);
  done (xv);
  static const char *const none[] = {
    "{\"Image\":\"busybox\"}", "{\"Image\":\"busybox\",\"Cmd\":[]}", "{\"Image\":\"busybox\",\"Cmd\":null,\"Entrypoint\":[]}",
    "{\"Image\":\"busybox\",\"Entrypoint\":\"\"}",
  };
  /* no command after the image's config was merged in (imgmerge.c, before
   * this parser): dockerd's 400 */
  for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
    {
      struct result *x = parse_text (none[i], strlen (none[i]), NULL);
      assert_int_equal (x->rc, -1);
      assert_int_equal (x->status, 400);
      assert_string_equal (x->why, "No command specified");
      done (x);
    }
  expect_refused ("Cmd", "[\"echo\",1]", 400, "json: cannot unmarshal number into Go struct field Config.Cmd of type string");
  expect_refused ("Cmd", "{}", 400, "json: cannot unmarshal object into Go struct field Config.Cmd");
  expect_refused ("Env", "\"A=1\"", 400, "json: cannot unmarshal string into Go struct field Config.Env of type []string");
  expect_refused ("Tty", "1", 400, "json: cannot unmarshal number into Go struct field Config.Tty of type bool");
}

static void bad_json (void **state)
{
  (void) state;
  static const char *const bodies[] = { "", "x", "{", "{\"Cmd\":[\"a\"],}", "[1]", "\"s\"", "null", "{\"a\":\"\\u0000\"}" };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
    {
      struct result *x = parse_text (bodies[i], strlen (bodies[i]), NULL);
      if (x->rc != -1 || x->status != 400 || strncmp (x->why, "invalid JSON: ", 14) != 0)
        fail_msg ("'%s': rc %d status %d why %s", bodies[i], x->rc, x->status, x->why);
      done (x);
    }
  struct result *x = parse_text ("[1]", 3, NULL);
  assert_string_equal (x->why, "invalid JSON: json: cannot unmarshal array into Go value of type container.CreateRequest");
  done (x);
  /* the length is the bound, not a NUL */
  x = parse_text ("{\"Cmd\":[\"a\"]}garbage", 13, NULL);
  assert_int_equal (x->rc, 0);
  done (x);
  x = parse_text ("{}", CREATE_MAX_BODY + 1, NULL); /* never read past the check */
  assert_int_equal (x->status, 413);
  done (x);
}

/* A JSON array of n strings "w" (or "K=V" for env). */
static char *big_list (const char *key, size_t n, const char *item)
{
  size_t cap = n * (strlen (item) + 3) + 128;
  char *b = malloc (cap), *p = b;
  p += sprintf (p, "{\"Cmd\":[\"sh\"],\"%s\":[", key);
  for (size_t i = 0; i < n; i++)
    p += sprintf (p, "%s\"%s\"", i ? "," : "", item);
  sprintf (p, "]}");
  return b;
}

static void oversize_lists (void **state)
{
  (void) state;
  char *b = big_list ("Env", CREATE_MAX_LIST + 1, "A=1");
  struct result *x = parse_text (b, strlen (b), NULL);
  assert_int_equal (x->status, 400);
  assert_non_null (strstr (x->why, "Config.Env: more than 4096 entries"));
  done (x);
  free (b);
  b = big_list ("Entrypoint", CREATE_MAX_LIST, "e"); /* + Cmd's one: 4097 */
  x = parse_text (b, strlen (b), NULL);
  assert_int_equal (x->status, 400);
  assert_non_null (strstr (x->why, "Config.Cmd: more than 4096 entries"));
  done (x);
  free (b);
  /* within the count but past the frame's share */
  b = big_list ("Env", 4000, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=1");
  x = parse_text (b, strlen (b), NULL);
  assert_int_equal (x->status, 400);
  assert_non_null (strstr (x->why, "bytes packed, more than tetherd's"));
  done (x);
  free (b);
  b = big_list ("Env", 100, "A=1");
  x = parse_text (b, strlen (b), NULL);
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.n_env, 100);
  done (x);
  free (b);
}

static void name_rules (void **state)
{
  (void) state;
  const char *body = "{\"Cmd\":[\"sh\"]}";
  struct result *x = parse_text (body, strlen (body), "/web");
  assert_int_equal (x->rc, 0);
  assert_string_equal (x->r.cfg.name, "web");
  done (x);
  x = parse_text (body, strlen (body), "a.b-c_d9");
  assert_int_equal (x->rc, 0);
  done (x);
  static const char *const bad[] = { "x", "//web", "bad name", "-web", "w", "/", "wé" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      x = parse_text (body, strlen (body), bad[i]);
      assert_int_equal (x->rc, -1);
      assert_int_equal (x->status, 400);
      char want[128];
      snprintf (want, sizeof want, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                bad[i][0] == '/' ? bad[i] + 1 : bad[i]);
      assert_string_equal (x->why, want);
      done (x);
    }
  char longname[200];
  memset (longname, 'a', 199);
  longname[199] = '\0';
  x = parse_text (body, strlen (body), longname);
  assert_int_equal (x->status, 400);
  done (x);
  x = parse_text (body, strlen (body), "");
  assert_true (x->r.is_name_generated);
  done (x);
}

static void generated_names (void **state)
{
  (void) state;
  char a[NAMES_MAX_LEN + 1], b[NAMES_MAX_LEN + 1];
  for (unsigned long r = 0; r < 40 * 40; r++)
    {
      names_from (r, a, sizeof a);
      assert_true (cfg_name_valid (a));
      assert_true (strlen (a) <= NAMES_MAX_LEN);
      assert_non_null (strchr (a, '_'));
    }
  names_from (0, a, sizeof a);
  names_from (1, b, sizeof b);
  assert_string_not_equal (a, b);
  int differ = 0;
  for (int i = 0; i < 8; i++)
    {
      assert_int_equal (names_generate (a, sizeof a), 0);
      assert_int_equal (names_generate (b, sizeof b), 0);
      differ += strcmp (a, b) != 0;
    }
  assert_true (differ > 0);
  assert_int_equal (names_generate (a, 8), -1);
}

static void free_is_idempotent (void **state)
{
  (void) state;
  struct result *x = parse_fixture ("create-28-full.json", "xy");
  create_req_free (&x->r);
  create_req_free (&x->r);
  assert_string_equal (x->r.cfg.name, "");
  done (x);
}

/* HostConfig.SecurityOpt: the CLI sends a profile file's JSON inline. */
static void security_opt_seccomp (void **state)
{
  (void) state;
  struct result *x = parse_with ("HostConfig.SecurityOpt", "[\"seccomp=unconfined\"]");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.seccomp_mode, SECCOMP_MODE__SECCOMP_UNCONFINED);
  done (x);
  x = parse_with ("HostConfig.SecurityOpt",
                  "[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\",\\\"syscalls\\\":[{\\\"names\\\":"
                  "[\\\"mkdir\\\"],\\\"action\\\":\\\"SCMP_ACT_ERRNO\\\",\\\"errnoRet\\\":13}]}\"]");
  if (x->rc != 0)
    fail_msg ("custom profile: %d %s", x->status, x->why);
  assert_int_equal (x->r.cfg.seccomp_mode, SECCOMP_MODE__SECCOMP_CUSTOM);
  assert_non_null (x->r.cfg.seccomp_profile);
  assert_int_equal (x->r.cfg.seccomp_profile->n_rules, 1);
  assert_int_equal (x->r.cfg.seccomp_profile->rules[0]->errno_ret, 13);
  done (x);
  x = parse_with ("HostConfig.SecurityOpt", "null");
  assert_int_equal (x->rc, 0);
  assert_int_equal (x->r.cfg.seccomp_mode, SECCOMP_MODE__SECCOMP_DEFAULT);
  done (x);
  expect_refused ("HostConfig.SecurityOpt", "[\"seccomp\"]", 400, "invalid --security-opt 1: \"seccomp\"");
  expect_refused ("HostConfig.SecurityOpt", "[\"seccomp=not json\"]", 400, "Decoding seccomp profile failed");
  expect_refused ("HostConfig.SecurityOpt", "[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_X\\\"}\"]", 400,
                  "string SCMP_ACT_X is not a valid action for seccomp");
  expect_refused ("HostConfig.SecurityOpt", "[\"apparmor=unconfined\"]", 501, "HostConfig.SecurityOpt 'apparmor'");
  expect_refused ("HostConfig.SecurityOpt", "\"seccomp=unconfined\"", 400, "HostConfig.SecurityOpt");
}

UNIT_MAIN (cmocka_unit_test (echo_bodies_of_both_clis), cmocka_unit_test (it_rm_bodies_of_both_clis),
           cmocka_unit_test (full_bodies_of_both_clis), cmocka_unit_test (entrypoint_bodies_of_both_clis),
           cmocka_unit_test (refused_bodies_of_both_clis), cmocka_unit_test (each_refused_field),
           cmocka_unit_test (confinement_fields),
           cmocka_unit_test (docker_rules_with_docker_texts), cmocka_unit_test (autoremove_with_restart),
           cmocka_unit_test (signals_timeouts_resources), cmocka_unit_test (log_config),
           cmocka_unit_test (healthcheck_fields), cmocka_unit_test (labels_sorted),
           cmocka_unit_test (entrypoint_and_cmd), cmocka_unit_test (bad_json), cmocka_unit_test (oversize_lists),
           cmocka_unit_test (name_rules), cmocka_unit_test (generated_names), cmocka_unit_test (free_is_idempotent), cmocka_unit_test (network_fields),
           cmocka_unit_test (security_opt_seccomp), cmocka_unit_test (hardening_fields))
