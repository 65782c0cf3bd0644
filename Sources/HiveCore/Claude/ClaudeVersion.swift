/// A Claude Code version, as `claude --version` prints it (`2.1.80 (Claude Code)`).
///
/// hivefs needs it because Claude Code checks the hook events a settings file names
/// against the ones it knows, and skips the whole file, hooks and all, when one is
/// unknown ("Invalid key in record"): hivefs asks only for the events the installed
/// version has.
public struct ClaudeVersion: Sendable, Comparable, CustomStringConvertible {
    public var parts: [Int]

    public init(_ parts: Int...) { self.parts = parts }

    /// The first `N.N.N` word of `output`, or nil.
    public init?(parsing output: String) {
        for word in output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let fields = word.split(separator: ".", omittingEmptySubsequences: false)
            let numbers = fields.compactMap { f in f.allSatisfy(\.isASCII) ? Int(f) : nil }
            if fields.count >= 3, numbers.count == fields.count {
                parts = numbers
                return
            }
        }
        return nil
    }

    public static func < (a: ClaudeVersion, b: ClaudeVersion) -> Bool {
        for i in 0..<max(a.parts.count, b.parts.count) {
            let x = i < a.parts.count ? a.parts[i] : 0, y = i < b.parts.count ? b.parts[i] : 0
            if x != y { return x < y }
        }
        return false
    }

    public static func == (a: ClaudeVersion, b: ClaudeVersion) -> Bool { !(a < b) && !(b < a) }

    public var description: String { parts.map(String.init).joined(separator: ".") }
}

extension ClaudeHooks {
    /// The first Claude Code version known to have each event hivefs hooks. Where the
    /// exact release is not certain the number errs late: a version that lacks an
    /// event it is given would ignore all of hivefs's hooks.
    public static let since: [String: ClaudeVersion] = [
        "PreToolUse": ClaudeVersion(1, 0, 38), "PostToolUse": ClaudeVersion(1, 0, 38),
        "Notification": ClaudeVersion(1, 0, 38), "Stop": ClaudeVersion(1, 0, 38),
        "SubagentStop": ClaudeVersion(1, 0, 38), "PreCompact": ClaudeVersion(1, 0, 48),
        "UserPromptSubmit": ClaudeVersion(1, 0, 54), "SessionStart": ClaudeVersion(1, 0, 62),
        "SessionEnd": ClaudeVersion(1, 0, 85), "SubagentStart": ClaudeVersion(2, 1, 10),
        "PermissionRequest": ClaudeVersion(2, 1, 10), "PostToolUseFailure": ClaudeVersion(2, 1, 10),
        "StopFailure": ClaudeVersion(2, 1, 78),
        // Seen with the real 2.1.337 (the first release checked; they may be older).
        "Interrupt": ClaudeVersion(2, 1, 337), "PermissionDenied": ClaudeVersion(2, 1, 337),
        "PostCompact": ClaudeVersion(2, 1, 337),
    ]

    /// The events to hook for a version; every one when the version is not known
    /// (a command of the user's own that does not say).
    public static func events(for version: ClaudeVersion?) -> [String] {
        guard let version else { return events }
        return events.filter { e in since[e].map { $0 <= version } ?? false }
    }
}
