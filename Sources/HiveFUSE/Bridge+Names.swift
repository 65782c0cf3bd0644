import Foundation
import HiveCore

/// The requests on names and directories: lookup, attributes, listing, mkdir,
/// rmdir, and the refusals of the rest. Run on libfuse's workers.
extension Bridge {
    func lookup(_ parent: UInt64, _ name: String, _ reply: Replier) {
        guard let p = inodes.node(parent) else { return reply.err(.notFound("no such inode")) }
        guard let node = tree.lookup(p, name) else { return reply.err(.notFound(name)) }
        entry(node, reply)
    }

    func getattr(_ ino: UInt64, _ reply: Replier) {
        guard let node = inodes.node(ino) else { return reply.err(.notFound("no such inode")) }
        attributes(node, ino: ino) { result in
            switch result {
            case .success(let (a, t)): reply.attr(a, timeout: t.attr)
            case .failure(let e): reply.err(e)
            }
        }
    }

    /// A symbolic link's target; EINVAL for anything else, as readlink(2) says.
    func readlink(_ ino: UInt64, _ reply: Replier) {
        guard let node = inodes.node(ino) else { return reply.err(.notFound("no such inode")) }
        guard case .link(let l)? = tree.describe(node) else { return reply.err(.invalid("not a symbolic link")) }
        reply.readlink(l.target)
    }

    /// Only truncation to zero is meaningful (`echo x > control` opens with O_TRUNC),
    /// and only on a writable file; times are accepted and ignored so `touch` works;
    /// anything else is refused.
    func setattr(_ ino: UInt64, _ changes: AttributeChanges, _ handle: UInt64?, _ reply: Replier) {
        guard let node = inodes.node(ino) else { return reply.err(.notFound("no such inode")) }
        guard !node.isDirectory else { return reply.err(HiveError(.notPermitted, "directories cannot be changed")) }
        guard let d = file(node), d.mode.isWritable else { return reply.err(.denied("read-only file")) }
        if changes.other { return reply.err(HiveError(.notPermitted, "only truncation is supported")) }
        if let size = changes.size, size != 0 {
            return reply.err(.invalid("control and spec files can only be truncated to 0"))
        }
        if changes.size != nil, let handle, let f = files.get(handle) { f.setPending([]) }
        attributes(node, ino: ino, keeping: false) { result in
            switch result {
            case .success(let (a, _)): reply.attr(a, timeout: 0)
            case .failure(let e): reply.err(e)
            }
        }
    }

    func opendir(_ ino: UInt64, _ reply: Replier) {
        guard let node = inodes.node(ino), node.isDirectory else {
            return reply.err(HiveError(.notDirectory, "not a directory"))
        }
        reply.open(handle: files.add(OpenFile(node: node)), directIO: false, keepCache: false)
    }

    func readdir(_ ino: UInt64, size: Int, offset: Int64, _ reply: Replier) {
        guard let node = inodes.node(ino), let list = tree.listing(node) else { return reply.err(.notFound("gone")) }
        var entries = [DirectoryEntry(name: ".", ino: ino, isDirectory: true),
                       DirectoryEntry(name: "..", ino: InodeTable.rootIno, isDirectory: true)]
        entries += list.map { DirectoryEntry(name: $0.name, ino: inodes.ino($0), isDirectory: $0.isDirectory, isLink: $0.isLink) }
        reply.directory(entries, from: Int(offset), size: size)
    }

    /// A directory made where the table lets one be made.
    func mkdir(_ parent: UInt64, _ name: String, uid: UInt32, _ reply: Replier) {
        guard let p = inodes.node(parent), case .directory(let d)? = tree.describe(p), d.make != nil || d.makeLater != nil else {
            return reply.err(.denied("no directory can be made here"))
        }
        if let later = d.makeLater {
            return later(name, uid) { [self] result in
                switch result {
                case .success(let node): entry(node, reply)
                case .failure(let e): reply.err(e)
                }
            }
        }
        guard let make = d.make else { return reply.err(.denied("no directory can be made here")) }
        do throws(HiveError) {
            entry(try make(name, uid), reply)
        } catch {
            reply.err(error)
        }
    }

    /// A directory removed if the table lets it be.
    func rmdir(_ parent: UInt64, _ name: String, uid: UInt32, _ reply: Replier) {
        guard let p = inodes.node(parent), let node = tree.lookup(p, name) else { return reply.err(.notFound(name)) }
        guard node.isDirectory else { return reply.err(HiveError(.notDirectory, name)) }
        guard case .directory(let d)? = tree.describe(node) else { return reply.err(.notFound(name)) }
        switch d.removal {
        case .refused(let e):
            reply.err(e)
        case .remove(let remove):
            remove(uid) { err in
                if let err { reply.err(err) } else { reply.ok() }
            }
        }
    }

    func unlink(_ parent: UInt64, _ name: String, _ reply: Replier) {
        guard let p = inodes.node(parent), tree.lookup(p, name) != nil else { return reply.err(.notFound(name)) }
        reply.err(HiveError(.notPermitted, "hivefs never deletes files"))
    }
}
