import Foundation
import HiveCore

/// Marks a folder trusted in Claude Code's own configuration file, so that its
/// workspace-trust dialog does not hold the session back: the worktrees hivefs
/// makes, and the folders of sessions with `trust=yes`.
///
/// Decisions:
/// - The file is Claude Code's: `$CLAUDE_CONFIG_DIR/.claude.json`, else
///   `~/.claude.json`. Only `projects[DIR].hasTrustDialogAccepted` is set; every
///   other key, known or not, is kept as it was.
/// - Claude Code rewrites the file often (at every start, and as it runs), taking
///   `FILE.lock` first (a directory, as the `proper-lockfile` package makes it) and
///   reading the file again under it. hivefs takes the same lock, reads, changes and
///   writes under it, so neither loses the other's write. A lock older than
///   `staleAfter` is left by a crash and is taken over, as that package does.
/// - The new file is written beside the old one and renamed over it, with the old
///   file's mode: a reader sees one or the other, whole.
/// - A file that is not a JSON object is not touched: the error says so and the
///   session starts anyway (its dialog then shows, and `approve` answers it).
public enum ClaudeTrust {
    /// How long a lock may stand before it counts as left by a crash (proper-lockfile's default).
    static let staleAfterMS: Int64 = 10_000
    /// How long to wait for a lock held by a live writer.
    static let waitMS: Int64 = 5_000

    /// Claude Code's configuration file for an agent with environment `env`.
    public static func configFile(env: [String: String], home: String) -> String {
        if let dir = env["CLAUDE_CONFIG_DIR"], dir.hasPrefix("/") { return dir + "/.claude.json" }
        return (env["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home) + "/.claude.json"
    }

    /// Whether `file` already says `dir` is trusted.
    public static func isTrusted(_ dir: String, file: String) -> Bool {
        guard let bytes = Sys.readFile(file, followLinks: true),
              let top = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let projects = top["projects"] as? [String: Any], let entry = projects[dir] as? [String: Any] else { return false }
        return entry["hasTrustDialogAccepted"] as? Bool == true
    }

    /// Sets `projects[dir].hasTrustDialogAccepted` in `file`, under Claude Code's lock.
    /// Returns false when it was set already (nothing written).
    @discardableResult
    public static func trust(_ dir: String, file: String) throws(HiveError) -> Bool {
        if isTrusted(dir, file: file) { return false }
        let lock = file + ".lock"
        try acquire(lock)
        defer { rmdir(lock) }
        var top: [String: Any] = [:]
        var mode: mode_t = 0o600
        if let st = Sys.stat(file) {
            mode = st.st_mode & 0o7777
            guard let bytes = Sys.readFile(file, followLinks: true) else {
                throw HiveError(.ioError, "cannot read \(file): \(String(cString: strerror(errno)))")
            }
            if !bytes.isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw .invalid("\(file) is not a JSON object; it is left as it is")
                }
                top = object
            }
        }
        var projects = top["projects"] as? [String: Any] ?? [:]
        var entry = projects[dir] as? [String: Any] ?? [:]
        if entry["hasTrustDialogAccepted"] as? Bool == true { return false }
        entry["hasTrustDialogAccepted"] = true
        projects[dir] = entry
        top["projects"] = projects
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .withoutEscapingSlashes])
        } catch {
            throw .io("cannot write \(file) as JSON: \(error)")
        }
        do {
            try Sys.writeFileAtomically(file, Array(data) + [0x0A], mode: mode)
        } catch {
            throw error.hive("cannot write \(file)")
        }
        return true
    }

    /// Takes the lock directory, waiting for a live holder and taking over a stale one.
    static func acquire(_ lock: String) throws(HiveError) {
        let deadline = Sys.monotonicMS() + waitMS
        while true {
            if mkdir(lock, 0o755) == 0 { return }
            let err = errno
            guard err == EEXIST else {
                throw HiveError(.init(rawValue: err), "cannot take \(lock): \(String(cString: strerror(err)))")
            }
            if let st = Sys.stat(lock) {
                let ageMS = Timestamp.now().milliseconds - (Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
                if ageMS > staleAfterMS {
                    rmdir(lock)
                    continue
                }
            }
            guard Sys.monotonicMS() < deadline else {
                throw .busy("\(lock) has been held for \(waitMS / 1000) s by another writer")
            }
            Sys.sleep(ms: 20)
        }
    }
}
