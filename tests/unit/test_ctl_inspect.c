/* host/common/inspect.c: the ps COMMAND column and the docker-shaped inspect object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include "inspect.h"

static void command_column (void **state)
{
  (void) state;
  char b[128];
  char *a1[] = { "sleep", "100" };
  assert_string_equal (ps_command (a1, 2, 20, b, sizeof b), "\"sleep 100\"");
  char *a2[] = { "sh", "-c", "while true; do echo hi; done" };
  /* 19 characters and an ellipsis, then quoted */
  assert_string_equal (ps_command (a2, 3, 20, b, sizeof b), "\"sh -c while true; d\xe2\x80\xa6\"");
  char *a3[] = { "12345678901234567890" };
  assert_string_equal (ps_command (a3, 1, 20, b, sizeof b), "\"12345678901234567890\"");
  char *a4[] = { "echo", "\"q\"\\" };
  assert_string_equal (ps_command (a4, 2, 20, b, sizeof b), "\"echo \\\"q\\\"\\\\\"");
  assert_string_equal (ps_command (NULL, 0, 20, b, sizeof b), "\"\"");
}

static void inspect_json (struct json *j, const ContainerInfo *ci)
{
  json_init (j, 0);
  inspect_write (j, ci);
}

static void inspect_shape (void **state)
{
  (void) state;
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  char *argv[] = { "sh", "-c", "exit 3" };
  char *env[] = { "A=1" };
  cfg.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  cfg.name = "web";
  cfg.argv = argv;
  cfg.n_argv = 3;
  cfg.env = env;
  cfg.n_env = 1;
  cfg.stop_timeout_s = -1;
  ContainerInfo ci = CONTAINER_INFO__INIT;
  ci.config = &cfg;
  ci.status = "exited";
  ci.exit_code = 3;
  ci.created_ns = 1700000000LL * 1000000000LL;
  ci.started_ns = ci.created_ns + 5;
  ci.run = 1;
  struct json j;
  inspect_json (&j, &ci);
  const char *want
      = "{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
        "\"Created\":\"2023-11-14T22:13:20.000000000Z\",\"Path\":\"sh\",\"Args\":[\"-c\",\"exit 3\"],"
        "\"State\":{\"Status\":\"exited\",\"Running\":false,\"Paused\":false,\"Restarting\":false,"
        "\"OOMKilled\":false,\"Dead\":false,\"Pid\":0,\"ExitCode\":3,\"Error\":\"\","
        "\"StartedAt\":\"2023-11-14T22:13:20.000000005Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"},"
        "\"Name\":\"/web\",\"RestartCount\":0,\"ExecIDs\":null,\"AttachedClients\":[],"
        "\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"CapAdd\":null,"
        "\"CapDrop\":null,\"GroupAdd\":null,\"Privileged\":false,\"SecurityOpt\":null,\"ReadonlyRootfs\":false,"
        "\"Ulimits\":[],\"ShmSize\":67108864,\"MaskedPaths\":[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\","
        "\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\","
        "\"/proc/scsi\",\"/sys/firmware\"],\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
        "\"/proc/sysrq-trigger\"]},"
        "\"Config\":{\"Hostname\":\"0123456789ab\",\"User\":\"\",\"Tty\":false,\"OpenStdin\":false,"
        "\"Env\":[\"A=1\"],\"Cmd\":[\"sh\",\"-c\",\"exit 3\"],\"Image\":\"\",\"Entrypoint\":null,\"Labels\":{},\"WorkingDir\":\"\","
        "\"StopSignal\":\"SIGTERM\",\"StopTimeout\":10}}";
  assert_string_equal (j.buf, want);
  json_free (&j);
}

/* docker's State.Health, Config.Healthcheck (set fields only, ns) and
 * HostConfig.RestartPolicy; a restarting container counts as running, Pid 0. */
static void inspect_health_and_restart (void **state)
{
  (void) state;
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  char *argv[] = { "true" };
  cfg.id = "ab";
  cfg.argv = argv;
  cfg.n_argv = 1;
  Healthcheck hc = HEALTHCHECK__INIT;
  char *test[] = { "CMD-SHELL", "test -e /ok" };
  hc.test = test;
  hc.n_test = 2;
  hc.interval_ns = 200000000;
  hc.retries = 2;
  cfg.healthcheck = &hc;
  RestartPolicy rp = RESTART_POLICY__INIT;
  rp.name = "on-failure";
  rp.maximum_retry_count = 3;
  cfg.restart_policy = &rp;
  HealthResult r = HEALTH_RESULT__INIT;
  r.start_ns = 1700000000LL * 1000000000LL;
  r.end_ns = r.start_ns + 7;
  r.exit_code = -1;
  r.output = "Health check exceeded timeout (1s)";
  HealthResult *log[] = { &r };
  Health h = HEALTH__INIT;
  h.status = "unhealthy";
  h.failing_streak = 4;
  h.log = log;
  h.n_log = 1;
  ContainerInfo ci = CONTAINER_INFO__INIT;
  ci.config = &cfg;
  ci.status = "restarting";
  ci.pid = 77;
  ci.health = &h;
  ci.restart_count = 2;
  const char *want_state
      = "\"State\":{\"Status\":\"restarting\",\"Running\":true,\"Paused\":false,\"Restarting\":true,"
        "\"OOMKilled\":false,\"Dead\":false,\"Pid\":0,\"ExitCode\":0,\"Error\":\"\","
        "\"StartedAt\":\"0001-01-01T00:00:00Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\","
        "\"Health\":{\"Status\":\"unhealthy\",\"FailingStreak\":4,\"Log\":[{\"Start\":"
        "\"2023-11-14T22:13:20.000000000Z\",\"End\":\"2023-11-14T22:13:20.000000007Z\",\"ExitCode\":-1,"
        "\"Output\":\"Health check exceeded timeout (1s)\"}]}}";
  struct json j;
  inspect_json (&j, &ci);
  assert_non_null (strstr (j.buf, want_state));
  assert_non_null (strstr (j.buf, "\"RestartCount\":2,"));
  assert_non_null (strstr (j.buf, "\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\","
                                  "\"MaximumRetryCount\":3},"));
  assert_non_null (strstr (j.buf, "\"Cmd\":[\"true\"],\"Image\":\"\",\"Entrypoint\":null,\"Labels\":{},\"Healthcheck\":{\"Test\":[\"CMD-SHELL\","
                                  "\"test -e /ok\"],\"Interval\":200000000,\"Retries\":2},"));
  json_free (&j);
}

UNIT_MAIN (cmocka_unit_test (command_column),
    cmocka_unit_test (inspect_shape),
    cmocka_unit_test (inspect_health_and_restart))
