/* Named bridge networks' records (netrec.h). */
#include "netrec.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "netspec.h"
#include "statedir.h"

bool netrec_name_valid (const char *name)
{
  size_t n = strlen (name);
  if (n == 0 || n > NETREC_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    {
      char c = name[i];
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
        return false;
    }
  return true;
}

bool netrec_predefined (const char *name)
{
  return strcmp (name, "bridge") == 0 || strcmp (name, "host") == 0 || strcmp (name, "none") == 0
         || strcmp (name, "default") == 0;
}

/* A message of docker's own (no strerror appended) with an errno callers test. */
#define fail_as(err, e, ...) (terr_set ((err), 0, __VA_ARGS__), (err)->errnum = (e), -1)

/* make: create networks/ (a writer); a reader finds nothing where it is missing. */
static int rec_path_in (bool make, const char *name, const char *ext, char *out, size_t cap, struct terr *err)
{
  char dir[PATH_MAX];
  if (make ? state_subdir ("networks", dir, sizeof dir, err) < 0
           : snprintf (dir, sizeof dir, "%s/networks", state_dir ()) >= (int) sizeof dir)
    return make ? -1 : terr_set (err, ENAMETOOLONG, "state directory");
  int k = snprintf (out, cap, "%s/%s.%s", dir, name, ext);
  if (k < 0 || (size_t) k >= cap)
    return terr_set (err, ENAMETOOLONG, "network %s: path too long", name);
  return 0;
}

/* The lock that orders every change to NAME's record: an fd to close. */
static int rec_lock (const char *name, struct terr *err)
{
  char p[PATH_MAX];
  if (rec_path_in (true, name, "lock", p, sizeof p, err) < 0)
    return -1;
  int fd = open (p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "open %s", p);
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int e = errno;
        close (fd);
        return terr_set (err, e, "flock %s", p);
      }
  return fd;
}

static void copy_str (char *dst, size_t cap, json_t *o, const char *key)
{
  const char *s = json_string_value (json_object_get (o, key));
  snprintf (dst, cap, "%s", s ? s : "");
}

static int rec_read (const char *name, struct netrec *n, struct terr *err)
{
  char p[PATH_MAX];
  if (!netrec_name_valid (name))
    return fail_as (err, ENOENT, "network %s not found", name);
  if (rec_path_in (false, name, "json", p, sizeof p, err) < 0)
    return -1;
  json_error_t je;
  json_t *o = json_load_file (p, 0, &je);
  if (!o)
    return access (p, F_OK) == 0 ? terr_set (err, EIO, "network %s: %s: %s", name, p, je.text)
                                 : fail_as (err, ENOENT, "network %s not found", name);
  memset (n, 0, sizeof *n);
  copy_str (n->name, sizeof n->name, o, "Name");
  copy_str (n->id, sizeof n->id, o, "Id");
  copy_str (n->subnet, sizeof n->subnet, o, "Subnet");
  copy_str (n->gateway, sizeof n->gateway, o, "Gateway");
  copy_str (n->netns, sizeof n->netns, o, "Netns");
  copy_str (n->bridge, sizeof n->bridge, o, "Bridge");
  n->dhcp = json_is_true (json_object_get (o, "Dhcp"));
  n->created_ns = json_integer_value (json_object_get (o, "CreatedNs"));
  const char *k;
  json_t *v;
  json_object_foreach (json_object_get (o, "Containers"), k, v)
  {
    if (n->n_ctrs == NETREC_MAX_CTRS)
      break;
    struct netrec_ctr *c = &n->ctrs[n->n_ctrs++];
    snprintf (c->id, sizeof c->id, "%s", k);
    snprintf (c->address, sizeof c->address, "%s", json_string_value (v) ? json_string_value (v) : "");
  }
  json_decref (o);
  return 0;
}

/* Written to a temporary file and renamed: a reader never sees half a record. */
static int rec_write (const struct netrec *n, struct terr *err)
{
  char p[PATH_MAX], tmp[PATH_MAX + 8];
  if (rec_path_in (true, n->name, "json", p, sizeof p, err) < 0)
    return -1;
  snprintf (tmp, sizeof tmp, "%s.tmp", p);
  json_t *ctrs = json_object ();
  for (size_t i = 0; ctrs && i < n->n_ctrs; i++)
    json_object_set_new (ctrs, n->ctrs[i].id, json_string (n->ctrs[i].address));
  json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:o}", "Name", n->name, "Id", n->id, "Subnet",
                         n->subnet, "Gateway", n->gateway, "Netns", n->netns, "Bridge", n->bridge, "Dhcp", n->dhcp,
                         "CreatedNs", (json_int_t) n->created_ns, "Containers", ctrs);
  if (!o)
    return terr_set (err, ENOMEM, "network %s", n->name);
  int r = json_dump_file (o, tmp, JSON_INDENT (2));
  json_decref (o);
  if (r < 0 || rename (tmp, p) < 0)
    {
      unlink (tmp);
      return terr_set (err, errno ? errno : EIO, "writing %s", p);
    }
  return 0;
}

static uint32_t prefix_mask (int prefix) { return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix); }

int netrec_create (struct netrec *n, const char *name, const char *subnet, const char *gateway, bool dhcp,
                   const char *netns, struct terr *err)
{
  if (!netrec_name_valid (name))
    return fail_as (err, EINVAL, "invalid network name \"%.80s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most %d bytes",
                     name, NETREC_NAME_MAX);
  if (netrec_predefined (name))
    return fail_as (err, EEXIST, "network with name %s already exists", name);
  if (netns && netns[0] && (!netrec_name_valid (netns)))
    return fail_as (err, EINVAL, "network namespace \"%.80s\": want a name under /run/netns", netns);
  struct in_addr a, gw;
  int prefix;
  if (net_cidr_parse (subnet ? subnet : NETREC_DEFAULT_SUBNET, &a, &prefix) < 0 || prefix < 8 || prefix > 30)
    return fail_as (err, EINVAL, "invalid subnet %.40s: want A.B.C.D/N with N from 8 to 30", subnet);
  uint32_t mask = prefix_mask (prefix), net = ntohl (a.s_addr) & mask;
  if (gateway)
    {
      if (net_ip_parse (gateway, &gw) < 0)
        return fail_as (err, EINVAL, "invalid gateway %.40s", gateway);
      uint32_t g = ntohl (gw.s_addr);
      if ((g & mask) != net || g == net || g == (net | ~mask))
        return fail_as (err, EINVAL, "no matching subnet for gateway %s", gateway);
    }
  else
    gw.s_addr = htonl (net + 1);
  int lk = rec_lock (name, err);
  if (lk < 0)
    return -1;
  struct netrec old;
  struct terr e2;
  if (rec_read (name, &old, &e2) == 0)
    {
      close (lk);
      return fail_as (err, EEXIST, "network with name %s already exists", name);
    }
  memset (n, 0, sizeof *n);
  snprintf (n->name, sizeof n->name, "%s", name);
  uint8_t rnd[32];
  if (getrandom (rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
    {
      close (lk);
      return terr_set (err, errno, "getrandom");
    }
  for (size_t i = 0; i < sizeof rnd; i++)
    snprintf (n->id + 2 * i, 3, "%02x", rnd[i]);
  struct in_addr na = { .s_addr = htonl (net) };
  char ip[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &na, ip, sizeof ip);
  snprintf (n->subnet, sizeof n->subnet, "%s/%d", ip, prefix);
  inet_ntop (AF_INET, &gw, n->gateway, sizeof n->gateway);
  snprintf (n->netns, sizeof n->netns, "%s", netns ? netns : "");
  snprintf (n->bridge, sizeof n->bridge, "tb-%.12s", n->id);
  n->dhcp = dhcp;
  n->created_ns = now_real_ns ();
  int r = rec_write (n, err);
  close (lk);
  return r;
}

int netrec_list (char (*names)[NETREC_NAME_MAX + 1], size_t cap, struct terr *err)
{
  char dir[PATH_MAX];
  snprintf (dir, sizeof dir, "%s/networks", state_dir ());
  struct dirent **ents;
  int n = scandir (dir, &ents, NULL, alphasort);
  if (n < 0)
    return errno == ENOENT ? 0 : terr_set (err, errno, "scandir %s", dir);
  size_t k = 0;
  for (int i = 0; i < n; i++)
    {
      size_t len = strlen (ents[i]->d_name);
      if (len > 5 && strcmp (ents[i]->d_name + len - 5, ".json") == 0 && len - 5 <= NETREC_NAME_MAX && k < cap)
        snprintf (names[k++], NETREC_NAME_MAX + 1, "%.*s", (int) (len - 5), ents[i]->d_name);
      free (ents[i]);
    }
  free (ents);
  return (int) k;
}

int netrec_load (const char *name, struct netrec *n, struct terr *err)
{
  if (rec_read (name, n, err) == 0)
    return 0;
  if (err->errnum != ENOENT || strlen (name) == 0)
    return -1;
  /* docker takes a network's id or a unique prefix of it too */
  static char names[NETREC_MAX_CTRS][NETREC_NAME_MAX + 1];
  struct terr e2;
  int k = netrec_list (names, NETREC_MAX_CTRS, &e2), found = 0;
  char hit[NETREC_NAME_MAX + 1] = "";
  for (int i = 0; i < k; i++)
    if (rec_read (names[i], n, &e2) == 0 && strncmp (n->id, name, strlen (name)) == 0)
      found++, snprintf (hit, sizeof hit, "%.*s", NETREC_NAME_MAX, names[i]);
  if (found != 1)
    return fail_as (err, ENOENT, found ? "network %s is ambiguous (%d matches)" : "network %s not found", name,
                     found);
  return rec_read (hit, n, err);
}

int netrec_remove (const char *name, struct terr *err)
{
  struct netrec *n = malloc (sizeof *n);
  if (!n)
    return terr_set (err, ENOMEM, "network %s", name);
  int r = -1;
  if (netrec_load (name, n, err) < 0)
    goto out;
  int lk = rec_lock (n->name, err);
  if (lk < 0)
    goto out;
  if (rec_read (n->name, n, err) == 0)
    {
      if (n->n_ctrs)
        (void) fail_as (err, EBUSY, "error while removing network: network %s id %s has active endpoints", n->name, n->id);
      else
        {
          char p[PATH_MAX];
          if (rec_path_in (true, n->name, "json", p, sizeof p, err) == 0)
            r = unlink (p) == 0 ? 0 : terr_set (err, errno, "unlink %s", p);
          if (r == 0 && rec_path_in (true, n->name, "lock", p, sizeof p, err) == 0)
            unlink (p);
        }
    }
  close (lk);
out:
  free (n);
  return r;
}

/* The lowest host address of the subnet that is neither the gateway nor taken. */
static int pick_address (const struct netrec *n, char *out, size_t cap, struct terr *err)
{
  struct in_addr a, gw;
  int prefix;
  if (net_cidr_parse (n->subnet, &a, &prefix) < 0 || net_ip_parse (n->gateway, &gw) < 0)
    return fail_as (err, EINVAL, "network %s: a broken record (subnet %s, gateway %s)", n->name, n->subnet,
                     n->gateway);
  uint32_t mask = prefix_mask (prefix), net = ntohl (a.s_addr) & mask, bcast = net | ~mask;
  for (uint32_t h = net + 1; h < bcast; h++)
    {
      if (h == ntohl (gw.s_addr))
        continue;
      struct in_addr ha = { .s_addr = htonl (h) };
      char ip[INET_ADDRSTRLEN], cidr[24];
      inet_ntop (AF_INET, &ha, ip, sizeof ip);
      snprintf (cidr, sizeof cidr, "%s/%d", ip, prefix);
      bool taken = false;
      for (size_t i = 0; i < n->n_ctrs && !taken; i++)
        taken = strcmp (n->ctrs[i].address, cidr) == 0;
      if (!taken)
        return snprintf (out, cap, "%s", cidr), 0;
    }
  return fail_as (err, ENOSPC, "no available IPv4 addresses on network %s (%s)", n->name, n->subnet);
}

int netrec_attach (const char *name, const char *id, struct netrec *n, char *address, size_t cap, struct terr *err)
{
  if (netrec_load (name, n, err) < 0)
    return -1;
  int lk = rec_lock (n->name, err);
  if (lk < 0)
    return -1;
  int r = rec_read (n->name, n, err);
  size_t i = 0;
  while (r == 0 && i < n->n_ctrs && strcmp (n->ctrs[i].id, id) != 0)
    i++;
  if (r == 0 && i == n->n_ctrs)
    {
      char a[24] = "";
      if (n->n_ctrs == NETREC_MAX_CTRS)
        r = fail_as (err, ENOSPC, "network %s: at most %d containers", n->name, NETREC_MAX_CTRS);
      else if (!n->dhcp)
        r = pick_address (n, a, sizeof a, err);
      if (r == 0)
        {
          snprintf (n->ctrs[i].id, sizeof n->ctrs[i].id, "%s", id);
          snprintf (n->ctrs[i].address, sizeof n->ctrs[i].address, "%s", a);
          n->n_ctrs++;
          r = rec_write (n, err);
        }
    }
  if (r == 0)
    snprintf (address, cap, "%s", n->ctrs[i].address);
  close (lk);
  return r;
}

int netrec_detach (const char *name, const char *id, struct terr *err)
{
  struct netrec *n = malloc (sizeof *n);
  if (!n)
    return terr_set (err, ENOMEM, "network %s", name);
  int r = 0, lk = netrec_name_valid (name) ? rec_lock (name, err) : -1;
  if (lk >= 0)
    {
      if (rec_read (name, n, err) == 0)
        for (size_t i = 0; i < n->n_ctrs; i++)
          if (strcmp (n->ctrs[i].id, id) == 0)
            {
              n->ctrs[i] = n->ctrs[--n->n_ctrs];
              r = rec_write (n, err);
              break;
            }
      close (lk);
    }
  free (n);
  return r;
}

void netrec_detach_all (const char *id)
{
  static char names[NETREC_MAX_CTRS][NETREC_NAME_MAX + 1];
  struct terr err;
  int k = netrec_list (names, NETREC_MAX_CTRS, &err);
  for (int i = 0; i < k; i++)
    netrec_detach (names[i], id, &err);
}
