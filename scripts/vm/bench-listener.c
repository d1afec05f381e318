/* bench-listener.c: the real servers of scripts/bench-ipvs.sh, for the QEMU guest.
 *
 *   bench-listener FIRST_PORT COUNT
 *
 * Listens on 0.0.0.0:FIRST_PORT .. FIRST_PORT+COUNT-1 and accepts and closes every
 * connection, in one process with epoll: TCP_CHECK only needs the handshake, and a
 * fork per connection (socat, nc -e) would cost more guest CPU than the checkers it serves.
 * Built static by the benchmark (gcc -static -O2), so the guest needs no libraries.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: bench-listener FIRST_PORT COUNT\n"); return 2; }
    int first = atoi(argv[1]), count = atoi(argv[2]);
    int ep = epoll_create1(0);
    if (ep < 0) { perror("epoll_create1"); return 1; }
    for (int i = 0; i < count; i++) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(first + i) };
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4096)) {
            perror("listen"); return 1;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = s };
        epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    }
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int c;
            /* drain the accept queue; the client only checks that connect() succeeded */
            while ((c = accept4(evs[i].data.fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) close(c);
        }
    }
}
