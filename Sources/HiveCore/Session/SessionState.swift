/// The one word in a session's `state` file (DESIGN.md §3).
public enum SessionState: String, Sendable, CaseIterable, Codable {
    case new, starting, working, waiting, idle, paused, exited, killed, failed

    /// The agent's processes exist (or are being created) in this state.
    public var isLive: Bool {
        switch self {
        case .starting, .working, .waiting, .idle, .paused: return true
        case .new, .exited, .killed, .failed: return false
        }
    }

    /// The session has ended and can be restarted or removed.
    public var isEnded: Bool {
        switch self {
        case .exited, .killed, .failed: return true
        default: return false
        }
    }

    /// The agent may be writing its work tree now (`working`, `starting`): git must not
    /// change files under it (`commit`, `merge`, ... wait, and no `merge` writes into it).
    public var writesFiles: Bool {
        self == .working || self == .starting
    }
}
