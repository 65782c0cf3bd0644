import Foundation
import CFuse
import HiveCore

// The libfuse low-level callbacks: thin shims that turn what libfuse passes into a
// `Request` and hand it to the bridge with a `FuseReplier`. The bridge replies
// exactly once; nothing here throws or traps, so nothing crosses into C. While the
// bridge serves, the thread is marked as a FUSE worker (`FuseWorker`).

private func serve(_ req: fuse_req_t?, _ request: Request, _ fi: UnsafeMutablePointer<fuse_file_info>? = nil) {
    let reply = FuseReplier(req, fi)
    guard let data = fuse_req_userdata(req) else { return reply.err(.io("no bridge for the request")) }
    let bridge = Unmanaged<Bridge>.fromOpaque(data).takeUnretainedValue()
    FuseWorker.serving { bridge.serve(request, reply) }
}

private func name(_ p: UnsafePointer<CChar>?) -> String {
    guard let p else { return "" }
    return String(cString: p)
}

/// The handle of an open file; 0, which names no open file, when libfuse gave none.
private func handle(_ fi: UnsafeMutablePointer<fuse_file_info>?) -> UInt64 {
    fi.map { hive_fuse_fi_fh($0) } ?? 0
}

private let opLookup: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, parent, cname in
    serve(req, .lookup(parent: parent, name: name(cname)))
}

private let opGetattr: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, _ in
    serve(req, .getattr(ino: ino))
}

private let opReadlink: @convention(c) (fuse_req_t?, fuse_ino_t) -> Void = { req, ino in
    serve(req, .readlink(ino: ino))
}

private let opSetattr: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<stat>?, Int32, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, attr, toSet, fi in
    let sizeBit = Int32(FUSE_SET_ATTR_SIZE)
    let timeBits = Int32(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)
    let changes = AttributeChanges(size: toSet & sizeBit != 0 ? Int64(attr?.pointee.st_size ?? 0) : nil,
                                   other: toSet & ~(sizeBit | timeBits) != 0)
    serve(req, .setattr(ino: ino, changes: changes, handle: fi.map { hive_fuse_fi_fh($0) }))
}

private let opMkdir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, mode_t) -> Void = { req, parent, cname, _ in
    serve(req, .mkdir(parent: parent, name: name(cname), uid: hive_fuse_req_uid(req)))
}

private let opRmdir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, parent, cname in
    serve(req, .rmdir(parent: parent, name: name(cname), uid: hive_fuse_req_uid(req)))
}

private let opUnlink: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, parent, cname in
    serve(req, .unlink(parent: parent, name: name(cname)))
}

private let opMknod: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, mode_t, dev_t) -> Void = { req, _, _, _, _ in
    serve(req, .create)
}

private let opCreate: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, mode_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, _, _, _ in
    serve(req, .create)
}

private let opRename: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, fuse_ino_t, UnsafePointer<CChar>?, UInt32) -> Void = { req, _, _, _, _, _ in
    serve(req, .rename)
}

private let opSymlink: @convention(c) (fuse_req_t?, UnsafePointer<CChar>?, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, _, _, _ in
    serve(req, .link)
}

private let opLink: @convention(c) (fuse_req_t?, fuse_ino_t, fuse_ino_t, UnsafePointer<CChar>?) -> Void = { req, _, _, _ in
    serve(req, .link)
}

private let opOpen: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, fi in
    guard let fi else { return FuseReplier(req).err(.notFound("no file information")) }
    serve(req, .open(ino: ino, flags: hive_fuse_fi_flags(fi)), fi)
}

private let opRead: @convention(c) (fuse_req_t?, fuse_ino_t, Int, off_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, size, off, fi in
    serve(req, .read(handle: handle(fi), size: size, offset: Int64(off)))
}

private let opWrite: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafePointer<CChar>?, Int, off_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, buf, size, off, fi in
    let bytes = buf.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
    serve(req, .write(handle: handle(fi), bytes: bytes, offset: Int64(off), uid: hive_fuse_req_uid(req)))
}

private let opRelease: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, fi in
    serve(req, .release(handle: handle(fi)))
}

private let opOpendir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, fi in
    guard let fi else { return FuseReplier(req).err(HiveError(.notDirectory, "no file information")) }
    serve(req, .opendir(ino: ino), fi)
}

private let opReaddir: @convention(c) (fuse_req_t?, fuse_ino_t, Int, off_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, ino, size, off, _ in
    serve(req, .readdir(ino: ino, size: size, offset: Int64(off)))
}

private let opReleasedir: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?) -> Void = { req, _, fi in
    serve(req, .releasedir(handle: handle(fi)))
}

private let opPoll: @convention(c) (fuse_req_t?, fuse_ino_t, UnsafeMutablePointer<fuse_file_info>?, OpaquePointer?) -> Void = { req, _, fi, ph in
    serve(req, .poll(handle: handle(fi), waiter: ph.map { FusePollWaiter($0) }))
}

/// The callbacks hivefs implements; the rest keep libfuse's defaults.
func makeOperations() -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()
    ops.lookup = opLookup
    ops.getattr = opGetattr
    ops.readlink = opReadlink
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
