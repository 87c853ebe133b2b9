#include "ctrlist.h"

#include <stdlib.h>
#include <string.h>

#include "apicaps.h"
#include "vmstate.h"

static int add_one (const char *id, void *ctx)
{
  struct ctr_list *l = ctx;
  struct terr err;
  if (l->n >= API_MAX_CONTAINERS)
    {
      l->over_cap++;
      return 0;
    }
  ContainerInfo *ci = vm_state_load (id, &err);
  if (ci == NULL)
    {
      l->unreadable++; /* a container being removed, or a torn record */
      return 0;
    }
  l->items[l->n++] = ci;
  return 0;
}

static int by_created_desc (const void *a, const void *b)
{
  const ContainerInfo *x = *(ContainerInfo *const *) a, *y = *(ContainerInfo *const *) b;
  return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

int ctr_list_load (struct ctr_list *l, struct terr *err)
{
  memset (l, 0, sizeof *l);
  l->items = calloc (API_MAX_CONTAINERS, sizeof *l->items);
  if (l->items == NULL)
    return terr_set (err, ENOMEM, "container list");
  vm_each (add_one, l);
  qsort (l->items, l->n, sizeof l->items[0], by_created_desc);
  return 0;
}

void ctr_list_free (struct ctr_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    container_info__free_unpacked (l->items[i], NULL);
  free (l->items);
  memset (l, 0, sizeof *l);
}

int ctr_is_running (const ContainerInfo *ci)
{
  const char *s = ci->status ? ci->status : "";
  return strcmp (s, "running") == 0 || strcmp (s, "restarting") == 0;
}
