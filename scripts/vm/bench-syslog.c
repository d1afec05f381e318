/* bench-syslog.c: the syslog daemon of scripts/bench-ipvs.sh, for the QEMU guest.
 *
 *   bench-syslog SOCKET FILE
 *
 * Binds the datagram socket SOCKET (/dev/log) and appends every message to FILE, prefixed
 * with the CLOCK_MONOTONIC time of arrival in microseconds. Both daemons then log as they do
 * in production (through syslog), instead of to the emulated serial console, whose cost
 * (a trap per byte under TCG) would otherwise dominate what the benchmark measures; the
 * timestamps show where a daemon spends its time. SIGTERM ends it.
 * Built static by the benchmark (gcc -static -O2), so the guest needs no libraries.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: bench-syslog SOCKET FILE\n"); return 2; }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof a.sun_path) { fprintf(stderr, "socket path too long\n"); return 2; }
    strcpy(a.sun_path, argv[1]);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    unlink(argv[1]);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a)) { perror("bind"); return 1; }
    /* A large receive queue, so that a burst of start-up lines is never dropped. */
    int size = 8 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    FILE *out = fopen(argv[2], "a");
    if (!out) { perror(argv[2]); return 1; }
    setvbuf(out, NULL, _IOLBF, 0);
    char buf[8192];
    for (;;) {
        ssize_t n = recv(s, buf, sizeof buf - 1, 0);
        if (n < 0) continue;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0')) n--;
        buf[n] = 0;
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        fprintf(out, "%lld.%06ld %s\n", (long long)t.tv_sec, t.tv_nsec / 1000, buf);
    }
}
