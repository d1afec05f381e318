/* bench-wait.c: waits for one IPVS service to reach a state, for scripts/bench-ipvs.sh.
 *
 *   bench-wait TIMEOUT_MS ADDR PORT DESTS [DEST_PORT]
 *
 * Every 10 ms asks the kernel (generic netlink, IPVS_CMD_GET_DEST) for the destinations of
 * the TCP service ADDR:PORT and exits 0 as soon as there are at least DESTS of them (and,
 * with DEST_PORT, one of them has that port), printing the time it saw that (CLOCK_REALTIME,
 * microseconds: bash's $EPOCHREALTIME); exits 1 at the timeout. The benchmark starts it
 * before the event it waits for, so that its own fork and exec are not timed.
 *
 * Why not poll /proc/net/ip_vs: reading it costs the kernel a walk of its table for every
 * page read (ip_vs_info_seq_start() restarts from the first service), so with 11,000 lines
 * each poll costs as much as a large part of the programming being timed, and a shell loop
 * also forks and execs `wc` (50 to 100 ms under emulation). A poller that takes the guest's
 * one CPU away from the daemon measures the poller. One netlink request per poll costs
 * almost nothing. Both daemons program the services in the configuration's order, so the
 * benchmark waits for the last service to be complete, then checks the whole table once.
 * Built static by the benchmark (gcc -static -O2), so the guest needs no libraries.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* From include/uapi/linux/ip_vs.h. */
enum { IPVS_CMD_GET_DEST = 8, IPVS_CMD_NEW_DEST = 5 };
enum { IPVS_CMD_ATTR_SERVICE = 1, IPVS_CMD_ATTR_DEST = 2 };
enum { IPVS_SVC_ATTR_AF = 1, IPVS_SVC_ATTR_PROTOCOL = 2, IPVS_SVC_ATTR_ADDR = 3, IPVS_SVC_ATTR_PORT = 4 };
enum { IPVS_DEST_ATTR_PORT = 2 };

static char buf[1 << 16];

static long long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Appends an attribute at *off of the message in m; returns its start. */
static struct nlattr *put(char *m, size_t *off, unsigned short type, const void *data, size_t len) {
    struct nlattr *a = (struct nlattr *)(m + *off);
    a->nla_type = type;
    a->nla_len = NLA_HDRLEN + len;
    if (len) memcpy((char *)a + NLA_HDRLEN, data, len);
    *off += NLA_ALIGN(a->nla_len);
    return a;
}

static int request(int s, unsigned short family, unsigned char cmd, int dump, const char *attrs, size_t alen) {
    char m[512];
    struct nlmsghdr *h = (struct nlmsghdr *)m;
    struct genlmsghdr *g = (struct genlmsghdr *)(m + NLMSG_HDRLEN);
    memset(m, 0, sizeof m);
    h->nlmsg_type = family;
    h->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
    h->nlmsg_seq = 1;
    g->cmd = cmd;
    g->version = 1;
    memcpy(m + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
    h->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
    return send(s, m, h->nlmsg_len, 0) < 0 ? -1 : 0;
}

/* The "IPVS" family id, or -1. */
static int resolve(int s) {
    char a[64];
    size_t off = 0;
    put(a, &off, CTRL_ATTR_FAMILY_NAME, "IPVS", 5);
    if (request(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, a, off)) return -1;
    ssize_t n = recv(s, buf, sizeof buf, 0);
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type != GENL_ID_CTRL) continue;
        int len = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
        for (struct nlattr *at = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN); len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN;
             len -= NLA_ALIGN(at->nla_len), at = (struct nlattr *)((char *)at + NLA_ALIGN(at->nla_len)))
            if (at->nla_type == CTRL_ATTR_FAMILY_ID) return *(unsigned short *)((char *)at + NLA_HDRLEN);
    }
    return -1;
}

/* Destinations of the service (-1 when it does not exist); *has_port: one has dest_port. */
static int dests(int s, int family, const char *attrs, size_t alen, unsigned short dest_port, int *has_port) {
    *has_port = 0;
    if (request(s, family, IPVS_CMD_GET_DEST, 1, attrs, alen)) return -1;
    int count = 0;
    for (;;) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n <= 0) return -1;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) return count;
            if (h->nlmsg_type == NLMSG_ERROR) return -1;
            count++;
            /* IPVS_CMD_ATTR_DEST { ..., IPVS_DEST_ATTR_PORT (be16), ... } */
            int len = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
            for (struct nlattr *at = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN); len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN;
                 len -= NLA_ALIGN(at->nla_len), at = (struct nlattr *)((char *)at + NLA_ALIGN(at->nla_len))) {
                if ((at->nla_type & NLA_TYPE_MASK) != IPVS_CMD_ATTR_DEST) continue;
                int il = at->nla_len - NLA_HDRLEN;
                for (struct nlattr *d = (struct nlattr *)((char *)at + NLA_HDRLEN); il >= NLA_HDRLEN && d->nla_len >= NLA_HDRLEN;
                     il -= NLA_ALIGN(d->nla_len), d = (struct nlattr *)((char *)d + NLA_ALIGN(d->nla_len)))
                    if (d->nla_type == IPVS_DEST_ATTR_PORT && *(unsigned short *)((char *)d + NLA_HDRLEN) == htons(dest_port))
                        *has_port = 1;
            }
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: bench-wait TIMEOUT_MS ADDR PORT DESTS [DEST_PORT]\n");
        return 2;
    }
    long long deadline = now_us() + atoll(argv[1]) * 1000;
    int want = atoi(argv[4]), dest_port = argc == 6 ? atoi(argv[5]) : -1;
    unsigned char addr[16] = {0};
    if (inet_pton(AF_INET, argv[2], addr) != 1) { fprintf(stderr, "bad address %s\n", argv[2]); return 2; }
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    int family = s < 0 ? -1 : resolve(s);
    if (family < 0) { fprintf(stderr, "bench-wait: no IPVS family\n"); return 2; }
    /* IPVS_CMD_ATTR_SERVICE { AF_INET, TCP, ADDR, PORT } */
    char a[128];
    size_t off = 0, inner;
    struct nlattr *svc = put(a, &off, IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED, NULL, 0);
    inner = off;
    unsigned short af = AF_INET, proto = IPPROTO_TCP, port = htons(atoi(argv[3]));
    put(a, &off, IPVS_SVC_ATTR_AF, &af, 2);
    put(a, &off, IPVS_SVC_ATTR_PROTOCOL, &proto, 2);
    put(a, &off, IPVS_SVC_ATTR_ADDR, addr, 16);
    put(a, &off, IPVS_SVC_ATTR_PORT, &port, 2);
    svc->nla_len = NLA_HDRLEN + (off - inner);
    int n = -1, has = 0;
    for (;;) {
        n = dests(s, family, a, off, dest_port < 0 ? 0 : dest_port, &has);
        long long t = now_us();
        if (n >= want && (dest_port < 0 || has)) { printf("%lld\n", t); return 0; }
        if (t > deadline) { fprintf(stderr, "bench-wait: %d destination(s) at the timeout\n", n); return 1; }
        usleep(10000);
    }
}
