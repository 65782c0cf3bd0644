import Foundation
import HiveCore
import Logging
import SystemPackage

/// The root `spool/` folder (hivefs(5), SPOOL): a file of `new` lines that lands
/// there is taken, its sessions made, and the file moved to `done/` or `failed/`
/// with a `.result` beside it. This is how a cron job or a ticket hook starts work.
///
/// Decisions, stated once:
/// - The spool is a real folder on disk, `STATE/spool` (with `done/` and `failed/`
///   in it, made with the state directory), and the mount shows it as a symbolic
///   link `spool` to that folder's absolute path (HiveTree). So `cp`, `mv` (an
///   atomic rename from the same file system), editors' temporary files and renames,
///   fsync, and scripts that write while no daemon runs all get the kernel's own
///   file system; hivefs only reads what lands there.
/// - A file is taken when it is closed after writing or renamed in (inotify's
///   IN_CLOSE_WRITE, IN_MOVED_TO), and at start, in name order, for what landed
///   while no daemon ran; and the folder is looked at again whole when inotify lost
///   events (IN_Q_OVERFLOW). Not taken: the names `SpoolFile.takes` refuses (editors'
///   and downloads' temporaries), anything but a regular file (a symbolic link is
///   not followed), empty files, left alone until they have content, and files
///   someone still has open for writing (a read lease, F_SETLEASE, is refused): they
///   are taken at their close. Where leases cannot be had, a file is taken as it is.
///   A lease held is broken by a writer's open with SIGIO, so the daemon catches SIGIO.
/// - A file is claimed before it is read: renamed (never replacing) into
///   `spool/.taking/`, and only what was claimed is read, run and moved on from
///   there. So a file put in its place meanwhile (`mv` onto the name, a rewrite) is
///   a file of its own, taken in its turn, never moved to `done/` untaken.
/// - A file found in `.taking/` at start was being taken when a daemon stopped: its
///   lines are not run again (some may have made their sessions). It goes to
///   `failed/` with a `.result` whose line 0 says so and whose lines say `ok NAME`
///   where the session a line names exists, else that it was not run again.
/// - Files are taken one at a time on the spool's own serial queue: never on the
///   watcher's thread, never on a FUSE worker.
/// - A file over `SpoolFile.maxBytes` goes to `failed/` whole (E2BIG), no line run.
/// - Each line is made into a session as the root `control`'s `new` makes one
///   (`run`: `Hive.spoolLine`), for the file's owner; a bad line fails alone.
/// - Then `FILE.result` is written whole (a temporary file renamed) in `done/`, when
///   every line made its session, else in `failed/`, and the file is renamed
///   beside it, never copied. A name there already is never replaced: `.1`, `.2`…
///   are added. Nothing is lost: if the rename fails, the file stays in `.taking/`
///   (its lines are not run again: the next start moves it to `failed/`), its
///   `.result` is removed, and the root event says why.
/// - Each file taken is one root `spool` event, by the file's owner.
final class Spool: @unchecked Sendable {
    let store: StateStore
    let watcher: Watcher
    let log: Logger
    /// Takes files one at a time.
    let queue = DispatchQueue(label: "hivefs.spool")
    /// How many times a name is tried again when another took it meanwhile.
    static let renameTries = 100

    init(store: StateStore, watcher: Watcher, logger: Logger) {
        self.store = store
        self.watcher = watcher
        self.log = logger
    }

    /// Carries out one line of a file, for the file's owner: the session it made, or why not.
    typealias Run = @Sendable (_ line: String, _ uid: UInt32, _ file: String) -> Result<String, HiveError>
    /// Records a root event.
    typealias Record = @Sendable (Event) -> Void

    /// Watches the folder, then settles what a stopped daemon left in `.taking/`, then
    /// takes what is in the folder already, in name order. The watch comes first so
    /// nothing that lands meanwhile is missed; a file heard of twice is taken once
    /// (the second finds it gone). `exists` says whether a session exists.
    func start(run: @escaping Run, exists: @escaping @Sendable (String) -> Bool, record: @escaping Record) {
        // A read lease broken by a writer's open is told with SIGIO, whose default ends
        // the process. A handler that does nothing, not SIG_IGN: what the daemon runs
        // (tmux, git, agents) gets the default back at exec.
        signal(SIGIO) { _ in }
        let folder = store.spoolDir
        let landed: Watcher.NamedCallback = { [self] name in
            queue.async {
                // Empty: events were lost (IN_Q_OVERFLOW); the folder is looked at whole.
                guard name.isEmpty else { return self.take(name, run: run, record: record) }
                for name in Sys.listDirectory(folder) { self.take(name, run: run, record: record) }
            }
        }
        if watcher.watchLanding(in: folder, landed) == nil {
            log.warning("cannot watch \(folder): files written there are taken only at the next start")
        }
        let left = Sys.listDirectory(store.spoolTakingDir)
        let present = Sys.listDirectory(folder)
        queue.async { [self] in
            for name in left { settleInterrupted(name, exists: exists, record: record) }
            for name in present { take(name, run: run, record: record) }
        }
    }

    /// Takes the file `name` of the spool if it is one to take; on `queue`.
    private func take(_ name: String, run: Run, record: Record) {
        guard SpoolFile.takes(name) else { return }
        let path = store.spoolDir + "/" + name
        // Gone when taken already.
        guard let (fd, st) = Self.openRegular(path) else { return }
        defer { Sys.close(fd) }
        guard st.st_size > 0 else { return }
        var lease = Sys.takeReadLease(fd)
        guard lease != .openForWriting else {
            return log.info("spool: \(name) is still open for writing; taken once it is closed")
        }
        // Held only until the file is read: a writer that opens it after waits no longer.
        defer { if lease == .held { Sys.releaseLease(fd) } }
        // Claimed first: what is read, run and moved is this one file.
        let claimed = store.spoolTakingDir + "/" + name
        do throws(Errno) {
            try? Sys.makeDirectories(store.spoolTakingDir)
            try Sys.renameNoReplace(path, claimed)
        } catch .noSuchFileOrDirectory {
            return
        } catch {
            // Said where the user looks: a file of that name left in .taking/ (a move that
            // failed) holds this one back until it is moved away.
            let why = "\(name): not taken: it cannot be claimed (to .taking/): \(ErrnoNames.name(of: error)) \(error); left in spool/"
            log.warning("spool: \(why)")
            return record(Event(session: "-", kind: .spool, detail: why, uid: st.st_uid))
        }
        // Put in its place between the open and the claim: the claimed one is the one taken.
        var readFd = fd
        var other: Int32 = -1
        var otherLease = Sys.ReadLease.unsupported
        defer {
            if otherLease == .held { Sys.releaseLease(other) }
            if other >= 0 { Sys.close(other) }
        }
        if let now = Sys.stat(claimed), now.st_ino != st.st_ino || now.st_dev != st.st_dev {
            guard let (fd, _) = Self.openRegular(claimed) else {
                return log.warning("spool: \(name) changed into something not a regular file as it was claimed; left in .taking/")
            }
            other = fd
            otherLease = Sys.takeReadLease(other)
            if otherLease == .openForWriting {
                // Being written: back in the spool, to be taken at its close.
                do throws(Errno) { try Sys.renameNoReplace(claimed, path) } catch {
                    log.warning("spool: cannot put \(name) back from .taking/: \(error)")
                }
                return log.info("spool: \(name) is still open for writing; taken once it is closed")
            }
            readFd = other
        }
        let uid = Sys.stat(readFd)?.st_uid ?? st.st_uid
        let read = Self.read(readFd)
        if lease == .held { Sys.releaseLease(fd); lease = .unsupported }
        if otherLease == .held { Sys.releaseLease(other); otherLease = .unsupported }
        let outcomes: [SpoolOutcome]
        switch read {
        case .failure(let e):
            outcomes = [SpoolOutcome(line: 0, .failure(e))]
        case .success(let bytes):
            let lines = SpoolFile.lines(bytes).map { line in
                SpoolOutcome(line: line.number, line.text.flatMap { run($0, uid, name) })
            }
            outcomes = lines.isEmpty
                ? [SpoolOutcome(line: 0, .failure(.invalid("the file holds no new line, only blank lines and comments")))] : lines
        }
        finish(claimed, SpoolReport(file: name, outcomes: outcomes), uid: uid, record: record)
    }

    /// A regular file opened for reading, and what it is: never a link (ELOOP), never
    /// blocking on a FIFO; nil for anything else, or nothing there.
    private static func openRegular(_ path: String) -> (Int32, stat)? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard let st = Sys.stat(fd), st.st_mode & S_IFMT == S_IFREG else {
            Sys.close(fd)
            return nil
        }
        return (fd, st)
    }

    /// A file a stopped daemon left claimed: to `failed/`, its lines not run again.
    private func settleInterrupted(_ name: String, exists: (String) -> Bool, record: Record) {
        let path = store.spoolTakingDir + "/" + name
        guard let (fd, st) = Self.openRegular(path) else { return }
        defer { Sys.close(fd) }
        let outcomes: [SpoolOutcome]
        switch Self.read(fd) {
        case .failure(let e):
            log.warning("spool: \(name) left in .taking/ cannot be read: \(e)")
            outcomes = SpoolFile.interrupted([], exists: exists)
        case .success(let bytes): outcomes = SpoolFile.interrupted(bytes, exists: exists)
        }
        finish(path, SpoolReport(file: name, outcomes: outcomes), uid: st.st_uid, record: record)
    }

    /// Moves a claimed file on with its `.result`, and records the root event.
    private func finish(_ claimed: String, _ report: SpoolReport, uid: UInt32, record: Record) {
        let moved = move(claimed, report)
        record(Event(session: "-", kind: .spool, detail: report.eventDetail(movedTo: moved), uid: uid))
        switch moved {
        case .success(let to): log.info("spool: \(report.file): \(report.made.count) made, \(report.failures.count) failed, moved to \(to)")
        case .failure(let e): log.warning("spool: \(report.file) not moved, left in .taking/: \(e)")
        }
    }

    /// The whole claimed file, or why it is not taken (E2BIG over `SpoolFile.maxBytes`).
    private static func read(_ fd: Int32) -> Result<[UInt8], HiveError> {
        do throws(Errno) {
            let bytes = try readAll(fd, limit: SpoolFile.maxBytes + 1)
            if bytes.count > SpoolFile.maxBytes { return .failure(tooBigError(Int64(Sys.stat(fd)?.st_size ?? Int(bytes.count)))) }
            return .success(bytes)
        } catch {
            return .failure(HiveError(error, "cannot read it: \(error)"))
        }
    }

    private static func tooBigError(_ size: Int64) -> HiveError {
        .tooBig("the file holds \(size) bytes; a spool file holds at most \(SpoolFile.maxBytes)")
    }

    /// The `n`th name tried for `file` in `done/` or `failed/`: `file`, `file.1`, `file.2`…
    private static func name(_ file: String, _ n: Int) -> String { n == 0 ? file : "\(file).\(n)" }

    /// The whole file, read to its end or to `limit` bytes.
    private static func readAll(_ fd: Int32, limit: Int) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < limit {
            let chunk = try Sys.pread(fd, count: min(1 << 16, limit - bytes.count), offset: Int64(bytes.count))
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }

    /// Writes the report's `.result` in `done/` or `failed/`, then renames the file
    /// beside it under the first name free there: where it went (`failed/FILE.1`).
    private func move(_ path: String, _ report: SpoolReport) -> Result<String, HiveError> {
        let folder = store.spoolDir + "/" + report.folder
        // Made again if someone removed it; what stands in its place is never replaced.
        try? Sys.makeDirectories(folder)
        var n = 0
        for _ in 0..<Self.renameTries {
            // The first name free for the file and its result both.
            var name = Self.name(report.file, n)
            while Sys.stat(folder + "/" + name) != nil || Sys.stat(folder + "/" + name + ".result") != nil {
                n += 1
                name = Self.name(report.file, n)
            }
            let result = folder + "/" + name + ".result"
            do throws(Errno) {
                try Sys.writeFileAtomically(result, Array(report.resultText.utf8))
            } catch {
                return .failure(HiveError(error, "cannot write \(report.folder)/\(name).result: \(error)"))
            }
            do throws(Errno) {
                try Sys.renameNoReplace(path, folder + "/" + name)
                return .success(report.folder + "/" + name)
            } catch .fileExists {
                // Taken meanwhile (by hand): its result too is not this file's.
                unlink(result)
                n += 1
            } catch {
                unlink(result)
                return .failure(HiveError(error, "cannot move it to \(report.folder)/: \(error)"))
            }
        }
        return .failure(HiveError(.fileExists, "no free name in \(report.folder)/ after \(Self.renameTries) tries"))
    }
}
