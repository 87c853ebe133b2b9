/* Every cap of the tether in one place (STYLE §9). Hitting one gets an error
 * reply, never growth. */
#ifndef TETHER_CAPS_H
#define TETHER_CAPS_H

#define MAX_CONNS 64                 /* host-mode clients at once (DESIGN §1) */
#define MAX_CONTAINERS 4096
#define MAX_EXECS 4096               /* live exec records, all containers */
#define MAX_EXEC_DONE_PER_CONTAINER 64 /* exited, unwaited exec records kept */
#define MAX_ATTACH_PER_CONN 4096     /* handles on one connection */
#define MAX_WAITERS_PER_CONN 1024    /* pending wait/stop/rm -f replies on one connection */
#define RING_START (4u * 1024u)      /* first allocation of an output ring */
#define RING_MAX (1024u * 1024u)     /* per stream (DESIGN §3) */
#define STDIN_MAX (1024u * 1024u + 64u * 1024u) /* client window + one frame */
#define CONN_OUT_DATA (256u * 1024u) /* data queued per connection before pausing */
#define CONN_OUT_MAX (512u * 1024u)  /* + room for control replies; past it: drop client */
#define CHANNEL_OUT_MAX (4u * 1024u * 1024u) /* the VM channel is never dropped: more slack */
#define CONN_IN_PEND (64u * 1024u)   /* one read; kept while the client's replies back up */
#define HELLO_TIMEOUT_MS 10000       /* a client's hello is due within this after connecting */
#define OUTPUT_PIPE_SIZE (1024 * 1024) /* F_SETPIPE_SZ of container stdout/stderr pipes */
/* A process writing small chunks fast (head writes 4 KiB at a time) would cost a
 * frame and a wakeup per chunk: after a small read that follows another within
 * COALESCE_GAP_NS (2 ms: under TCG a 4 KiB write takes ~150 µs), the pipe rests COALESCE_MS so the next read takes a batch.
 * The first write after a pause is always relayed at once. */
#define COALESCE_GAP_NS 2000000
#define COALESCE_SMALL (32 * 1024)
#define COALESCE_MS 1
#define GLOBAL_CAP_RETRY_MS 100 /* a stream waiting for ring memory looks again */
#define READS_PER_EVENT 16           /* inner-loop cap: one busy fd cannot starve the rest */
#define EXEC_EOF_GRACE_MS 1000       /* exec exit reported after at most this (DESIGN §3) */
#define STOP_TIMEOUT_DEFAULT_S 10
#define KILL_FALLBACK_MS 2000        /* cinit silent after SIGKILL request: kill the namespace */
#define PROCESS_NOFILE 1048576       /* RLIMIT_NOFILE for container processes (docker's default) */
/* HEALTHCHECK, as moby's daemon/health.go: output kept per result, results kept,
 * and the defaults of a config's zero values. */
#define HEALTH_OUTPUT_MAX 4096
#define HEALTH_LOG_MAX 5
#define HEALTH_INTERVAL_DEFAULT_NS 30000000000LL
#define HEALTH_TIMEOUT_DEFAULT_NS 30000000000LL
#define HEALTH_START_INTERVAL_DEFAULT_NS 5000000000LL
#define HEALTH_RETRIES_DEFAULT 3
#define ATTACHED_LISTED 32     /* attached clients inspect lists (ContainerInfo.attached) */

#endif
