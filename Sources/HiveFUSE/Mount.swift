import Foundation
import CFuse
import HiveCore
import HiveRuntime
import Logging

/// Mounting, serving and unmounting the tree.
public enum Mount {
    /// `statfs` magic of FUSE file systems.
    static let fuseMagic: Int = 0x65735546

    /// What is at a mount point now.
    public enum Status: Equatable, Sendable {
        case absent
        case directory
        /// A FUSE mount whose daemon is gone ("Transport endpoint is not connected").
        case stale
        case mounted
    }

    public static func status(_ path: String) -> Status {
        switch Sys.fsType(path) {
        case .failure(let e): return e == .socketNotConnected ? .stale : .absent
        case .success(let t): return t == fuseMagic ? .mounted : .directory
        }
    }

    /// Lazily unmounts a stale mount left by a crashed daemon (`fusermount3 -u -z`).
    public static func cleanStale(_ path: String, logger: Logger) throws(HiveError) {
        guard status(path) == .stale else { return }
        logger.notice("cleaning the stale mount at \(path)")
        let r = Spawn.run(["fusermount3", "-u", "-z", path])
        guard r.ok || status(path) != .stale else {
            throw .io("cannot clean the stale mount at \(path): \(r.stderr.trimmingWhitespace())")
        }
    }

    /// Unmounts (`fusermount3 -u`), lazily when `lazy`.
    public static func unmount(_ path: String, lazy: Bool = false) throws(HiveError) {
        let r = Spawn.run(["fusermount3", "-u"] + (lazy ? ["-z"] : []) + [path])
        guard r.ok else { throw .io("fusermount3 -u \(path): \(r.stderr.trimmingWhitespace())") }
    }

    /// Mounts the tree at `mountpoint` and serves it until unmounted or signalled.
    /// `ready` is called once the kernel has the mount. Returns the loop's status.
    public static func serve(_ bridge: Bridge, at mountpoint: String, logger: Logger,
                             ready: () -> Void) throws(HiveError) -> Int32 {
        var ops = makeOperations()
        let args = ["hivefs", "-o", "fsname=hivefs,subtype=hivefs,default_permissions"]
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        defer { for p in cargs { free(p) } }
        let userdata = Unmanaged.passUnretained(bridge).toOpaque()
        guard let se = cargs.withUnsafeMutableBufferPointer({ hive_fuse_session_new(Int32(args.count), $0.baseAddress, &ops, userdata) }) else {
            throw .io("cannot create the FUSE session")
        }
        // A drop the kernel still holds up at the end (dropEverything) keeps the
        // session: it is left to the process's exit rather than destroyed under it.
        var drained = true
        defer { if drained { fuse_session_destroy(se) } }
        bridge.attach(FuseKernelCache(session: se))
        defer { if drained { bridge.attach(nil) } }
        guard fuse_set_signal_handlers(se) == 0 else { throw .io("cannot install signal handlers") }
        defer { fuse_remove_signal_handlers(se) }
        guard fuse_session_mount(se, mountpoint) == 0 else {
            throw .io("cannot mount at \(mountpoint) (is /dev/fuse there, and fusermount3 installed?)")
        }
        ready()
        let detach = DetachWatch(mountpoint: mountpoint, logger: logger)
        detach.start()
        let rc = withExtendedLifetime(ops) { hive_fuse_loop_mt(se, 16) }
        detach.served()
        drained = bridge.dropEverything(waitingAtMost: 1000)
        fuse_session_unmount(se)
        return rc
    }
}

/// Ends serving when the tree is detached while in use (`fusermount3 -u -z`,
/// `umount -l`, or `hivefs unmount` of a busy tree). The kernel then keeps the
/// detached tree alive for the files still open and never tells the daemon, which
/// would serve on, unreachable, for as long as a `tail -f` runs. The mount table
/// says when it changes (poll on /proc/self/mountinfo); when the mount point is no
/// longer this tree, the daemon stops as on SIGTERM, and the kernel answers what
/// is still open with ENOTCONN.
final class DetachWatch: @unchecked Sendable {
    private let mountpoint: String
    private let log: Logger
    private let lock = NSLock()
    private var serving = true

    init(mountpoint: String, logger: Logger) {
        self.mountpoint = mountpoint
        self.log = logger
    }

    func start() {
        let t = Thread { [self] in watch() }
        t.name = "hivefs-detach"
        t.start()
    }

    /// Called once the loop has returned: from now on nothing is signalled.
    func served() {
        lock.lock(); serving = false; lock.unlock()
    }

    private func watch() {
        let fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return log.warning("cannot watch the mount table; a lazy unmount will not stop the daemon") }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            // Reading the table to its end is what re-arms the notification.
            lseek(fd, 0, SEEK_SET)
            while buf.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
            var p = pollfd(fd: fd, events: Int16(POLLPRI), revents: 0)
            if poll(&p, 1, -1) < 0 && errno != EINTR { return }
            lock.lock(); let still = serving; lock.unlock()
            guard still else { return }
            guard Mount.status(mountpoint) != .mounted else { continue }
            // A plain unmount ends the loop by itself; a detached busy tree does not.
            usleep(300_000)
            lock.lock()
            defer { lock.unlock() }
            guard serving else { return }
            log.notice("\(mountpoint) was detached while in use; stopping")
            kill(getpid(), SIGTERM)
            return
        }
    }
}
