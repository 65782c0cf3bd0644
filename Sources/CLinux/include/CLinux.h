#ifndef HIVEFS_CLINUX_H
#define HIVEFS_CLINUX_H
#include <sys/types.h>
#include <sys/stat.h>

/* Linux calls and constants that Glibc's Swift overlay does not expose. */

/* pidfd_open(2): an fd that becomes readable when the process exits. -1 and errno on failure. */
int hive_pidfd_open(pid_t pid);
/* pipe2(fds, O_CLOEXEC). */
int hive_pipe_cloexec(int fds[2]);
/* eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK). */
int hive_eventfd(void);
/* The POSIX_SPAWN_SETSID flag for posix_spawnattr_setflags. */
short hive_spawn_setsid_flag(void);

/* posix_spawn_file_actions_addchdir_np: the child starts in dir (glibc 2.29). */
int hive_spawn_addchdir(void *actions, const char *dir);
/* renameat2(2) with RENAME_NOREPLACE: EEXIST rather than replacing what is at `to`
   (EINVAL on a file system that cannot do it). */
int hive_rename_noreplace(const char *from, const char *to);
/* stat(2) under a name that does not clash with struct stat. */
int hive_stat(const char *path, struct stat *st);
int hive_fstat(int fd, struct stat *st);

/* statfs(2) f_type of a path, or -1 with errno set. */
long hive_statfs_type(const char *path);

/* A pipe that receives, for each of the signals given, a byte holding its number
   whenever it arrives (handlers installed with SA_RESTART); returns its read end,
   non-blocking and close-on-exec, or -1 with errno. */
int hive_signal_pipe(const int *signals, int count);
/* The size of the terminal on fd (TIOCGWINSZ): 0, or -1 with errno. */
int hive_winsize(int fd, unsigned short *rows, unsigned short *cols);

/* accept4(fd, NULL, NULL, SOCK_CLOEXEC): -1 with errno on failure. */
int hive_accept_cloexec(int fd);
/* The uid of the process at the other end of a Unix socket (SO_PEERCRED): 0, or -1 with errno. */
int hive_peer_uid(int fd, uid_t *uid);

#endif
