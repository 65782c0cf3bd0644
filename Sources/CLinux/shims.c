#define _GNU_SOURCE
#include "CLinux.h"
#include <fcntl.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <errno.h>

int hive_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int hive_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int hive_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
short hive_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }
int hive_stat(const char *path, struct stat *st) { return stat(path, st); }
int hive_fstat(int fd, struct stat *st) { return fstat(fd, st); }
long hive_statfs_type(const char *path) {
    struct statfs s;
    if (statfs(path, &s) != 0) return -1;
    return (long)s.f_type;
}

static int winch_write_fd = -1;

static void hive_on_winch(int sig) {
    (void)sig;
    int saved = errno;
    char b = 1;
    if (winch_write_fd >= 0) { ssize_t n = write(winch_write_fd, &b, 1); (void)n; }
    errno = saved;
}

int hive_winch_pipe(void) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    winch_write_fd = fds[1];
    struct sigaction sa;
    sa.sa_handler = hive_on_winch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGWINCH, &sa, NULL) != 0) { close(fds[0]); close(fds[1]); winch_write_fd = -1; return -1; }
    return fds[0];
}

int hive_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}
