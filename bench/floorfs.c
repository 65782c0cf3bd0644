/* floorfs: the floor hivefs's reads are measured against. The smallest libfuse3
 * file system that serves what a session's `status` is: a read-only file of a
 * fixed size at the same depth as in hivefs (`one/status`, or `s000/status` …
 * for DIRS folders), direct_io, low-level API, multi-threaded loop, as hivefs
 * mounts. The files' attribute timeout is 0; names and the directories'
 * attributes are kept CACHE seconds (0 by default; hivefs keeps them 60).
 *
 *   floorfs MOUNTPOINT SIZE [CACHE [DIRS]]   (foreground; unmount with fusermount3 -u)
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
static double cache;
static long dirs = 1;

/* Inodes: 1 the root; 2+2i folder i; 3+2i its `status`. */
static int is_file(fuse_ino_t ino) { return ino >= 3 && ino % 2 == 1; }
static int valid(fuse_ino_t ino) { return ino >= 1 && ino < (fuse_ino_t)(2 + 2 * dirs); }

static void dir_name(long i, char *out, size_t n) {
    if (dirs == 1) snprintf(out, n, "one");
    else snprintf(out, n, "s%03ld", i);
}

static void attr(fuse_ino_t ino, struct stat *st) {
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    if (!is_file(ino)) { st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; }
    else { st->st_mode = S_IFREG | 0444; st->st_nlink = 1; st->st_size = (off_t)size; }
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    fuse_ino_t ino = 0;
    char buf[32];
    if (parent == 1) {
        for (long i = 0; i < dirs && !ino; i++) {
            dir_name(i, buf, sizeof buf);
            if (strcmp(name, buf) == 0) ino = (fuse_ino_t)(2 + 2 * i);
        }
    } else if (valid(parent) && !is_file(parent) && strcmp(name, "status") == 0) {
        ino = parent + 1;
    }
    if (!ino) { fuse_reply_err(req, ENOENT); return; }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.ino = ino;
    e.entry_timeout = cache;
    e.attr_timeout = is_file(ino) ? 0 : cache;
    attr(ino, &e.attr);
    fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)fi;
    struct stat st;
    if (!valid(ino)) { fuse_reply_err(req, ENOENT); return; }
    attr(ino, &st);
    fuse_reply_attr(req, &st, is_file(ino) ? 0 : cache);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t n, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    char *buf = malloc(n);
    size_t used = 0;
    long count = ino == 1 ? dirs + 2 : 3;
    for (long i = off; i < count; i++) {
        char name[32];
        struct stat st;
        memset(&st, 0, sizeof st);
        if (i == 0) { snprintf(name, sizeof name, "."); st.st_ino = ino; st.st_mode = S_IFDIR; }
        else if (i == 1) { snprintf(name, sizeof name, ".."); st.st_ino = 1; st.st_mode = S_IFDIR; }
        else if (ino == 1) { dir_name(i - 2, name, sizeof name); st.st_ino = 2 + 2 * (i - 2); st.st_mode = S_IFDIR; }
        else { snprintf(name, sizeof name, "status"); st.st_ino = ino + 1; st.st_mode = S_IFREG; }
        size_t need = fuse_add_direntry(req, buf + used, n - used, name, &st, i + 1);
        if (need > n - used) break;
        used += need;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    if (!is_file(ino)) { fuse_reply_err(req, EISDIR); return; }
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
    if (argc < 3 || argc > 5) { fprintf(stderr, "usage: floorfs MOUNTPOINT SIZE [CACHE [DIRS]]\n"); return 2; }
    size = (size_t)atol(argv[2]);
    cache = argc >= 4 ? atof(argv[3]) : 0;
    dirs = argc >= 5 ? atol(argv[4]) : 1;
    if (dirs < 1 || dirs > 100000) { fprintf(stderr, "floorfs: DIRS must be 1 to 100000\n"); return 2; }
    content = malloc(size + 1);
    for (size_t i = 0; i < size; i++) content[i] = (i % 64 == 63) ? '\n' : 'x';
    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.readdir = op_readdir;
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
