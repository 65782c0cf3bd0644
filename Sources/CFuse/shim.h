#ifndef HIVEFS_CFUSE_SHIM_H
#define HIVEFS_CFUSE_SHIM_H

/* The libfuse3 API level hivefs is written against (libfuse 3.12+). */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <stddef.h>
#include <poll.h>

/* fuse_session_loop_mt and fuse_args init are macros or versioned symbols
   that Swift cannot import; these wrappers give them plain names. */
static inline int hive_fuse_loop_mt(struct fuse_session *se, unsigned int max_idle_threads) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (config == NULL) return -1;
    fuse_loop_cfg_set_clone_fd(config, 0);
    fuse_loop_cfg_set_max_threads(config, 64);
    fuse_loop_cfg_set_idle_threads(config, max_idle_threads);
    int rc = fuse_session_loop_mt(se, config);
    fuse_loop_cfg_destroy(config);
    return rc;
}

static inline struct fuse_session *hive_fuse_session_new(int argc, char **argv,
        const struct fuse_lowlevel_ops *ops, void *userdata) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_session *se = fuse_session_new(&args, ops, sizeof(*ops), userdata);
    fuse_opt_free_args(&args);
    return se;
}

/* The caller's uid for a request (fuse_req_ctx returns a const pointer). */
static inline unsigned int hive_fuse_req_uid(fuse_req_t req) {
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    return ctx ? (unsigned int)ctx->uid : (unsigned int)-1;
}

static inline void hive_fuse_fi_set_direct_io(struct fuse_file_info *fi, int on) { fi->direct_io = on ? 1 : 0; }
static inline void hive_fuse_fi_set_keep_cache(struct fuse_file_info *fi, int on) { fi->keep_cache = on ? 1 : 0; }
static inline void hive_fuse_fi_set_nonseekable(struct fuse_file_info *fi, int on) { fi->nonseekable = on ? 1 : 0; }
static inline int hive_fuse_fi_flags(const struct fuse_file_info *fi) { return fi->flags; }
static inline uint64_t hive_fuse_fi_fh(const struct fuse_file_info *fi) { return fi->fh; }
static inline void hive_fuse_fi_set_fh(struct fuse_file_info *fi, uint64_t fh) { fi->fh = fh; }

#endif
