import Foundation
import HiveCore
import HiveRuntime
import SystemPackage

/// The requests on open files: open, read, write, poll, release. Run on libfuse's
/// workers; what a slow source or a refresh defers replies from its queue.
extension Bridge {
    /// Poll events: readable, and changed since the handle's rendering.
    static let readable = UInt32(POLLIN | POLLRDNORM)
    static let changedEvents = UInt32(POLLIN | POLLRDNORM | POLLPRI)

    func open(_ ino: UInt64, flags: Int32, _ reply: Replier) {
        guard let node = inodes.node(ino) else { return reply.err(.notFound("no such inode")) }
        guard !node.isDirectory else { return reply.err(HiveError(.isDirectory, "a directory")) }
        // The kernel follows a link and never opens it; as open(2) with O_NOFOLLOW says.
        guard !node.isLink else { return reply.err(HiveError(.tooManySymbolicLinkLevels, "a symbolic link")) }
        let accmode = flags & O_ACCMODE
        let d = file(node)
        if accmode != O_RDONLY && d?.mode.isWritable != true { return reply.err(.denied("read-only file")) }
        guard let d else { return reply.err(.notFound("gone")) }
        let f = OpenFile(node: node)
        // A file kept until changed, opened only to be read, is read through the page cache.
        let group: String? = {
            if accmode == O_RDONLY, case .content(let g, _) = d.cache { return g }
            return nil
        }()
        switch d.source {
        case .disk(let path):
            do throws(Errno) {
                f.diskFd = try Sys.openRead(path).rawValue
            } catch {
                return reply.err(error == .tooManySymbolicLinkLevels
                    ? .io("\(path) is a symbolic link; hivefs serves only its own files") : .notFound(path))
            }
            if let group, let st = Sys.stat(f.diskFd) {
                return openKept(f, ino, group: group, Stamp(mode: d.mode, disk: st), expires: nil, reply)
            }
        case .refreshed(let render, let refresh):
            // Served from what was last known; a stale answer is refreshed first, but
            // only waited for briefly (the table's bound), and never on this worker.
            return refresh { [self] in
                if let c = render(.read) {
                    f.setSnapshot(c)
                    if let group {
                        return openKept(f, ino, group: group, Stamp(mode: d.mode, content: c), expires: c.expires, reply)
                    }
                }
                reply.open(handle: files.add(f), directIO: true, keepCache: false)
            }
        case .slow(let render):
            return slow.async { [self] in
                if let c = render(.read) { f.setSnapshot(c) }
                reply.open(handle: files.add(f), directIO: true, keepCache: false)
            }
        case .remote(let file):
            f.remote = file
            // Opened to be written only: it must be known there (what it knows
            // already says so); the write itself goes over the link.
            guard accmode != O_WRONLY else {
                return file.attributes { [self] result in
                    switch result {
                    case .success: reply.open(handle: files.add(f), directIO: true, keepCache: false)
                    case .failure(let e): reply.err(e)
                    }
                }
            }
            // Else its start is fetched now, in one round trip, for the reads to come.
            return file.open { [self] result in
                switch result {
                case .success(let s):
                    f.setSnapshot(s, fresh: true)
                    reply.open(handle: files.add(f), directIO: true, keepCache: false)
                case .failure(let e):
                    reply.err(e)
                }
            }
        case .rendered(let render):
            if accmode != O_WRONLY {
                guard let c = render(.read) else { return reply.err(.notFound("gone")) }
                f.setSnapshot(c)
                if let group {
                    return openKept(f, ino, group: group, Stamp(mode: d.mode, content: c), expires: c.expires, reply)
                }
            } else if let v = d.poll?.version() {
                f.setVersion(v)
            }
        }
        reply.open(handle: files.add(f), directIO: true, keepCache: false)
    }

    /// Opens a kept file, which shows `now`, to be read through the page cache; the
    /// pages the kernel keeps are kept only if they show just that. A file whose size
    /// the kernel holds is not its size now (a change whose drop is on its way: made
    /// sure of) is read around the cache. Content that expires is checked again then.
    private func openKept(_ f: OpenFile, _ ino: UInt64, group: String, _ now: Stamp, expires: Timestamp?,
                          _ reply: Replier) {
        if let expires { recheck(group, at: expires) }
        let held = kept.entry(ino)
        if let a = held?.attributes, !a.sameAttributes(now) {
            dropLater(ino)
            return reply.open(handle: files.add(f), directIO: true, keepCache: false)
        }
        f.kept = (ino: ino, group: group)
        let same = held.map { !$0.mixedPages && $0.pages.map { $0.sameBytes(now) } == true } ?? false
        reply.open(handle: files.add(f), directIO: false, keepCache: same)
    }

    func read(_ handle: UInt64, size: Int, offset: Int64, _ reply: Replier) {
        guard let f = files.get(handle) else { return reply.err(HiveError(.badFileDescriptor, "not open")) }
        if traceReads { log.info("read \(f.node) offset \(offset) size \(size)") }
        if let k = f.kept { return readKept(f, ino: k.ino, group: k.group, size: size, offset: offset, reply) }
        if f.diskFd >= 0 {
            do throws(Errno) {
                reply.buf(try Sys.pread(f.diskFd, count: size, offset: offset))
            } catch {
                reply.err(error.hive("read failed"))
            }
            return
        }
        if let file = f.remote { return readRemote(f, file, size: size, offset: offset, reply) }
        let serve: @Sendable () -> Void = { reply.buf(f.slice(from: Int(offset), count: size)) }
        // A read from the start sees the file as it is now (sysfs-style re-read after poll).
        guard offset == 0, let d = file(f.node) else { return serve() }
        switch d.source {
        case .slow(let render):
            slow.async {
                if let c = render(.read) { f.setSnapshot(c) }
                serve()
            }
        case .rendered(let render):
            if let c = render(.read) { f.setSnapshot(c) }
            serve()
        case .refreshed(let render, let refresh):
            if let c = render(.read) { f.setSnapshot(c) }
            refresh {}
            serve()
        case .disk, .remote:
            serve()
        }
    }

    /// A read of another host's file: from the open's snapshot where it holds the
    /// bytes; at its end, the end of the file at once if the snapshot was the whole
    /// file and no change was announced since; else over the link. A read from the
    /// start after a change (or, for a file that changes unannounced, any read from
    /// the start but the first) fetches the snapshot again.
    private func readRemote(_ f: OpenFile, _ file: any RemoteFile, size: Int, offset: Int64, _ reply: Replier) {
        let s = f.takeRemoteSnapshot()
        let unchanged = file.announced && file.version == s.version
        if offset == 0, !s.fresh, !unchanged {
            return file.open { result in
                switch result {
                case .success(let new):
                    f.setSnapshot(new, fresh: false)
                    reply.buf(f.slice(from: 0, count: size))
                case .failure(let e):
                    reply.err(e)
                }
            }
        }
        if offset < Int64(s.count) { return reply.buf(f.slice(from: Int(offset), count: size)) }
        if s.whole, unchanged { return reply.buf([]) }
        file.read(offset: offset, count: size) { result in
            switch result {
            case .success(let bytes): reply.buf(bytes)
            case .failure(let e): reply.err(e)
            }
        }
    }

    /// A read that fills the kernel's pages: the file as it is now, at any offset
    /// (so the pages show one rendering, whichever page is asked for), recorded as
    /// what the pages show. Pages that may be outdated already (a change announced
    /// while rendering, a file gone) are given all the same, and then dropped.
    private func readKept(_ f: OpenFile, ino: UInt64, group: String, size: Int, offset: Int64, _ reply: Replier) {
        let mark = kept.mark()
        let d = file(f.node)
        var bytes: [UInt8]?
        var stamp: Stamp?
        switch d?.source {
        case .rendered(let render)?, .refreshed(let render, _)?:
            if let d, let c = render(.read) {
                f.setSnapshot(c)
                stamp = Stamp(mode: d.mode, content: c)
                if let expires = c.expires { recheck(group, at: expires) }
            }
            if case .refreshed(_, let refresh)? = d?.source, offset == 0 { refresh {} }
        case .disk(let path)?:
            // The file now, not the one the handle opened: it may have been written again.
            if let d, let fd = try? Sys.openRead(path) {
                if let st = Sys.stat(fd.rawValue), let b = try? Sys.pread(fd.rawValue, count: size, offset: offset) {
                    bytes = b
                    stamp = Stamp(mode: d.mode, disk: st)
                }
                try? fd.close()
            }
            if bytes == nil { bytes = (try? Sys.pread(f.diskFd, count: size, offset: offset)) ?? [] }
        default:
            break
        }
        let recorded = stamp.map { kept.keepPages(ino, f.node, group: group, $0, since: mark) } ?? false
        if !recorded { dropLater(ino) }
        reply.buf(bytes ?? f.slice(from: Int(offset), count: size))
    }

    /// A write is taken whole or not at all: its full byte count once it has taken
    /// effect (or the shell writes it again), else the errno.
    func write(_ handle: UInt64, _ bytes: [UInt8], offset: Int64, uid: UInt32, _ reply: Replier) {
        guard let f = files.get(handle) else { return reply.err(HiveError(.badFileDescriptor, "not open")) }
        switch file(f.node)?.write ?? .none {
        case .none:
            reply.err(.denied("read-only file"))
        case .commands(let perform):
            perform(bytes, uid) { err in
                if let err { reply.err(err) } else { reply.write(bytes.count) }
            }
        case .lines(let perform):
            // Writes on one handle come one after the other (each waits for its reply).
            let complete: [UInt8]
            do throws(HiveError) { complete = try f.takeLines(bytes, uid: uid) } catch { return reply.err(error) }
            guard !complete.isEmpty else { return reply.write(bytes.count) }
            perform(complete, uid) { err in
                if let err { reply.err(err) } else { reply.write(bytes.count) }
            }
        case .value(let perform):
            guard let value = f.pendingValue(appending: bytes, at: Int(offset)) else {
                return reply.err(.invalid("spec files are written whole, from the start"))
            }
            perform(value, uid) { err in
                if let err { return reply.err(err) }
                f.setPending(value)
                reply.write(bytes.count)
            }
        }
    }

    /// A file of lines gets its unfinished last line now; release cannot fail, so a
    /// refusal of it is only recorded (an `error` event, as every refusal is).
    func release(_ handle: UInt64, _ reply: Replier) {
        let f = files.remove(handle)
        if let f, f.diskFd >= 0 { Glibc.close(f.diskFd) }
        if let f, let last = f.finishLines(), case .lines(let perform)? = file(f.node)?.write {
            return perform(last.bytes, last.uid) { _ in reply.ok() }
        }
        reply.ok()
    }

    /// Ready when the file's counter moved since the handle's rendering; else the
    /// waiter is kept until the table announces a change of the file's group.
    func poll(_ handle: UInt64, _ waiter: PollWaiter?, _ reply: Replier) {
        guard let f = files.get(handle) else { return reply.err(HiveError(.badFileDescriptor, "not open")) }
        // Files with no counter (logs, the root's) are always readable.
        guard let counter = file(f.node)?.poll, let current = counter.version() else { return reply.poll(Self.readable) }
        if current != f.currentVersion {
            // The read that follows must reach us (and catch the handle up), not pages
            // that another handle's read may have brought up to date.
            if let k = f.kept, kept.entry(k.ino) != nil {
                return notifier.async { [self] in
                    drop([k.ino])
                    reply.poll(Self.changedEvents)
                }
            }
            return reply.poll(Self.changedEvents)
        }
        files.setWaiter(f, waiter, group: counter.group)
        // A change between the check and the registration must not be missed.
        if let now = counter.version(), now != f.currentVersion { wake(counter.group) }
        reply.poll(0)
    }
}
