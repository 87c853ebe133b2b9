/* host/common/portspec.c and proto/netspec.c: docker's -p syntax, picking and
 * checking host ports, and the network fields' checks the tether repeats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfgcheck.h"
#include "netspec.h"
#include "portspec.h"

static void parses_dockers_forms (void **state)
{
  (void) state;
  static const struct { const char *spec, *proto, *ip; unsigned host, ctr; } ok[] = {
    { "80", "tcp", "", 0, 80 },
    { "8080:80", "tcp", "", 8080, 80 },
    { "127.0.0.1:8080:80", "tcp", "127.0.0.1", 8080, 80 },
    { "127.0.0.1::80", "tcp", "127.0.0.1", 0, 80 },
    { "0.0.0.0:53:53/udp", "udp", "", 53, 53 },
    { "5000/tcp", "tcp", "", 0, 5000 },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      PortMap pm;
      char store[80];
      struct terr err;
      assert_int_equal (port_spec_parse (ok[i].spec, &pm, store, sizeof store, &err), 0);
      assert_string_equal (pm.proto, ok[i].proto);
      assert_string_equal (pm.host_ip, ok[i].ip);
      assert_int_equal (pm.host_port, ok[i].host);
      assert_int_equal (pm.ctr_port, ok[i].ctr);
    }
  static const struct { const char *spec, *text; } bad[] = {
    { "abc", "invalid containerPort: abc" },
    { "0", "invalid containerPort: 0" },
    { "70000:80", "invalid hostPort: 70000" },
    { "8080:99999", "invalid containerPort: 99999" },
    { "80/sctp", "invalid proto: sctp" },
    { "8000-8010:80-90", "port ranges" },
    { "1.2.3:80:80", "invalid IP address: 1.2.3" },
    { "a:b:c:d", "invalid port spec" },
    { "", "invalid containerPort" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      PortMap pm;
      char store[80];
      struct terr err;
      assert_int_equal (port_spec_parse (bad[i].spec, &pm, store, sizeof store, &err), -1);
      if (!strstr (err.msg, bad[i].text))
        fail_msg ("%s: '%s', want '%s'", bad[i].spec, err.msg, bad[i].text);
    }
}

/* A port held by another socket is docker's "already allocated"; port 0 gets a
 * free one; two maps of one host port clash before any bind. */
static void reserves_and_refuses (void **state)
{
  (void) state;
  int holder = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  assert_int_equal (bind (holder, (struct sockaddr *) &sa, sizeof sa), 0);
  assert_int_equal (listen (holder, 1), 0);
  socklen_t sl = sizeof sa;
  getsockname (holder, (struct sockaddr *) &sa, &sl);
  unsigned taken = ntohs (sa.sin_port);

  PortMap a = PORT_MAP__INIT, b = PORT_MAP__INIT;
  a.proto = b.proto = (char *) "tcp";
  a.host_ip = b.host_ip = (char *) "127.0.0.1";
  a.ctr_port = 80, b.ctr_port = 81;
  PortMap *maps[] = { &a, &b };
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  cfg.ports = maps;
  cfg.n_ports = 2;
  struct terr err;
  assert_int_equal (port_reserve (&cfg, &err), 0);
  assert_true (a.host_port > 0 && b.host_port > 0 && a.host_port != b.host_port);

  a.host_port = taken;
  assert_int_equal (port_reserve (&cfg, &err), -1);
  char want[96];
  snprintf (want, sizeof want, "Bind for 127.0.0.1:%u failed: port is already allocated", taken);
  assert_string_equal (err.msg, want);
  close (holder);

  b.host_port = a.host_port = 40999;
  assert_int_equal (port_reserve (&cfg, &err), -1);
  assert_non_null (strstr (err.msg, "already allocated"));

  char out[128];
  a.host_port = 8080, b.host_port = 8081;
  port_list_format (&cfg, out, sizeof out);
  assert_string_equal (out, "127.0.0.1:8080->80/tcp, 127.0.0.1:8081->81/tcp");
}

/* What a hostile client may put in Nic and PortMap: the tether refuses it all
 * with a reason before touching an interface. */
static void config_checks (void **state)
{
  (void) state;
  char mac[18], why[256];
  net_mac_from_id ("644dcf66d883aa", mac);
  assert_string_equal (mac, "02:64:4d:cf:66:d8");
  Nic n = NIC__INIT;
  Nic *nics[] = { &n, &n, &n };
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  cfg.nics = nics;
  cfg.n_nics = 1;
  n.mac = mac;
  n.address = (char *) "10.0.2.15/24";
  n.gateway = (char *) "10.0.2.2";
  assert_int_equal (cfg_check (&cfg, why, sizeof why), 0);
  static const struct { const char *mac, *addr, *gw; uint32_t mtu; const char *text; } bad[] = {
    { "03:00:00:00:00:01", "10.0.2.15/24", "", 0, "not a unicast" },
    { "02:00:00:00:00", "10.0.2.15/24", "", 0, "not a unicast" },
    { "02:00:00:00:00:zz", "10.0.2.15/24", "", 0, "not a unicast" },
    { "02:00:00:00:00:01", "10.0.2.15", "", 0, "is not A.B.C.D/N" },
    { "02:00:00:00:00:01", "10.0.2.15/33", "", 0, "is not A.B.C.D/N" },
    { "02:00:00:00:00:01", "10.0.2.15/", "", 0, "is not A.B.C.D/N" },
    { "02:00:00:00:00:01", "300.0.2.15/24", "", 0, "is not A.B.C.D/N" },
    { "02:00:00:00:00:01", "10.0.2.15/24", "10.0.2", 0, "gateway" },
    { "02:00:00:00:00:01", "10.0.2.15/24", "", 20, "MTU 20" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      n.mac = (char *) bad[i].mac, n.address = (char *) bad[i].addr, n.gateway = (char *) bad[i].gw, n.mtu = bad[i].mtu;
      assert_int_equal (cfg_check (&cfg, why, sizeof why), -1);
      if (!strstr (why, bad[i].text))
        fail_msg ("case %zu: '%s', want '%s'", i, why, bad[i].text);
    }
  n.mac = mac, n.address = (char *) "10.0.2.15/24", n.gateway = (char *) "", n.mtu = 0;
  cfg.n_nics = 3;
  assert_int_equal (cfg_check (&cfg, why, sizeof why), -1);
  assert_non_null (strstr (why, "at most 2"));
  cfg.n_nics = 1;
  char *blocked[NET_MAX_BLOCKED + 1];
  for (int i = 0; i <= NET_MAX_BLOCKED; i++)
    blocked[i] = (char *) "10.0.2.2/32";
  n.blocked = blocked;
  n.n_blocked = NET_MAX_BLOCKED + 1;
  assert_int_equal (cfg_check (&cfg, why, sizeof why), -1);
  n.n_blocked = 1;
  assert_int_equal (cfg_check (&cfg, why, sizeof why), 0);
  PortMap p = PORT_MAP__INIT;
  PortMap *ps[] = { &p };
  cfg.ports = ps;
  cfg.n_ports = 1;
  p.proto = (char *) "sctp", p.ctr_port = 80;
  assert_int_equal (cfg_check (&cfg, why, sizeof why), -1);
  p.proto = (char *) "tcp", p.ctr_port = 0;
  assert_int_equal (cfg_check (&cfg, why, sizeof why), -1);
  p.ctr_port = 80, p.host_ip = (char *) "::1";
  assert_int_equal (cfg_check (&cfg, why, sizeof why), -1);
  p.host_ip = (char *) "127.0.0.1";
  assert_int_equal (cfg_check (&cfg, why, sizeof why), 0);
}

int main (void)
{
  const struct CMUnitTest tests[] = { cmocka_unit_test (parses_dockers_forms), cmocka_unit_test (reserves_and_refuses),
                                      cmocka_unit_test (config_checks) };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
