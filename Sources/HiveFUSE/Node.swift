import Glibc
import HiveCore

/// What an inode stands for. The tree has a fixed shape (DESIGN.md §1), so a
/// node is a path expressed as a value.
enum Node: Hashable, Sendable {
    case root
    case rootFile(RootFile)
    case history
    case historyEntry(String)
    case historyFile(String, SessionFile)
    case session(String)
    case sessionFile(String, SessionFile)

    var isDirectory: Bool {
        switch self {
        case .root, .history, .historyEntry, .session: return true
        default: return false
        }
    }

    /// The session whose changes this node shows, if any.
    var sessionName: String? {
        switch self {
        case .session(let n), .sessionFile(let n, _): return n
        default: return nil
        }
    }
}

/// File type bits of `st_mode` (S_IFDIR, S_IFREG, S_IFMT).
let modeDirectory: mode_t = 0o040000
let modeRegular: mode_t = 0o100000
let modeTypeMask: mode_t = 0o170000
