#define _GNU_SOURCE
#include "CLinux.h"
#include <fcntl.h>
#include <stdio.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <errno.h>
#include <sys/socket.h>

int hive_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int hive_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int hive_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
short hive_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }

int hive_spawn_addchdir(void *actions, const char *dir) {
    return posix_spawn_file_actions_addchdir_np((posix_spawn_file_actions_t *)actions, dir);
}
int hive_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}
int hive_stat(const char *path, struct stat *st) { return stat(path, st); }
int hive_fstat(int fd, struct stat *st) { return fstat(fd, st); }
long hive_statfs_type(const char *path) {
    struct statfs s;
    if (statfs(path, &s) != 0) return -1;
    return (long)s.f_type;
}

static int signal_write_fd = -1;

static void hive_on_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (signal_write_fd >= 0) { ssize_t n = write(signal_write_fd, &b, 1); (void)n; }
    errno = saved;
}

int hive_signal_pipe(const int *signals, int count) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    signal_write_fd = fds[1];
    struct sigaction sa;
    sa.sa_handler = hive_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &sa, NULL) != 0) {
            int e = errno;
            close(fds[0]); close(fds[1]); signal_write_fd = -1;
            errno = e;
            return -1;
        }
    }
    return fds[0];
}

int hive_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

int hive_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

int hive_peer_uid(int fd, uid_t *uid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *uid = cred.uid;
    return 0;
}
