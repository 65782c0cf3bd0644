import Foundation
import SystemPackage
import HiveCore
import Logging

/// The state directory (DESIGN.md §7): the durable record the mount is a view of.
///
///     STATE/events                 root events, one line each, led by the session name
///     STATE/sessions/NAME/         one folder per session
///         events.jsonl             the event log: the truth, appended, fsync'd for lifecycle
///         events                   the same events as text lines
///         log                      everything the terminal printed (tmux pipe-pane)
///         screen                   the final screen, written when the session ends
///         launch-error             why the agent could not be started, if it could not
///         agent.pid                the agent's pid, written by the launcher in the pane
///         exit-status              how the agent ended (`exit N`, `signal N`), by the launcher
///         hooks.log                every hook payload, appended by `hivefs-hook` (HookRecord)
///         claude-settings.json     the hooks hivefs adds to a Claude Code session (--settings)
///         gemini-settings.json     the same for Gemini CLI (GEMINI_CLI_SYSTEM_SETTINGS_PATH)
///         aider.chat.history.md    Aider's chat history (--chat-history-file)
///         transcript.json          where token counting stands (TranscriptLedger), for restarts
///         record.json              the record folded from events.jsonl and how far (LogCheckpoint)
///         summary, summary.json    what the session did, written when it ends
///     STATE/history/NAME-TIME/     removed sessions, whole, plus their frozen views
///     STATE/spool/                 files of `new` lines, taken as they land (Spool.swift);
///         done/, failed/           where each goes once taken, with its FILE.result
public final class StateStore: @unchecked Sendable {
    public let root: String
    private let lock = NSLock()
    private var writers: [String: (jsonl: FileDescriptor, text: FileDescriptor)] = [:]
    private var rootEvents: FileDescriptor?
    let log: Logger
    /// Events the state directory refused, in order, waiting to be written.
    private var held: [Pending] = []
    private var trouble: DiskTrouble?

    public init(root: String, logger: Logger) throws(HiveError) {
        self.root = root
        self.log = logger
        do {
            try Sys.makeDirectories(root)
            chmod(root, 0o700)
            try Sys.makeDirectories(sessionsDir)
            try Sys.makeDirectories(historyDir)
            for dir in [spoolDir, spoolDoneDir, spoolFailedDir, spoolTakingDir] { try Sys.makeDirectories(dir) }
            rootEvents = try Sys.openAppend(rootEventsPath)
        } catch {
            throw error.hive("cannot use state directory \(root)")
        }
    }

    deinit {
        for (_, w) in writers { try? w.jsonl.close(); try? w.text.close() }
        try? rootEvents?.close()
    }

    public var sessionsDir: String { root + "/sessions" }
    public var historyDir: String { root + "/history" }
    public var rootEventsPath: String { root + "/events" }
    /// The root `spool/` (the mount's `spool` links here), and where its files go once taken.
    public var spoolDir: String { root + "/spool" }
    public var spoolDoneDir: String { spoolDir + "/done" }
    public var spoolFailedDir: String { spoolDir + "/failed" }
    /// Where a spool file is claimed (renamed to) before it is read (`Spool`).
    public var spoolTakingDir: String { spoolDir + "/.taking" }

    public func sessionDir(_ name: String) -> String { sessionsDir + "/" + name }
    public func eventsJSONLPath(_ name: String) -> String { sessionDir(name) + "/events.jsonl" }
    public func eventsTextPath(_ name: String) -> String { sessionDir(name) + "/events" }
    public func logPath(_ name: String) -> String { sessionDir(name) + "/log" }
    public func screenPath(_ name: String) -> String { sessionDir(name) + "/screen" }
    public func launchErrorPath(_ name: String) -> String { sessionDir(name) + "/launch-error" }
    public func agentPidPath(_ name: String) -> String { sessionDir(name) + "/agent.pid" }
    public func exitStatusPath(_ name: String) -> String { sessionDir(name) + "/exit-status" }
    /// The agent's whole environment, handed to the launcher, which removes it once read.
    public func environPath(_ name: String) -> String { sessionDir(name) + "/environ" }
    public func hooksLogPath(_ name: String) -> String { sessionDir(name) + "/hooks.log" }
    public func claudeSettingsPath(_ name: String) -> String { sessionDir(name) + "/claude-settings.json" }
    /// Claude Code's latest status-line snapshot (its live cost), kept by hivefs-hook --status.
    public func statusLinePath(_ name: String) -> String { sessionDir(name) + "/statusline.json" }
    public func geminiSettingsPath(_ name: String) -> String { sessionDir(name) + "/gemini-settings.json" }
    public func aiderHistoryPath(_ name: String) -> String { sessionDir(name) + "/aider.chat.history.md" }
    public func ledgerPath(_ name: String) -> String { sessionDir(name) + "/transcript.json" }
    public func checkpointPath(_ name: String) -> String { sessionDir(name) + "/record.json" }
    public func historyEntryDir(_ entry: String) -> String { historyDir + "/" + entry }

    /// Makes a session's folder; EEXIST if the name is taken.
    public func createSession(_ name: String) throws(HiveError) {
        do {
            try Sys.makeDirectory(sessionDir(name))
        } catch .fileExists {
            throw .exists("session '\(name)' exists")
        } catch {
            throw error.hive("cannot create \(sessionDir(name))")
        }
        for path in [logPath(name), eventsTextPath(name), eventsJSONLPath(name), hooksLogPath(name)] {
            if let fd = try? Sys.openAppend(path) { try? fd.close() }
        }
    }

    /// The files of a session's folder that hivefs writes, serves or hands to tmux.
    static let ownFiles = ["events.jsonl", "events", "log", "screen", "hooks.log", "summary", "summary.json",
                           "transcript.json", "record.json", "exit-status", "agent.pid", "launch-error",
                           "claude-settings.json", "gemini-settings.json", "aider.chat.history.md"]

    /// Moves aside any symbolic link standing in place of one of a session's own files
    /// (to `FILE.link-MS`), so nothing hivefs or tmux writes or serves goes through it.
    /// Returns one line per link moved, for an error event.
    public func setAsideLinks(_ name: String) -> [String] {
        var moved: [String] = []
        for file in Self.ownFiles {
            let path = sessionDir(name) + "/" + file
            guard let target = Sys.linkTarget(path) else { continue }
            let aside = "\(file).link-\(Timestamp.now().milliseconds)"
            do {
                try Sys.rename(path, sessionDir(name) + "/" + aside)
                if file == "events" || file == "events.jsonl" { closeWriters(name) }
                moved.append("\(file) was a symbolic link to \(target); moved aside to \(aside), never followed")
            } catch {
                moved.append("\(file) is a symbolic link to \(target) and cannot be moved aside: \(error); it is not followed")
            }
            log.warning("\(name): \(moved.last ?? "")")
        }
        return moved
    }

    /// Appends one event to the session's log, its text twin and the root events.
    /// `durable` events are fsync'd before this returns. When the state directory
    /// refuses the write (full, read-only, failing), the event is held in memory,
    /// with every event after it, and written first once it takes writes again;
    /// a write that fails halfway is cut back, so no log is left with half a line.
    @discardableResult
    public func append(_ event: Event, durable: Bool) -> AppendOutcome {
        lock.lock()
        defer { lock.unlock() }
        return appendLocked(.session(event, durable: durable))
    }

    /// Appends an event that belongs to no session (a refused root `control` write)
    /// to the root events only.
    @discardableResult
    public func appendRootOnly(_ event: Event) -> AppendOutcome {
        lock.lock()
        defer { lock.unlock() }
        return appendLocked(.root(event))
    }

    /// Appends lines that another host's events became (`@NAME/SESSION …`, whole
    /// lines) to the root events, fsync'd. While the state directory holds events
    /// back, or refuses these, they are refused (the caller reads them again later,
    /// from where it stands): nothing is held for them here.
    public func appendRootLines(_ bytes: [UInt8]) throws(HiveError) {
        lock.lock()
        defer { lock.unlock() }
        guard held.isEmpty, let r = rootEvents else {
            throw HiveError(.ioError, "the state directory refuses writes (\(trouble?.errno ?? "EIO")); other hosts' events wait there")
        }
        do throws(Errno) {
            try writeWhole([(r, bytes)], sync: r)
        } catch {
            throw error.hive("cannot add to \(rootEventsPath)")
        }
    }

    /// Writes what is held, if the state directory takes writes again.
    public func retryHeld() -> AppendOutcome {
        lock.lock()
        defer { lock.unlock() }
        return flushLocked() ?? (trouble == nil ? .written : .held(trouble ?? DiskTrouble(errno: "EIO", since: .now(), held: 0)))
    }

    /// Why the state directory refuses writes, since when, and how many events wait; nil when it takes them.
    public var diskTrouble: DiskTrouble? {
        lock.lock(); defer { lock.unlock() }
        return trouble
    }

    private enum Pending {
        case session(Event, durable: Bool)
        case root(Event)
    }

    private func appendLocked(_ p: Pending) -> AppendOutcome {
        let recovered = flushLocked()
        if !held.isEmpty {
            held.append(p)
            trouble?.held = held.count
            return .held(trouble ?? DiskTrouble(errno: "EIO", since: .now(), held: held.count))
        }
        do throws(Errno) {
            try write(p)
        } catch {
            held.append(p)
            let t = DiskTrouble(errno: ErrnoNames.name(of: error), since: .now(), held: held.count)
            trouble = t
            log.error("the state directory refuses writes (\(t.errno)); holding events in memory until it takes them")
            return .held(t)
        }
        if case .recovered(let t)? = recovered { return .recovered(t) }
        return .written
    }

    /// Writes the held events in order, stopping at the first refusal. Nil when none were held.
    private func flushLocked() -> AppendOutcome? {
        guard !held.isEmpty, let t = trouble else { return nil }
        while let p = held.first {
            do throws(Errno) {
                try write(p)
            } catch {
                trouble?.held = held.count
                return .held(trouble ?? t)
            }
            held.removeFirst()
        }
        let was = DiskTrouble(errno: t.errno, since: t.since, held: t.held)
        trouble = nil
        log.notice("the state directory takes writes again; \(was.held) held events written")
        return .recovered(was)
    }

    /// One event to its files, cut back to where they were if any write fails.
    private func write(_ p: Pending) throws(Errno) {
        switch p {
        case .session(let e, let durable):
            let w = try writer(e.session)
            var files: [(FileDescriptor, [UInt8])] = [(w.jsonl, Array(e.jsonLine.utf8)), (w.text, Array(e.textLine.utf8))]
            if let r = rootEvents { files.append((r, Array(e.rootTextLine.utf8))) }
            try writeWhole(files, sync: durable ? w.jsonl : nil)
        case .root(let e):
            guard let r = rootEvents else { return }
            try writeWhole([(r, Array(e.rootTextLine.utf8))], sync: r)
        }
    }

    private func writeWhole(_ files: [(FileDescriptor, [UInt8])], sync: FileDescriptor?) throws(Errno) {
        let sizes = files.map { Sys.size($0.0) }
        do throws(Errno) {
            for (fd, bytes) in files { try Sys.writeAll(fd, bytes) }
            if let sync { try Sys.fsync(sync) }
        } catch {
            for ((fd, _), size) in zip(files, sizes) {
                if let size { try? Sys.truncate(fd, size) }
            }
            throw error
        }
    }

    private func writer(_ name: String) throws(Errno) -> (jsonl: FileDescriptor, text: FileDescriptor) {
        if let w = writers[name] { return w }
        let w = (try Sys.openAppend(eventsJSONLPath(name)), try Sys.openAppend(eventsTextPath(name)))
        writers[name] = w
        return w
    }

    /// Closes a session's log files (before moving it to history).
    public func closeWriters(_ name: String) {
        lock.lock()
        defer { lock.unlock() }
        if let w = writers.removeValue(forKey: name) { try? w.jsonl.close(); try? w.text.close() }
    }

    /// The names of the sessions on disk.
    public func sessionNames() -> [String] {
        Sys.listDirectory(sessionsDir).filter { SessionName.isValid($0) }
    }

    /// Reads a session's record back: from its checkpoint and the log that follows
    /// it, or from the whole log when there is no usable checkpoint. Repairs what a
    /// crash can leave: a torn last line is cut off, and text lines missing from
    /// `events` are written again. Nil when the log does not begin with `created`.
    /// `replayed` is how many events were read past the checkpoint (all, without one).
    public func loadRecord(_ name: String) -> (record: SessionRecord, replayed: Int)? {
        let path = eventsJSONLPath(name)
        let saved = readCheckpoint(name)
        let from = saved?.jsonl ?? 0
        guard var bytes = Sys.readFile(path, from: from, limit: Int.max) else { return nil }
        if let lastNL = bytes.lastIndex(of: UInt8(ascii: "\n")), lastNL != bytes.count - 1 {
            log.warning("cutting a torn last line off \(path)")
            try? Sys.truncate(path, from + Int64(lastNL + 1))
            bytes.removeSubrange((lastNL + 1)...)
        } else if !bytes.isEmpty, !bytes.contains(UInt8(ascii: "\n")) {
            try? Sys.truncate(path, from)
            bytes = []
        }
        var events: [Event] = []
        var start = 0
        for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") {
            if let e = Event.parse(jsonLine: bytes[start..<i]) { events.append(e) } else {
                log.warning("skipping an unreadable line of \(path) at byte \(from + Int64(start))")
            }
            start = i + 1
        }
        repairText(name, events, from: saved?.text ?? 0)
        guard var record = saved?.record else { return SessionRecord.replay(events).map { ($0, events.count) } }
        for e in events { record.apply(e) }
        return (record, events.count)
    }

    /// The checkpoint of a session, if it matches its log: the log holds at least
    /// the bytes it counts, and they end a line.
    private func readCheckpoint(_ name: String) -> LogCheckpoint? {
        guard let bytes = Sys.readFile(checkpointPath(name)), !bytes.isEmpty else { return nil }
        guard let c = try? JSONDecoder().decode(LogCheckpoint.self, from: Data(bytes)),
              c.format == LogCheckpoint.currentFormat, c.record.name == name else {
            log.notice("\(name): its record.json is unreadable or of another version; reading its whole log")
            return nil
        }
        guard let st = Sys.stat(eventsJSONLPath(name)), Int64(st.st_size) >= c.jsonl, c.jsonl > 0,
              let fd = try? Sys.openRead(eventsJSONLPath(name)) else {
            log.notice("\(name): its record.json is ahead of its log; reading its whole log")
            return nil
        }
        defer { try? fd.close() }
        guard (try? Sys.pread(fd.rawValue, count: 1, offset: c.jsonl - 1)) == [UInt8(ascii: "\n")] else {
            log.notice("\(name): its record.json does not end a line of its log; reading its whole log")
            return nil
        }
        return c
    }

    /// Saves where a session's log stands, so a restart replays only what follows.
    /// Call it between appends of that session (under its emit lock); a checkpoint
    /// lost or torn costs a longer replay at the next start, never a wrong record.
    public func checkpoint(_ record: SessionRecord) {
        lock.lock()
        guard held.isEmpty else { lock.unlock(); return }
        let w = try? writer(record.name)
        let jsonl = w.flatMap { Sys.size($0.jsonl) }
        let text = w.flatMap { Sys.size($0.text) }
        lock.unlock()
        guard let jsonl, let text else { return }
        let c = LogCheckpoint(format: LogCheckpoint.currentFormat, jsonl: jsonl, text: text, record: record)
        do {
            let data = try JSONEncoder().encode(c)
            try Sys.writeFileAtomically(checkpointPath(record.name), Array(data), sync: false)
        } catch {
            log.warning("\(record.name): cannot save record.json: \(error)")
        }
    }

    private func repairText(_ name: String, _ events: [Event], from: Int64) {
        let textPath = eventsTextPath(name)
        var text = Sys.readFile(textPath, from: from, limit: Int.max) ?? []
        let whole = text.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        if whole != text.count {
            try? Sys.truncate(textPath, from + Int64(whole))
            text.removeSubrange(whole...)
        }
        let lines = text.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        guard lines < events.count else { return }
        log.notice("restoring \(events.count - lines) text lines of \(textPath) from events.jsonl")
        guard let fd = try? Sys.openAppend(textPath) else { return }
        defer { try? fd.close() }
        lock.lock(); defer { lock.unlock() }
        for e in events[lines...] {
            try? Sys.writeAll(fd, Array(e.textLine.utf8))
            if let r = rootEvents { try? Sys.writeAll(r, Array(e.rootTextLine.utf8)) }
        }
    }

    /// Writes a file into a session's folder whole.
    public func writeSessionFile(_ name: String, _ file: String, _ text: String) {
        try? Sys.writeFileAtomically(sessionDir(name) + "/" + file, Array(text.utf8))
    }

    /// The same, bytes as they are.
    public func writeSessionFile(_ name: String, _ file: String, bytes: [UInt8]) {
        try? Sys.writeFileAtomically(sessionDir(name) + "/" + file, bytes)
    }

    /// Moves a session's folder to `history/NAME-TIME`, returning the entry's name.
    public func moveToHistory(_ name: String, at time: Timestamp) throws(HiveError) -> String {
        closeWriters(name)
        var entry = "\(name)-\(time.compact)"
        var n = 2
        while Sys.stat(historyEntryDir(entry)) != nil { entry = "\(name)-\(time.compact)-\(n)"; n += 1 }
        do {
            try Sys.rename(sessionDir(name), historyEntryDir(entry))
        } catch {
            throw error.hive("cannot move \(name) to history")
        }
        return entry
    }

    /// The entries of `history/`, sorted.
    public func historyEntries() -> [String] { Sys.listDirectory(historyDir) }
}

/// Where a session's log stands: the record folded from the first `jsonl` bytes of
/// `events.jsonl`, when `events` held `text` bytes.
struct LogCheckpoint: Codable {
    static let currentFormat = 1
    var format: Int
    var jsonl: Int64
    var text: Int64
    var record: SessionRecord
}

/// The state directory refusing writes: the errno, since when, and how many events
/// are held in memory meanwhile.
public struct DiskTrouble: Sendable, Equatable {
    public var errno: String
    public var since: Timestamp
    public var held: Int
}

/// What became of an append.
public enum AppendOutcome: Sendable, Equatable {
    /// On disk.
    case written
    /// Held in memory: the state directory refuses writes.
    case held(DiskTrouble)
    /// On disk, after the held events, which were written first: the trouble is over.
    case recovered(DiskTrouble)
}
