import Foundation
import HiveCore
import SystemPackage

/// The environment an agent starts with: the daemon's as it is at launch, then the
/// session's `env.` keys, then hivefs's own variables.
///
/// Why a file and not tmux's `-e`: the tmux server outlives the daemon, and a new
/// tmux session takes the server's global environment (from whichever daemon started
/// the server) before any `-e`. A variable the new daemon no longer has would leak
/// through from the old one. So the daemon writes the whole environment to
/// `STATE/sessions/NAME/environ` (0600, `K=V` entries separated by NUL), the launcher
/// reads it, removes it (it may hold keys), and makes it the whole environment,
/// keeping only what tmux sets for its pane (`TERM`, `TMUX`, `TMUX_PANE`).
public enum AgentEnvironment {
    /// What tmux sets in a pane's environment and the agent needs from there.
    static let fromPane = ["TERM", "TMUX", "TMUX_PANE"]
    /// What is never carried over from the daemon: it names the daemon's own terminal.
    static let notCarried: Set<String> = ["TMUX", "TMUX_PANE", "TERM", "COLUMNS", "LINES"]

    /// The daemon's environment with `overrides` on top.
    public static func compose(daemon: [String: String] = ProcessInfo.processInfo.environment,
                               overrides: [String: String]) -> [String: String] {
        var env = daemon.filter { !notCarried.contains($0.key) }
        env.merge(overrides) { _, new in new }
        return env
    }

    /// The file's bytes.
    public static func encode(_ env: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        for (k, v) in env.sorted(by: { $0.key < $1.key }) {
            out += Array("\(k)=\(v)".utf8)
            out.append(0)
        }
        return out
    }

    /// The entries of a file written by `encode`; an entry without `=` is skipped.
    public static func decode(_ bytes: [UInt8]) -> [String: String] {
        var env: [String: String] = [:]
        for entry in bytes.split(separator: 0) {
            guard let eq = entry.firstIndex(of: UInt8(ascii: "=")), eq > entry.startIndex else { continue }
            env[String(decoding: entry[entry.startIndex..<eq], as: UTF8.self)] =
                String(decoding: entry[(eq + 1)...], as: UTF8.self)
        }
        return env
    }

    /// In the launcher: reads and removes the file, and makes it this process's whole
    /// environment (with the pane's own `TERM`, `TMUX`, `TMUX_PANE`). Returns it.
    public static func adopt(_ path: String) throws(HiveError) -> [String: String] {
        guard let bytes = Sys.readFile(path) else {
            throw Errno(rawValue: errno).hive("cannot read the agent's environment \(path)")
        }
        unlink(path)
        var env = decode(bytes)
        let pane = ProcessInfo.processInfo.environment
        for k in fromPane { if let v = pane[k] { env[k] = v } }
        clearenv()
        for (k, v) in env { setenv(k, v, 1) }
        return env
    }
}
