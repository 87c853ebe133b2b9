/* libFuzzer target for the boot config: the packed ContainerConfig a VM's
 * tether takes from fw_cfg (tether/vm.c read_fw_cfg -> vm_on_config), with
 * every check it passes on the way (proto/cfgcheck.c and container_create's:
 * id, command, name, env, cwd, the health check's durations), then what the
 * endpoint is sent back about it (inspect: container_fill_info packed into a
 * container_list frame, which must decode again). The container is removed
 * after each input, so the table never fills. */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "tether.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

static struct msg_arena arena;
static uint8_t out[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN];

static void inspect (struct container *ct)
{
  ContainerInfo info;
  char status[64];
  container_fill_info (ct, &info, status);
  ContainerInfo *list[1] = { &info };
  ContainerList cl = CONTAINER_LIST__INIT;
  cl.n_containers = 1;
  cl.containers = list;
  Msg m = MSG__INIT;
  m.request_id = 7;
  m.body_case = MSG__BODY_CONTAINER_LIST;
  m.container_list = &cl;
  ssize_t n = msg_frame_pack (&m, 0, out, sizeof out);
  if (n < 0)
    return; /* bigger than a frame: the tether answers with an error */
  msg_arena_reset (&arena);
  Msg *back = msg_unpack (&arena, out + FRAME_HDR_LEN, (size_t) n - FRAME_HDR_LEN);
  CHECK (back && back->body_case == MSG__BODY_CONTAINER_LIST && back->container_list->n_containers == 1);
  CHECK (strcmp (back->container_list->containers[0]->config->id, ct->id) == 0);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > FRAME_MAX_PAYLOAD)
    return 0; /* read_fw_cfg ignores a bigger one before unpacking */
  ContainerConfig *cfg = container_config__unpack (NULL, size, data);
  if (!cfg)
    return 0;
  struct terr err = { 0 };
  bool existed;
  struct container *ct = container_create (cfg, &existed, &err);
  if (ct)
    {
      CHECK (!existed && strcmp (ct->id, cfg->id) == 0);
      /* the same config again is an idempotent retry */
      struct container *again = container_create (cfg, &existed, &err);
      CHECK (again == ct && existed);
      inspect (ct);
      CHECK (container_remove (ct, true, &err) == 0);
      container_reap_dead ();
    }
  else
    CHECK (err.msg[0] != '\0');
  container_config__free_unpacked (cfg, NULL);
  CHECK (containers == NULL);
  return 0;
}
