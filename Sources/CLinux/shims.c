#define _GNU_SOURCE
#include "CLinux.h"
#include <fcntl.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/vfs.h>

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
