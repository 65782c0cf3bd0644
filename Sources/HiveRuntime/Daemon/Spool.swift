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
///   while no daemon ran. Not taken: the names `SpoolFile.takes` refuses (editors'
///   and downloads' temporaries), anything but a regular file (a symbolic link is
///   not followed), and empty files, left alone until they have content.
/// - Files are taken one at a time on the spool's own serial queue: never on the
///   watcher's thread, never on a FUSE worker.
/// - A file over `SpoolFile.maxBytes` goes to `failed/` whole (E2BIG), no line run.
/// - Each line is made into a session as the root `control`'s `new` makes one
///   (`run`: `Hive.spoolLine`), for the file's owner; a bad line fails alone.
/// - Then `FILE.result` is written whole (a temporary file renamed) in `done/`, when
///   every line made its session, else in `failed/`, and the file is renamed
///   beside it, never copied. A name there already is never replaced: `.1`, `.2`…
///   are added. Nothing is lost: if the rename fails, the file stays where it is,
///   its `.result` is removed, and the root event says why.
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

    /// Watches the folder, then takes what is in it already, in name order. The
    /// watch comes first so nothing that lands meanwhile is missed; a file heard of
    /// twice is taken once (the second finds it gone).
    func start(run: @escaping Run, record: @escaping Record) {
        let folder = store.spoolDir
        if watcher.watchLanding(in: folder, { [self] name in queue.async { self.take(name, run: run, record: record) } }) == nil {
            log.warning("cannot watch \(folder): files written there are taken only at the next start")
        }
        let present = Sys.listDirectory(folder)
        queue.async { [self] in
            for name in present { take(name, run: run, record: record) }
        }
    }

    /// Takes the file `name` of the spool if it is one to take; on `queue`.
    private func take(_ name: String, run: Run, record: Record) {
        guard SpoolFile.takes(name) else { return }
        let path = store.spoolDir + "/" + name
        // Not a link (ELOOP), never blocking on a FIFO; gone when taken already.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { Sys.close(fd) }
        guard let st = Sys.stat(fd), st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 else { return }
        let uid = st.st_uid
        var outcomes: [SpoolOutcome]
        if st.st_size > SpoolFile.maxBytes {
            outcomes = [Self.tooBig(Int64(st.st_size))]
        } else {
            let bytes: [UInt8]
            do throws(Errno) {
                bytes = try Self.readAll(fd, limit: SpoolFile.maxBytes + 1)
            } catch {
                log.warning("spool: cannot read \(name): \(error); left in the spool")
                return
            }
            // Emptied since it was looked at: left until it has content again.
            guard !bytes.isEmpty else { return }
            if bytes.count > SpoolFile.maxBytes {
                outcomes = [Self.tooBig(Int64(bytes.count))]
            } else {
                outcomes = SpoolFile.lines(bytes).map { line in
                    SpoolOutcome(line: line.number, line.text.flatMap { run($0, uid, name) })
                }
                if outcomes.isEmpty {
                    outcomes = [SpoolOutcome(line: 0, .failure(.invalid("the file holds no new line, only blank lines and comments")))]
                }
            }
        }
        let report = SpoolReport(file: name, outcomes: outcomes)
        let moved = move(path, report)
        record(Event(session: "-", kind: .spool, detail: report.eventDetail(movedTo: moved), uid: uid))
        switch moved {
        case .success(let to): log.info("spool: \(name): \(report.made.count) made, \(report.failures.count) failed, moved to \(to)")
        case .failure(let e): log.warning("spool: \(name) not moved: \(e)")
        }
    }

    private static func tooBig(_ size: Int64) -> SpoolOutcome {
        SpoolOutcome(line: 0, .failure(.tooBig("the file holds \(size) bytes; a spool file holds at most \(SpoolFile.maxBytes)")))
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
