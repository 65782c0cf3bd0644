import Foundation
import CFuse
import HiveCore
import HiveRuntime
import SystemPackage

// The libfuse low-level callbacks. Each finds the bridge through the session's
// userdata, does its work or hands it to a queue, and replies exactly once.
// No Swift error or trap may cross into C: every path ends in a fuse_reply_*.

/// A request answered later from a runtime queue: libfuse lets any thread reply,
/// exactly once, and nothing else touches the request meanwhile.
private struct Pending: @unchecked Sendable {
    let req: fuse_req_t?
    /// A copy: libfuse's fuse_file_info lives on the worker's stack only until the callback returns.
    var fi = fuse_file_info()
}

private func bridge(_ req: fuse_req_t?) -> Bridge {
    Unmanaged<Bridge>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
}

private func replyError(_ req: fuse_req_t?, _ e: HiveError) {
    fuse_reply_err(req, e.errno.rawValue)
}

private func name(_ p: UnsafePointer<CChar>?) -> String {
    guard let p else { return "" }
    return String(cString: p)
}

/// Calls `body` with a node's attributes: at once, or from the slow queue for a live
/// `screen`, whose size is known only by capturing it from tmux.
private func withAttributes(_ b: Bridge, _ node: Node, ino: fuse_ino_t,
                            _ body: @escaping @Sendable (Result<stat, HiveError>) -> Void) {
    guard b.isLiveScreen(node), case .sessionFile(let s, _) = node else {
        return body(b.attributes(node, ino: ino))
    }
    b.slow.async {
        body(b.attributes(node, ino: ino).map { st in
            var sized = st
            sized.st_size = off_t(b.hive.screen(s).count)
            return sized
        })
    }
}

private func entry(_ b: Bridge, _ req: fuse_req_t?, _ node: Node) {
    let ino = b.inodes.ino(node)
    let p = Pending(req: req)
    withAttributes(b, node, ino: ino) { result in
        switch result {
        case .success(let st):
            var e = fuse_entry_param()
            e.ino = ino
            e.generation = 1
            e.attr = st
            (e.entry_timeout, e.attr_timeout) = b.timeouts(node)
            fuse_reply_entry(p.req, &e)
        case .failure(let e):
            replyError(p.req, e)
        }
    }
}

private let opLookup: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, parent, cname in
    let b = bridge(req)
    guard let p = b.inodes.node(parent) else { return replyError(req, .notFound("no such inode")) }
    guard let node = b.child(of: p, name(cname)) else { return replyError(req, .notFound(name(cname))) }
    entry(b, req, node)
}

private let opGetattr: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, _ in
    let b = bridge(req)
    guard let node = b.inodes.node(ino) else { return replyError(req, .notFound("no such inode")) }
    let p = Pending(req: req)
    withAttributes(b, node, ino: ino) { result in
        switch result {
        case .success(var st): fuse_reply_attr(p.req, &st, b.timeouts(node).attr)
        case .failure(let e): replyError(p.req, e)
        }
    }
}

private let opSetattr: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<stat>?, Int32, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, attr, toSet, fi in
    let b = bridge(req)
    guard let node = b.inodes.node(ino) else { return replyError(req, .notFound("no such inode")) }
    guard b.writable(node) else {
        return replyError(req, node.isDirectory ? HiveError(.notPermitted, "directories cannot be changed")
                                                 : .denied("read-only file"))
    }
    // Only truncation to zero is meaningful (`echo x > control` opens with O_TRUNC);
    // times are accepted and ignored so `touch` works; anything else is refused.
    let sizeBit = Int32(FUSE_SET_ATTR_SIZE)
    let timeBits = Int32(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)
    if toSet & ~(sizeBit | timeBits) != 0 { return replyError(req, HiveError(.notPermitted, "only truncation is supported")) }
    if toSet & sizeBit != 0, let attr, attr.pointee.st_size != 0 {
        return replyError(req, .invalid("control and spec files can only be truncated to 0"))
    }
    if toSet & sizeBit != 0, let fi, let f = b.files.get(hive_fuse_fi_fh(fi)) { f.setPending([]) }
    switch b.attributes(node, ino: ino) {
    case .success(var st): fuse_reply_attr(req, &st, 0)
    case .failure(let e): replyError(req, e)
    }
}

private let opMkdir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, mode_t) -> Void = { req, parent, cname, _ in
    let b = bridge(req)
    guard b.inodes.node(parent) == .root else {
        return replyError(req, .denied("sessions are made in the mount's root; nothing else can be created here"))
    }
    let n = name(cname)
    do throws(HiveError) {
        if RootFile(rawValue: n) != nil || n == "history" { throw .exists("'\(n)' is the root's own") }
        try b.hive.mkdir(n, uid: hive_fuse_req_uid(req))
        entry(b, req, .session(n))
    } catch {
        replyError(req, error)
    }
}

private let opRmdir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, parent, cname in
    let b = bridge(req)
    let n = name(cname)
    guard let p = b.inodes.node(parent) else { return replyError(req, .notFound(n)) }
    guard p == .root else {
        return replyError(req, p == .history || p.isDirectory ? .denied("history is never deleted; nothing here can be removed")
                                                               : .notFound(n))
    }
    guard let node = b.child(of: .root, n) else { return replyError(req, .notFound(n)) }
    guard case .session = node else {
        return replyError(req, node == .history ? .denied("history is never deleted") : HiveError(.notDirectory, n))
    }
    let pending = Pending(req: req)
    b.hive.rmdir(n, uid: hive_fuse_req_uid(req)) { err in
        if let err { replyError(pending.req, err) } else { fuse_reply_err(pending.req, 0) }
    }
}

private let opUnlink: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, parent, cname in
    let b = bridge(req)
    guard let p = b.inodes.node(parent), b.child(of: p, name(cname)) != nil else {
        return replyError(req, .notFound(name(cname)))
    }
    replyError(req, HiveError(.notPermitted, "hivefs never deletes files"))
}

private let opMknod: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, mode_t, dev_t) -> Void = { req, _, _, _, _ in
    replyError(req, .denied("no files can be created in hivefs; sessions are made with mkdir"))
}

private let opCreate: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, mode_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, _, _, _ in
    replyError(req, .denied("no files can be created in hivefs; sessions are made with mkdir"))
}

private let opRename: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, fuse_ino_t, UnsafePointer<CChar>?, UInt32) -> Void = { req, _, _, _, _, _ in
    replyError(req, HiveError(.notPermitted, "sessions and files cannot be renamed"))
}

private let opSymlink: @convention(c) (fuse_req_t?, UnsafePointer<CChar>?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, _, _, _ in
    replyError(req, .denied("no files can be created in hivefs"))
}

private let opLink: @convention(c) (fuse_req_t?, fuse_ino_t, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, _, _, _ in
    replyError(req, .denied("no files can be created in hivefs"))
}

private let opOpen: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, fi in
    let b = bridge(req)
    guard let fi, let node = b.inodes.node(ino) else { return replyError(req, .notFound("no such inode")) }
    guard !node.isDirectory else { return replyError(req, HiveError(.isDirectory, "a directory")) }
    let accmode = hive_fuse_fi_flags(fi) & O_ACCMODE
    if accmode != O_RDONLY && !b.writable(node) {
        return replyError(req, .denied("read-only file"))
    }
    let f = OpenFile(node: node)
    hive_fuse_fi_set_direct_io(fi, 1)
    if let path = b.diskPath(node) {
        do throws(Errno) {
            f.diskFd = try Sys.openRead(path).rawValue
        } catch {
            return replyError(req, error == .tooManySymbolicLinkLevels
                ? .io("\(path) is a symbolic link; hivefs serves only its own files") : .notFound(path))
        }
    } else if case .sessionFile(let s, let file) = node, file == .git || file == .gitJSON {
        // Served from what git last said; a stale answer is refreshed first, but only
        // waited for briefly (Hive.readGit), and never on this worker.
        let p = Pending(req: req, fi: fi.pointee)
        b.hive.readGit(s) {
            if let c = b.content(node) { f.setSnapshot(c.bytes, version: c.version) }
            var info = p.fi
            hive_fuse_fi_set_fh(&info, b.files.add(f))
            fuse_reply_open(p.req, &info)
        }
        return
    } else if b.isLiveScreen(node) {
        let p = Pending(req: req, fi: fi.pointee)
        b.slow.async {
            if let c = b.content(node) { f.setSnapshot(c.bytes, version: c.version) }
            var info = p.fi
            hive_fuse_fi_set_fh(&info, b.files.add(f))
            fuse_reply_open(p.req, &info)
        }
        return
    } else if accmode != O_WRONLY {
        guard let c = b.content(node) else { return replyError(req, .notFound("gone")) }
        f.setSnapshot(c.bytes, version: c.version)
    } else if let v = b.version(node) {
        f.setSnapshot([], version: v)
    }
    hive_fuse_fi_set_fh(fi, b.files.add(f))
    fuse_reply_open(req, fi)
}

private let opRead: @convention(c) (fuse_req_t?, fuse_ino_t, Int, off_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, size, off, fi in
    let b = bridge(req)
    guard let fi, let f = b.files.get(hive_fuse_fi_fh(fi)) else { return replyError(req, HiveError(.badFileDescriptor, "not open")) }
    if f.diskFd >= 0 {
        do {
            let bytes = try Sys.pread(f.diskFd, count: size, offset: Int64(off))
            bytes.withUnsafeBufferPointer { p in
                _ = fuse_reply_buf(req, UnsafeRawPointer(p.baseAddress)?.assumingMemoryBound(to: CChar.self), p.count)
            }
        } catch let e as Errno {
            replyError(req, e.hive("read failed"))
        } catch {
            replyError(req, .io("read failed"))
        }
        return
    }
    let p = Pending(req: req)
    let serve: @Sendable () -> Void = {
        let bytes = f.slice(from: Int(off), count: size)
        bytes.withUnsafeBufferPointer { buf in
            _ = fuse_reply_buf(p.req, UnsafeRawPointer(buf.baseAddress)?.assumingMemoryBound(to: CChar.self), buf.count)
        }
    }
    if off == 0 {
        // A read from the start sees the file as it is now (sysfs-style re-read after poll).
        if b.isLiveScreen(f.node) {
            b.slow.async {
                if let c = b.content(f.node) { f.setSnapshot(c.bytes, version: c.version) }
                serve()
            }
            return
        }
        if let c = b.content(f.node) { f.setSnapshot(c.bytes, version: c.version) }
        if case .sessionFile(let s, let file) = f.node, file == .git || file == .gitJSON { b.hive.readGit(s) {} }
    }
    serve()
}

private let opWrite: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, Int, off_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, buf, size, off, fi in
    let b = bridge(req)
    guard let fi, let f = b.files.get(hive_fuse_fi_fh(fi)) else { return replyError(req, HiveError(.badFileDescriptor, "not open")) }
    let bytes = buf.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
    let uid = hive_fuse_req_uid(req)
    let p = Pending(req: req)
    let done: Hive.Reply = { err in
        if let err { replyError(p.req, err) } else { fuse_reply_write(p.req, size) }
    }
    switch f.node {
    case .rootFile(.control):
        if bytes.count > ControlParser.maxWrite {
            return replyError(req, .tooBig("a write to control holds at most \(ControlParser.maxWrite) bytes; this one held \(bytes.count)"))
        }
        b.hive.rootControl(bytes, uid: uid, reply: done)
    case .sessionFile(let s, .control):
        b.hive.control(s, bytes, uid: uid, reply: done)
    case .sessionFile(let s, let file):
        guard let key = file.specKey else { return replyError(req, .denied("read-only file")) }
        guard let value = f.pendingValue(appending: bytes, at: Int(off)) else {
            return replyError(req, .invalid("spec files are written whole, from the start"))
        }
        b.hive.setSpec(s, key, value, uid: uid) { err in
            if let err { return replyError(p.req, err) }
            f.setPending(value)
            fuse_reply_write(p.req, size)
        }
    default:
        replyError(req, .denied("read-only file"))
    }
}

private let opRelease: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, fi in
    let b = bridge(req)
    if let fi, let f = b.files.remove(hive_fuse_fi_fh(fi)) {
        if f.diskFd >= 0 { Glibc.close(f.diskFd) }
        if let ph = b.files.setPollHandle(f, nil) { fuse_pollhandle_destroy(ph) }
    }
    fuse_reply_err(req, 0)
}

private let opOpendir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, fi in
    let b = bridge(req)
    guard let fi, let node = b.inodes.node(ino), node.isDirectory else { return replyError(req, HiveError(.notDirectory, "not a directory")) }
    let f = OpenFile(node: node)
    hive_fuse_fi_set_fh(fi, b.files.add(f))
    fuse_reply_open(req, fi)
}

private let opReaddir: @convention(c) (fuse_req_t?, fuse_ino_t, Int, off_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, size, off, fi in
    let b = bridge(req)
    guard let node = b.inodes.node(ino), let list = b.listing(node) else { return replyError(req, .notFound("gone")) }
    var entries: [(String, fuse_ino_t, mode_t)] = [(".", ino, modeDirectory), ("..", 1, modeDirectory)]
    for (n, child) in list { entries.append((n, b.inodes.ino(child), child.isDirectory ? modeDirectory : modeRegular)) }
    var buf = [CChar](repeating: 0, count: size)
    var used = 0
    var i = Int(off)
    while i < entries.count {
        var st = Glibc.stat()
        st.st_ino = ino_t(entries[i].1)
        st.st_mode = entries[i].2
        let need = buf.withUnsafeMutableBufferPointer { p in
            fuse_add_direntry(req, p.baseAddress! + used, size - used, entries[i].0, &st, off_t(i + 1))
        }
        if need > size - used { break }
        used += need
        i += 1
    }
    buf.withUnsafeBufferPointer { p in _ = fuse_reply_buf(req, p.baseAddress, used) }
}

private let opReleasedir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, fi in
    let b = bridge(req)
    if let fi { _ = b.files.remove(hive_fuse_fi_fh(fi)) }
    fuse_reply_err(req, 0)
}

private let opPoll: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?, OpaquePointer?) -> Void = { req, _, fi, ph in
    let b = bridge(req)
    guard let fi, let f = b.files.get(hive_fuse_fi_fh(fi)) else {
        if let ph { fuse_pollhandle_destroy(ph) }
        return replyError(req, HiveError(.badFileDescriptor, "not open"))
    }
    let ready = UInt32(POLLIN | POLLRDNORM | POLLPRI)
    guard let current = b.version(f.node) else {
        // Files that are not a session's (logs, root files) are always readable.
        if let ph { fuse_pollhandle_destroy(ph) }
        return _ = fuse_reply_poll(req, UInt32(POLLIN | POLLRDNORM))
    }
    if current != f.currentVersion {
        if let ph { fuse_pollhandle_destroy(ph) }
        return _ = fuse_reply_poll(req, ready)
    }
    if let old = b.files.setPollHandle(f, ph) { fuse_pollhandle_destroy(old) }
    // A change between the check and the registration must not be missed.
    if let now = b.version(f.node), now != f.currentVersion { b.changed(f.node.sessionName ?? "") }
    fuse_reply_poll(req, 0)
}

/// The callbacks hivefs implements; the rest keep libfuse's defaults.
func makeOperations() -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()
    ops.lookup = opLookup
    ops.getattr = opGetattr
    ops.setattr = opSetattr
    ops.mkdir = opMkdir
    ops.rmdir = opRmdir
    ops.unlink = opUnlink
    ops.mknod = opMknod
    ops.create = opCreate
    ops.rename = opRename
    ops.symlink = opSymlink
    ops.link = opLink
    ops.open = opOpen
    ops.read = opRead
    ops.write = opWrite
    ops.release = opRelease
    ops.opendir = opOpendir
    ops.readdir = opReaddir
    ops.releasedir = opReleasedir
    ops.poll = opPoll
    return ops
}
