#!/usr/bin/env python3
"""What reading a session's `git` file costs on a large repository, against the
`git status` it saves and against reading `status` through the same mount.

  git.py BIN_DIR [FILES]     FILES in the repository (default 100000)

Prints one JSON object. Everything it starts is stopped at the end.
"""
import json, os, subprocess, sys, time

from benchmount import Mount, summary


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main(bins, files):
    with Mount(bins, "hivefs-bench-git-") as m:
        repo = os.path.join(m.work, "big")
        t0 = time.time()
        os.makedirs(repo)
        for d in range(files // 1000):
            sub = os.path.join(repo, "d%03d" % d)
            os.mkdir(sub)
            for i in range(1000):
                with open(os.path.join(sub, "f%04d.txt" % i), "w") as f:
                    f.write("%d %d\n" % (d, i))
        env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x")
        for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "big"]):
            subprocess.run(cmd, cwd=repo, check=True, env=env)
        made = time.time() - t0
        git_status = summary(timed(lambda: subprocess.run(["git", "status", "--porcelain=v2", "--branch", "-z"],
                                                           cwd=repo, stdout=subprocess.DEVNULL, check=True), 11))
        t0 = time.time()
        m.control('new big agent=shell dir="%s" command="sleep 600"' % repo)
        started = time.time() - t0
        gitfile, statusfile = os.path.join(m.mnt, "big", "git"), os.path.join(m.mnt, "big", "status")
        first = timed(lambda: read(gitfile), 1)[0]
        # Once the facts are more than a second old, a read still does not wait.
        time.sleep(1.2)
        stale = timed(lambda: read(gitfile), 1)[0]
        warm = timed(lambda: read(gitfile), 51)
        status_reads = timed(lambda: read(statusfile), 51)
        # A worktree of the same repository: `new` returns once it is checked out.
        t0 = time.time()
        m.control('new wt agent=shell dir="%s" worktree=yes command="sleep 600"' % repo)
        worktree_s = time.time() - t0
        with open(os.path.join(m.mnt, "wt", "control"), "w") as c:
            c.write("kill\n")
        t0 = time.time()
        os.rmdir(os.path.join(m.mnt, "wt"))
        remove_s = time.time() - t0
        warm_s, status_s = summary(warm), summary(status_reads)
        return {"files": files, "repo_made_s": made, "new_returned_s": started,
                "worktree_new_s": worktree_s, "worktree_rmdir_s": remove_s,
                "git_status_ms": git_status, "first_read_ms": first, "stale_read_ms": stale,
                "git_read_ms": warm_s, "status_read_ms": status_s,
                "ratio_to_status": warm_s["median"] / status_s["median"],
                "ratio_to_git_status": warm_s["median"] / git_status["median"]}


if __name__ == "__main__":
    print(json.dumps(main(os.path.abspath(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100000)))
