/* floorfs: the floor hivefs's reads are measured against. The smallest libfuse3
 * file system that serves what a session folder's `status` is: one read-only
 * file of a fixed size, direct_io, attribute and entry timeouts 0, low-level API,
 * multi-threaded loop, as hivefs mounts.
 *
 *   floorfs MOUNTPOINT SIZE      (foreground; unmount with fusermount3 -u)
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *content;
static size_t size;

static void attr(fuse_ino_t ino, struct stat *st) {
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    if (ino == 1) { st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; }
    else { st->st_mode = S_IFREG | 0444; st->st_nlink = 1; st->st_size = (off_t)size; }
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    if (parent != 1 || strcmp(name, "status") != 0) { fuse_reply_err(req, ENOENT); return; }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.ino = 2;
    attr(2, &e.attr);
    fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)fi;
    struct stat st;
    if (ino != 1 && ino != 2) { fuse_reply_err(req, ENOENT); return; }
    attr(ino, &st);
    fuse_reply_attr(req, &st, 0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    if (ino != 2) { fuse_reply_err(req, EISDIR); return; }
    fi->direct_io = 1;
    fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t n, off_t off, struct fuse_file_info *fi) {
    (void)ino; (void)fi;
    if ((size_t)off >= size) { fuse_reply_buf(req, NULL, 0); return; }
    if (n > size - (size_t)off) n = size - (size_t)off;
    fuse_reply_buf(req, content + off, n);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: floorfs MOUNTPOINT SIZE\n"); return 2; }
    size = (size_t)atol(argv[2]);
    content = malloc(size + 1);
    for (size_t i = 0; i < size; i++) content[i] = (i % 64 == 63) ? '\n' : 'x';
    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.open = op_open;
    ops.read = op_read;
    char *fargv[] = { argv[0], "-o", "fsname=floorfs,subtype=floorfs,default_permissions", NULL };
    struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
    if (!se || fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, argv[1]) != 0) return 1;
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();  /* the same loop settings as hivefs */
    fuse_loop_cfg_set_clone_fd(cfg, 0);
    fuse_loop_cfg_set_max_threads(cfg, 64);
    fuse_loop_cfg_set_idle_threads(cfg, 16);
    int rc = fuse_session_loop_mt(se, cfg);
    fuse_loop_cfg_destroy(cfg);
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return rc;
}
