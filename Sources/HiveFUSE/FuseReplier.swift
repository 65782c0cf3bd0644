import Foundation
import CFuse
import HiveCore

// Everything the bridge says to libfuse: replies, poll wake-ups, invalidations.

/// Replies to one libfuse request. libfuse lets any thread reply, exactly once, and
/// nothing else touches the request meanwhile.
struct FuseReplier: Replier, @unchecked Sendable {
    let req: fuse_req_t?
    /// A copy: libfuse's fuse_file_info lives on the worker's stack only until the callback returns.
    let info: fuse_file_info

    init(_ req: fuse_req_t?, _ fi: UnsafeMutablePointer<fuse_file_info>? = nil) {
        self.req = req
        self.info = fi?.pointee ?? fuse_file_info()
    }

    func entry(_ attributes: Attributes, entryTimeout: Double, attrTimeout: Double) {
        var e = fuse_entry_param()
        e.ino = attributes.ino
        e.generation = 1
        e.attr = Self.stat(attributes)
        e.entry_timeout = entryTimeout
        e.attr_timeout = attrTimeout
        fuse_reply_entry(req, &e)
    }

    func attr(_ attributes: Attributes, timeout: Double) {
        var st = Self.stat(attributes)
        fuse_reply_attr(req, &st, timeout)
    }

    func open(handle: UInt64, directIO: Bool, keepCache: Bool) {
        var fi = info
        hive_fuse_fi_set_direct_io(&fi, directIO ? 1 : 0)
        hive_fuse_fi_set_keep_cache(&fi, keepCache ? 1 : 0)
        hive_fuse_fi_set_fh(&fi, handle)
        fuse_reply_open(req, &fi)
    }

    func buf(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { p in
            _ = fuse_reply_buf(req, UnsafeRawPointer(p.baseAddress)?.assumingMemoryBound(to: CChar.self), p.count)
        }
    }

    func readlink(_ target: String) { fuse_reply_readlink(req, target) }

    func directory(_ entries: [DirectoryEntry], from offset: Int, size: Int) {
        var buf = [CChar](repeating: 0, count: max(0, size))
        var used = 0
        var i = max(0, offset)
        buf.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            while i < entries.count {
                var st = Glibc.stat()
                st.st_ino = ino_t(entries[i].ino)
                st.st_mode = Self.type(directory: entries[i].isDirectory, link: entries[i].isLink)
                let need = fuse_add_direntry(req, base + used, p.count - used, entries[i].name, &st, off_t(i + 1))
                if need > p.count - used { break }
                used += need
                i += 1
            }
        }
        buf.withUnsafeBufferPointer { p in _ = fuse_reply_buf(req, p.baseAddress, used) }
    }

    func write(_ count: Int) { fuse_reply_write(req, count) }

    func poll(_ events: UInt32) { fuse_reply_poll(req, events) }

    func err(_ error: HiveError) { fuse_reply_err(req, error.errno.rawValue) }

    func ok() { fuse_reply_err(req, 0) }

    /// File type bits of `st_mode` (S_IFDIR, S_IFREG, S_IFLNK).
    static let modeDirectory: mode_t = 0o040000
    static let modeRegular: mode_t = 0o100000
    static let modeLink: mode_t = 0o120000

    /// The type bits of a node.
    static func type(directory: Bool, link: Bool) -> mode_t {
        directory ? modeDirectory : link ? modeLink : modeRegular
    }
    /// Every node is the mounting user's.
    static let owner = (uid: getuid(), gid: getgid())

    static func stat(_ a: Attributes) -> stat {
        var st = Glibc.stat()
        st.st_ino = ino_t(a.ino)
        st.st_mode = type(directory: a.isDirectory, link: a.isLink) | mode_t(a.mode.rawValue)
        st.st_nlink = a.isDirectory ? 2 : 1
        st.st_uid = owner.uid
        st.st_gid = owner.gid
        st.st_size = off_t(a.size)
        st.st_blksize = 4096
        // Rounded up without overflow: another host's file may say any size, up to Int.max.
        st.st_blocks = blkcnt_t(a.size / 512 + (a.size % 512 == 0 ? 0 : 1))
        let ts = timespec(tv_sec: a.mtime.seconds, tv_nsec: a.mtime.nanosecondsPart)
        st.st_mtim = ts
        st.st_ctim = ts
        st.st_atim = ts
        return st
    }
}

/// A libfuse poll handle: woken once; freed when dropped.
final class FusePollWaiter: PollWaiter, @unchecked Sendable {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    func wake() { fuse_lowlevel_notify_poll(handle) }

    deinit { fuse_pollhandle_destroy(handle) }
}

/// The mounted session's kernel cache. The bridge calls it only while attached,
/// under its lock, so the session is never used once unmounted.
struct FuseKernelCache: KernelCache, @unchecked Sendable {
    let session: OpaquePointer

    /// Attributes and every page (offset 0, length 0: to the end).
    func invalidate(ino: UInt64) { _ = fuse_lowlevel_notify_inval_inode(session, ino, 0, 0) }

    func invalidate(parent: UInt64, name: String) {
        _ = fuse_lowlevel_notify_inval_entry(session, parent, name, name.utf8.count)
    }
}
