import Foundation
import HiveCore
import HiveRuntime
import Logging

/// The FUSE bridge: serves a `TreeTable` to the kernel without knowing any file of
/// it. It maps requests on inodes to the table's descriptions, and errors to errnos.
/// Decisions, stated once:
/// - What the kernel may keep is the table's `CachePolicy`, kept at most
///   `Bridge.cacheSeconds`: names and directories are kept; what the table says
///   comes and goes is not. What changes otherwise (a session made, a history entry
///   pruned) the table announces, and the kernel is told to drop it. This spares a
///   lookup and an attribute request per path component on every open.
/// - Files that grow or change unannounced (`CachePolicy.name`: logs, `control`,
///   the screen) are `direct_io` with an attribute timeout of 0: every `read` and
///   `stat` reaches us, sizes that change between `stat` and `read` never cut a
///   read short, and logs read from any offset.
/// - Files kept until changed (`CachePolicy.content`) are opened for reading
///   without `direct_io`, and their attributes are kept: a read of a file that did
///   not change is served from the kernel's page cache and never reaches us (its
///   open and release do). `KeptFiles` records what the kernel was given. An open
///   renders the file and keeps the kernel's pages (`keep_cache`) only when they
///   show exactly that; if the size the kernel holds is not the file's now (a change
///   whose announcement is on its way), that one open is `direct_io`. Every read
///   renders the file as it is now (the page cache, not the handle, holds one
///   rendering), so pages of an outdated rendering are never given after the drop.
///   Content that expires (a count of seconds ticking: a live `status`) is kept
///   until then, and its group checked again at that time, as if a change had been
///   announced. Handles opened for writing are served as `direct_io` files are
///   (writes through the page cache would hold its pages locked while we wait on
///   the change they make).
/// - When the table announces a change of a group (`TreeNotice.changed`), what the
///   kernel keeps of the group's files is rendered again and compared, and the
///   inodes that no longer agree are dropped (`fuse_lowlevel_notify_inval_inode`:
///   attributes and pages), before poll waiters of the group are woken. Off a FUSE
///   worker (the runtime's queues, its watcher) that happens before `heard` returns,
///   so whatever the announcer does next (answer a write) follows the drop. On a FUSE
///   worker (a mkdir, a refused write recorded as it is refused) it is queued on
///   `notifier` instead (DESIGN.md §9: the kernel may wait, to drop a page, for a
///   reply that only that worker would send).
/// - Answers to writes, mkdir and rmdir are sent from `notifier` (`AfterNotices`),
///   after whatever drop was queued there before them: `echo start > control; cat
///   state` never reads a stale page.
/// - A poll that finds a kept file changed since its handle's rendering first has
///   the kernel drop the file, so the read that follows reaches us (and catches the
///   handle up) instead of the page cache, which other handles may have refreshed.
/// - Rendered files of `direct_io` handles are rendered into the open handle; a read
///   at offset 0 renders again.
/// - Files of another host (`FileSource.remote`) are `direct_io`, never kept. Their
///   attributes are what the `RemoteFile` answers (from what it knows, or later);
///   an open for reading fetches the file's start into the handle (one round trip,
///   failing with the link's errno: ENOTCONN while it is down), and reads are served
///   from it; past its end, a file held whole and not changed since (its counter)
///   ends at once, else the link is asked from that offset. A read from the start
///   after a change fetches again (sysfs-style re-read after poll). What asks the
///   link answers when it does, never on a worker's time.
/// - Slow sources (tmux) and refreshes (git) run on runtime queues and reply when
///   done; no libfuse worker waits on them.
/// - Poll wake-ups and the drops announced by directories are sent from `notifier`,
///   never from a FUSE worker (DESIGN.md §9).
/// - Nothing is made, moved, linked or deleted but directories the table lets be
///   made or removed: create, mknod, symlink and link are EACCES, rename and unlink EPERM.
///   A directory the table makes later (`makeLater`: on another host) is answered
///   when it is made, never on a worker's time.
/// - A symbolic link the table describes (`NodeDescription.link`: the root `spool`)
///   is served as one: S_IFLNK, 0777, DT_LNK in listings, its target by `readlink`;
///   the kernel follows it, so nothing under it reaches the bridge.
/// - Every request is answered exactly once, through its `Replier`, and no Swift error
///   crosses into C: each path of `serve` ends in one reply.
///
/// Threads: `serve` runs on libfuse's workers, and its deferred replies on `slow`,
/// `notifier` or the table's queues; `inodes`, `files` and `kept` are safe from any
/// of them. The kernel cache is set by `Mount.serve` and used under `kernelLock`,
/// never by a thread marked as a FUSE worker.
public final class Bridge: @unchecked Sendable {
    let tree: TreeTable
    let inodes = InodeTable()
    let files = OpenFiles()
    let kept = KeptFiles()
    let log: Logger
    /// Whether each read that reaches us is logged (tests count them).
    let traceReads: Bool
    let notifier = DispatchQueue(label: "hivefs.notify")
    let slow = DispatchQueue(label: "hivefs.slow", attributes: .concurrent)
    /// How long the kernel may keep what the table lets it keep, without asking.
    static let cacheSeconds: Double = 60
    /// The permission bits of a symbolic link, as Linux shows every one.
    static let linkMode = FileMode(rawValue: 0o777)
    /// The mounted session's cache, for invalidations; nil before mounting and after unmounting.
    private var kernel: KernelCache?
    private let kernelLock = NSLock()
    /// The checks set for kept content that expires (`recheck(_:at:)`).
    private let expiring = Expiring()

    public init(tree: TreeTable, logger: Logger, traceReads: Bool = false) {
        self.tree = tree
        self.log = logger
        self.traceReads = traceReads
        tree.watch { [weak self] notice in self?.heard(notice) }
    }

    /// Set by `Mount.serve` while the kernel has the mount.
    func attach(_ cache: KernelCache?) {
        kernelLock.lock(); kernel = cache; kernelLock.unlock()
    }

    /// How long the kernel may keep a node's name (entry) and attributes.
    struct Timeouts: Equatable {
        var entry: Double
        var attr: Double
    }

    /// The timeouts of a policy, for attributes that are not recorded as kept.
    static func timeouts(_ cache: CachePolicy) -> Timeouts {
        switch cache {
        case .never: return Timeouts(entry: 0, attr: 0)
        case .name: return Timeouts(entry: cacheSeconds, attr: 0)
        case .nameAndAttributes: return Timeouts(entry: cacheSeconds, attr: cacheSeconds)
        case .content(_, let keepsName): return Timeouts(entry: keepsName ? cacheSeconds : 0, attr: 0)
        }
    }

    /// Serves one request; `reply` is called exactly once, now or later.
    func serve(_ request: Request, _ reply: Replier) {
        switch request {
        case let .lookup(parent, name): lookup(parent, name, reply)
        case let .getattr(ino): getattr(ino, reply)
        case let .readlink(ino): readlink(ino, reply)
        case let .setattr(ino, changes, handle): setattr(ino, changes, handle, reply)
        case let .open(ino, flags): open(ino, flags: flags, reply)
        case let .read(handle, size, offset): read(handle, size: size, offset: offset, reply)
        case let .write(handle, bytes, offset, uid):
            write(handle, bytes, offset: offset, uid: uid, AfterNotices(reply: reply, queue: notifier))
        case let .release(handle): release(handle, reply)
        case let .opendir(ino): opendir(ino, reply)
        case let .readdir(ino, size, offset): readdir(ino, size: size, offset: offset, reply)
        case let .releasedir(handle): release(handle, reply)
        case let .poll(handle, waiter): poll(handle, waiter, reply)
        case let .mkdir(parent, name, uid): mkdir(parent, name, uid: uid, AfterNotices(reply: reply, queue: notifier))
        case let .rmdir(parent, name, uid): rmdir(parent, name, uid: uid, AfterNotices(reply: reply, queue: notifier))
        case let .unlink(parent, name): unlink(parent, name, reply)
        case .create: reply.err(.denied("no files can be created in hivefs; sessions are made with mkdir"))
        case .link: reply.err(.denied("no files can be created in hivefs"))
        case .rename: reply.err(HiveError(.notPermitted, "sessions and files cannot be renamed"))
        }
    }

    // MARK: notices

    /// Passes on a change the table announced: drops what it made stale, then wakes
    /// the polls. Now when the caller serves no FUSE request, else from `notifier`.
    func heard(_ notice: TreeNotice) {
        switch notice {
        case .changed(let group):
            if FuseWorker.isCurrent {
                notifier.async { [self] in
                    recheck(group)
                    wakeNow(group)
                }
            } else {
                recheck(group)
                wake(group)
            }
        case .attributesChanged(let node):
            notifier.async { [self] in
                kernelLock.lock(); defer { kernelLock.unlock() }
                guard let kernel, let ino = inodes.known(node) else { return }
                kernel.invalidate(ino: ino)
            }
        case .nameChanged(let directory, let name):
            notifier.async { [self] in
                // What was kept of the files under it is no longer anything's.
                drop(kept.under(directory.names + [name]))
                kernelLock.lock(); defer { kernelLock.unlock() }
                guard let kernel, let parent = inodes.known(directory) else { return }
                kernel.invalidate(parent: parent, name: name)
            }
        }
    }

    /// Wakes the polls waiting on the files of `group` (every file's when nil).
    func wake(_ group: String?) {
        notifier.async { [self] in wakeNow(group) }
    }

    private func wakeNow(_ group: String?) {
        for waiter in files.takeWaiters(group) { waiter.wake() }
    }

    /// Checks what the kernel keeps of `group`'s files (every group's when nil)
    /// against the files now, and has it drop what no longer agrees. What agrees and
    /// shows a count of seconds is checked again when the count ticks.
    func recheck(_ group: String?) {
        var stale: [UInt64] = []
        for (ino, entry) in kept.announce(group) {
            switch agreement(entry) {
            case .stale: stale.append(ino)
            case .agrees(let expires): if let expires { recheck(entry.group, at: expires) }
            }
        }
        drop(stale)
    }

    /// Whether what the kernel keeps of a file is what it shows now, and until when.
    private enum Agreement {
        case stale
        case agrees(until: Timestamp?)
    }

    private func agreement(_ e: KeptFiles.Entry) -> Agreement {
        guard case .file(let d)? = tree.describe(e.node), case .content = d.cache, let (now, expires) = stamp(d) else { return .stale }
        if let a = e.attributes, !a.sameAttributes(now) { return .stale }
        if e.mixedPages { return .stale }
        if let p = e.pages, !p.sameBytes(now) { return .stale }
        return .agrees(until: expires)
    }

    /// What a kept file shows now, and when it changes unannounced (a count of
    /// seconds ticking), found without slow work; nil when it cannot be kept (gone
    /// or slow).
    private func stamp(_ d: FileDescription) -> (Stamp, expires: Timestamp?)? {
        switch d.source {
        case .rendered(let render), .refreshed(let render, _):
            guard let c = render(.stat) else { return nil }
            return (Stamp(mode: d.mode, content: c), c.expires)
        case .disk(let path):
            return Sys.stat(path).map { (Stamp(mode: d.mode, disk: $0), nil) }
        case .slow, .remote:
            return nil
        }
    }

    /// Kept content that expires (a `status` whose seconds tick) is kept like any
    /// other until then, and its group checked again at that time: a change nobody
    /// announces is then dropped as an announced one is. One check per group and time.
    func recheck(_ group: String, at expires: Timestamp) {
        guard expiring.add(group, expires.milliseconds) else { return }
        let wait = max(0, expires.milliseconds - Timestamp.now().milliseconds) + 1
        notifier.asyncAfter(deadline: .now() + .milliseconds(Int(wait))) { [self] in
            expiring.remove(group, expires.milliseconds)
            recheck(group)
        }
    }

    /// Has the kernel drop the attributes and pages of `inos`, forgetting first that
    /// it kept them. Never on a FUSE worker.
    func drop(_ inos: [UInt64]) {
        guard !inos.isEmpty else { return }
        kept.forget(inos)
        kernelLock.lock(); defer { kernelLock.unlock() }
        guard let kernel else { return }
        for ino in inos { kernel.invalidate(ino: ino) }
    }

    /// Has the kernel drop everything it keeps, once serving is over: a tree detached
    /// while in use stays alive for the files still open, and their reads must get
    /// ENOTCONN rather than pages of a daemon that is gone. Waits at most `ms` (the
    /// kernel may wait for a page whose read no worker answers any more); false when
    /// the drop is still under way, and then holds `kernelLock` until the kernel lets
    /// go: the session must not be destroyed under it.
    public func dropEverything(waitingAtMost ms: Int) -> Bool {
        let done = DispatchSemaphore(value: 0)
        let t = Thread { [self] in
            drop(kept.all())
            done.signal()
        }
        t.name = "hivefs-drop"
        t.start()
        guard done.wait(timeout: .now() + .milliseconds(ms)) == .success else {
            log.warning("the kernel did not drop what it keeps of the tree within \(ms) ms; leaving its session to the exit")
            return false
        }
        return true
    }

    /// `drop`, from `notifier`: for a worker that gave the kernel what it must not keep
    /// (the drop waits for the page its reply fills, then drops it).
    func dropLater(_ ino: UInt64) {
        notifier.async { [self] in drop([ino]) }
    }

    // MARK: descriptions

    /// The file a node stands for now, if it is one.
    func file(_ node: TreeNode) -> FileDescription? {
        guard case .file(let d)? = tree.describe(node) else { return nil }
        return d
    }

    /// Calls `body` with a node's attributes and how long the kernel may keep them:
    /// at once, or from the slow queue for a slow source, whose size is known only by
    /// rendering it. Attributes of a kept file are recorded as kept (`KeptFiles`)
    /// when `keeping`, and then given the timeout of kept things.
    func attributes(_ node: TreeNode, ino: UInt64, keeping: Bool = true,
                    _ body: @escaping @Sendable (Result<(Attributes, Timeouts), HiveError>) -> Void) {
        switch tree.describe(node) {
        case nil:
            body(.failure(.notFound(node.description)))
        case .directory(let d)?:
            body(.success((Attributes(ino: ino, isDirectory: true, mode: d.mode, size: 0, mtime: d.mtime), Bridge.timeouts(d.cache))))
        case .link(let l)?:
            // As every symbolic link: 0777, its size the target's length; it changes never.
            body(.success((Attributes(ino: ino, isDirectory: false, mode: Bridge.linkMode, size: l.target.utf8.count,
                                      mtime: l.mtime, isLink: true), Bridge.timeouts(.nameAndAttributes))))
        case .file(let d)?:
            let mark = kept.mark()
            let given: @Sendable (Stamp?) -> Timeouts = { [self] stamp in
                var t = Bridge.timeouts(d.cache)
                if keeping, case .content(let group, _) = d.cache, let stamp,
                   kept.keepAttributes(ino, node, group: group, stamp, since: mark) {
                    t.attr = Bridge.cacheSeconds
                }
                return t
            }
            // Slow content is never kept; content that expires is kept until then.
            let sized: @Sendable (FileContent?, Bool) -> Result<(Attributes, Timeouts), HiveError> = { [self] c, keepable in
                guard let c else { return .failure(.notFound(node.description)) }
                let a = Attributes(ino: ino, isDirectory: false, mode: d.mode, size: c.bytes.count, mtime: c.mtime)
                let t = given(keepable ? Stamp(mode: d.mode, content: c) : nil)
                if t.attr > 0, let expires = c.expires, case .content(let group, _) = d.cache { recheck(group, at: expires) }
                return .success((a, t))
            }
            switch d.source {
            case .disk(let path):
                guard let st = Sys.stat(path) else { return body(.failure(.notFound(path))) }
                let s = Stamp(mode: d.mode, disk: st)
                body(.success((Attributes(ino: ino, isDirectory: false, mode: d.mode, size: s.size, mtime: s.mtime), given(s))))
            case .rendered(let render), .refreshed(let render, _):
                body(sized(render(.stat), true))
            case .slow(let render):
                slow.async { body(sized(render(.stat), false)) }
            case .remote(let file):
                file.attributes { result in
                    body(result.map { r in
                        (Attributes(ino: ino, isDirectory: false, mode: d.mode, size: r.size, mtime: r.mtime), Bridge.timeouts(d.cache))
                    })
                }
            }
        }
    }

    /// Replies with a node's entry: its inode, attributes and timeouts.
    func entry(_ node: TreeNode, _ reply: Replier) {
        let ino = inodes.ino(node)
        attributes(node, ino: ino) { result in
            switch result {
            case .success(let (a, t)): reply.entry(a, entryTimeout: t.entry, attrTimeout: t.attr)
            case .failure(let e): reply.err(e)
            }
        }
    }
}

/// The checks set for kept content that expires, by group and time (ms).
private final class Expiring: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<String> = []

    /// Adds one; false when it was set already.
    func add(_ group: String, _ ms: Int64) -> Bool {
        lock.withLock { set.insert("\(ms) \(group)").inserted }
    }

    func remove(_ group: String, _ ms: Int64) {
        lock.withLock { _ = set.remove("\(ms) \(group)") }
    }
}
