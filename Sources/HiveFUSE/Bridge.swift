import Foundation
import HiveCore
import HiveRuntime
import Logging

/// The FUSE bridge: serves a `TreeTable` to the kernel without knowing any file of
/// it. It maps requests on inodes to the table's descriptions, and errors to errnos.
/// Decisions, stated once:
/// - Every file is `direct_io`: reads always reach us, so sizes that change between
///   `stat` and `read` never cut a read short, and logs read from any offset.
/// - What the kernel may keep is the table's `CachePolicy`, kept at most
///   `Bridge.cacheSeconds`: names and directories are kept, a file's attributes are
///   not (`stat` is always current: `tail -f` polls it), and what the table says
///   comes and goes is not kept at all. What changes otherwise (a session made, a
///   history entry pruned) the table announces, and the kernel is told to drop it.
///   This spares a lookup and an attribute request per path component on every open.
/// - Rendered files are rendered into the open handle; a read at offset 0 renders again.
/// - Slow sources (tmux) and refreshes (git) run on runtime queues and reply when
///   done; no libfuse worker waits on them.
/// - Poll wake-ups and invalidations are sent from `notifier`, a queue of our own,
///   never from a FUSE worker (DESIGN.md §9).
/// - Nothing is made, moved, linked or deleted but directories the table lets be
///   made or removed: create, mknod, symlink and link are EACCES, rename and unlink EPERM.
/// - Every request is answered exactly once, through its `Replier`, and no Swift error
///   crosses into C: each path of `serve` ends in one reply.
///
/// Threads: `serve` runs on libfuse's workers, and its deferred replies on `slow` or
/// the table's queues; `inodes` and `files` are safe from any of them. The kernel
/// cache is set by `Mount.serve` and used by `notifier` only, under `kernelLock`.
public final class Bridge: @unchecked Sendable {
    let tree: TreeTable
    let inodes = InodeTable()
    let files = OpenFiles()
    let log: Logger
    let notifier = DispatchQueue(label: "hivefs.notify")
    let slow = DispatchQueue(label: "hivefs.slow", attributes: .concurrent)
    /// How long the kernel may keep what the table lets it keep, without asking.
    static let cacheSeconds: Double = 60
    /// The mounted session's cache, for invalidations; nil before mounting and after unmounting.
    private var kernel: KernelCache?
    private let kernelLock = NSLock()

    public init(tree: TreeTable, logger: Logger) {
        self.tree = tree
        self.log = logger
        tree.watch { [weak self] notice in self?.heard(notice) }
    }

    /// Set by `Mount.serve` while the kernel has the mount.
    func attach(_ cache: KernelCache?) {
        kernelLock.lock(); kernel = cache; kernelLock.unlock()
    }

    /// How long the kernel may keep a node's name (entry) and attributes.
    static func timeouts(_ cache: CachePolicy) -> (entry: Double, attr: Double) {
        switch cache {
        case .never: return (0, 0)
        case .name: return (cacheSeconds, 0)
        case .nameAndAttributes: return (cacheSeconds, cacheSeconds)
        }
    }

    /// Serves one request; `reply` is called exactly once, now or later.
    func serve(_ request: Request, _ reply: Replier) {
        switch request {
        case let .lookup(parent, name): lookup(parent, name, reply)
        case let .getattr(ino): getattr(ino, reply)
        case let .setattr(ino, changes, handle): setattr(ino, changes, handle, reply)
        case let .open(ino, flags): open(ino, flags: flags, reply)
        case let .read(handle, size, offset): read(handle, size: size, offset: offset, reply)
        case let .write(handle, bytes, offset, uid): write(handle, bytes, offset: offset, uid: uid, reply)
        case let .release(handle): release(handle, reply)
        case let .opendir(ino): opendir(ino, reply)
        case let .readdir(ino, size, offset): readdir(ino, size: size, offset: offset, reply)
        case let .releasedir(handle): release(handle, reply)
        case let .poll(handle, waiter): poll(handle, waiter, reply)
        case let .mkdir(parent, name, uid): mkdir(parent, name, uid: uid, reply)
        case let .rmdir(parent, name, uid): rmdir(parent, name, uid: uid, reply)
        case let .unlink(parent, name): unlink(parent, name, reply)
        case .create: reply.err(.denied("no files can be created in hivefs; sessions are made with mkdir"))
        case .link: reply.err(.denied("no files can be created in hivefs"))
        case .rename: reply.err(HiveError(.notPermitted, "sessions and files cannot be renamed"))
        }
    }

    // MARK: notices

    /// Passes on a change the table announced, from a queue that serves no request.
    func heard(_ notice: TreeNotice) {
        switch notice {
        case .changed(let group):
            wake(group)
        case .attributesChanged(let node):
            notifier.async { [self] in
                kernelLock.lock(); defer { kernelLock.unlock() }
                guard let kernel, let ino = inodes.known(node) else { return }
                kernel.invalidate(ino: ino)
            }
        case .nameChanged(let directory, let name):
            notifier.async { [self] in
                kernelLock.lock(); defer { kernelLock.unlock() }
                guard let kernel, let parent = inodes.known(directory) else { return }
                kernel.invalidate(parent: parent, name: name)
            }
        }
    }

    /// Wakes the polls waiting on the files of `group` (every file's when nil).
    func wake(_ group: String?) {
        notifier.async { [self] in
            for waiter in files.takeWaiters(group) { waiter.wake() }
        }
    }

    // MARK: descriptions

    /// The file a node stands for now, if it is one.
    func file(_ node: TreeNode) -> FileDescription? {
        guard case .file(let d)? = tree.describe(node) else { return nil }
        return d
    }

    /// Calls `body` with a node's attributes and cache policy: at once, or from the
    /// slow queue for a slow source, whose size is known only by rendering it.
    func attributes(_ node: TreeNode, ino: UInt64,
                    _ body: @escaping @Sendable (Result<(Attributes, CachePolicy), HiveError>) -> Void) {
        switch tree.describe(node) {
        case nil:
            body(.failure(.notFound(node.description)))
        case .directory(let d)?:
            body(.success((Attributes(ino: ino, isDirectory: true, mode: d.mode, size: 0, mtime: d.mtime), d.cache)))
        case .file(let d)?:
            let sized: @Sendable (FileContent?) -> Result<(Attributes, CachePolicy), HiveError> = { c in
                guard let c else { return .failure(.notFound(node.description)) }
                return .success((Attributes(ino: ino, isDirectory: false, mode: d.mode, size: c.bytes.count, mtime: c.mtime), d.cache))
            }
            switch d.source {
            case .disk(let path):
                guard let st = Sys.stat(path) else { return body(.failure(.notFound(path))) }
                let mtime = Timestamp(milliseconds: Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
                body(.success((Attributes(ino: ino, isDirectory: false, mode: d.mode, size: Int(st.st_size), mtime: mtime), d.cache)))
            case .rendered(let render), .refreshed(let render, _):
                body(sized(render(.stat)))
            case .slow(let render):
                slow.async { body(sized(render(.stat))) }
            }
        }
    }

    /// Replies with a node's entry: its inode, attributes and timeouts.
    func entry(_ node: TreeNode, _ reply: Replier) {
        let ino = inodes.ino(node)
        attributes(node, ino: ino) { result in
            switch result {
            case .success(let (a, cache)):
                let t = Bridge.timeouts(cache)
                reply.entry(a, entryTimeout: t.entry, attrTimeout: t.attr)
            case .failure(let e):
                reply.err(e)
            }
        }
    }
}
