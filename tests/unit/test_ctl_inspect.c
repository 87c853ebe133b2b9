/* host/common/inspect.c: the ps COMMAND column and the docker-shaped inspect object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

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
  json_init (&j, 0);
  inspect_write (&j, &ci);
  const char *want
      = "{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
        "\"Created\":\"2023-11-14T22:13:20.000000000Z\",\"Path\":\"sh\",\"Args\":[\"-c\",\"exit 3\"],"
        "\"State\":{\"Status\":\"exited\",\"Running\":false,\"Paused\":false,\"Restarting\":false,"
        "\"OOMKilled\":false,\"Dead\":false,\"Pid\":0,\"ExitCode\":3,\"Error\":\"\","
        "\"StartedAt\":\"2023-11-14T22:13:20.000000005Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"},"
        "\"Name\":\"/web\",\"RestartCount\":0,\"ExecIDs\":null,"
        "\"Config\":{\"Hostname\":\"0123456789ab\",\"User\":\"\",\"Tty\":false,\"OpenStdin\":false,"
        "\"Env\":[\"A=1\"],\"Cmd\":[\"sh\",\"-c\",\"exit 3\"],\"WorkingDir\":\"\","
        "\"StopSignal\":\"SIGTERM\",\"StopTimeout\":10}}";
  assert_string_equal (j.buf, want);
  json_free (&j);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (command_column),
    cmocka_unit_test (inspect_shape),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
