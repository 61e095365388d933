/*
 * tcpecho: the lab guest's TCP service. Listens on a port and echoes every byte back on every
 * connection (one process per connection), so a client on the lab's guest network can keep a
 * stream flowing through a live migration and check that nothing was lost, reordered or reset.
 *
 *   tcpecho PORT
 *
 * Static, no libc beyond sockets; prints "LVNET listening port=N" on stdout (the console).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(int fd) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(fd, buf + off, (size_t)(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        _exit(1);
      }
      off += w;
    }
  }
  _exit(0);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "tcpecho: bad port %s\n", argc > 1 ? argv[1] : "");
    return 2;
  }
  signal(SIGCHLD, SIG_IGN); /* no zombies */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) {
    perror("tcpecho");
    return 1;
  }
  printf("LVNET listening port=%d\n", port);
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pid_t p = fork();
    if (p == 0) {
      close(s);
      serve(c);
    }
    close(c);
  }
}
