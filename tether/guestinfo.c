/* The config from guestinfo (guestinfo.h): RPCI "info-get", parts, base64. */
#include "guestinfo.h"

#include <sodium/utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs.h"

int guestinfo_get (struct rpci *ch, const char *key, char *out, size_t cap, size_t *len, struct terr *err)
{
  char req[128];
  int n = snprintf (req, sizeof req, "info-get guestinfo.%s", key);
  if (n < 0 || (size_t) n >= sizeof req)
    return terr_set (err, 0, "guestinfo key too long: %s", key);
  /* The reply is "1 " or "0 " and the rest: two bytes more than the value,
   * and room for the VMX's reason ("0 No value found") when it is not set. */
  if (cap < GUESTINFO_REPLY_MIN)
    return terr_set (err, 0, "guestinfo.%s: a buffer under %d bytes", key, GUESTINFO_REPLY_MIN);
  long r = rpci_call (ch, req, (size_t) n, out, cap, err);
  if (r < 0)
    return terr_wrap (err, "guestinfo.%s", key);
  size_t got = (size_t) r;
  if (memchr (out, '\0', got))
    return terr_set (err, 0, "guestinfo.%s: the reply holds a NUL byte", key);
  if (got >= 2 && out[0] == '0' && out[1] == ' ')
    return 0;
  if (got < 2 || out[0] != '1' || out[1] != ' ')
    return terr_set (err, 0, "guestinfo.%s: a reply that is not \"1 value\" or \"0 reason\": \"%.40s\"", key, out);
  memmove (out, out + 2, got - 1); /* with its NUL */
  *len = got - 2;
  return 1;
}

/* "1".."GUESTINFO_PARTS_MAX", decimal, nothing else. */
static int parse_parts (const char *s)
{
  char *end;
  if (*s < '1' || *s > '9')
    return -1;
  unsigned long n = strtoul (s, &end, 10);
  return *end || n > GUESTINFO_PARTS_MAX ? -1 : (int) n;
}

/* Every part, concatenated into text. */
static int read_text (struct rpci *ch, char *text, size_t cap, size_t *len, struct terr *err)
{
  int r = guestinfo_get (ch, GUESTINFO_CONFIG_KEY, text, cap, len, err);
  if (r != 0)
    return r;
  char key[64], parts[GUESTINFO_REPLY_MIN];
  size_t plen;
  r = guestinfo_get (ch, GUESTINFO_CONFIG_KEY ".parts", parts, sizeof parts, &plen, err);
  if (r <= 0)
    return r;
  int n = parse_parts (parts);
  if (n < 0)
    return terr_set (err, 0, "guestinfo.%s.parts is \"%s\", not a number from 1 to %d", GUESTINFO_CONFIG_KEY, parts,
                     GUESTINFO_PARTS_MAX);
  *len = 0;
  for (int i = 0; i < n; i++)
    {
      snprintf (key, sizeof key, "%s.%d", GUESTINFO_CONFIG_KEY, i);
      if (cap - *len < GUESTINFO_REPLY_MIN)
        return terr_set (err, 0, "guestinfo.%s: the parts before .%d fill the %zu bytes of text taken", GUESTINFO_CONFIG_KEY,
                         i, cap - 1);
      size_t got;
      r = guestinfo_get (ch, key, text + *len, cap - *len, &got, err);
      if (r < 0)
        return -1;
      if (r == 0)
        return terr_set (err, 0, "guestinfo.%s is not set (guestinfo.%s.parts says %d)", key, GUESTINFO_CONFIG_KEY, n);
      *len += got;
    }
  return 1;
}

int guestinfo_config (const struct bdoor_ops *ops, uint8_t *cfg, size_t cap, size_t *len, struct terr *err)
{
  static char text[GUESTINFO_TEXT_MAX + 1];
  struct rpci ch;
  if (rpci_open (&ch, ops, err) < 0)
    return 0; /* no channel, so no config: err says why */
  size_t tlen = 0;
  int r = read_text (&ch, text, sizeof text, &tlen, err);
  rpci_close (&ch);
  if (r <= 0)
    return r;
  if (tlen == 0)
    return terr_set (err, 0, "guestinfo.%s is empty", GUESTINFO_CONFIG_KEY);
  const char *end;
  if (sodium_base642bin (cfg, cap, text, tlen, " \t\r\n", len, &end, sodium_base64_VARIANT_ORIGINAL) < 0
      || end != text + tlen)
    return terr_set (err, 0, "guestinfo.%s: not base64 of at most %zu bytes (%zu bytes of text)", GUESTINFO_CONFIG_KEY,
                     cap, tlen);
  return 1;
}

bool guestinfo_on_vmware (const char *vendor_path)
{
  char v[64];
  return sysfs_read (vendor_path, v, sizeof v) > 0 && strncmp (v, "VMware", 6) == 0;
}
