import SystemPackage
import Foundation

/// An error that a user of the mount sees: an errno for the system call and a
/// sentence for people, because some shells print only "I/O error".
public struct HiveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The errno the failing system call returns.
    public var errno: Errno
    /// What went wrong, in words, without a trailing newline.
    public var reason: String

    public init(_ errno: Errno, _ reason: String) {
        self.errno = errno
        self.reason = reason
    }

    /// The errno's symbolic name (`EINVAL`), as events and `control` show it.
    public var errnoName: String { ErrnoNames.name(of: errno) }

    public var description: String { "\(errnoName): \(reason)" }

    public static func invalid(_ reason: String) -> HiveError { HiveError(.invalidArgument, reason) }
    public static func busy(_ reason: String) -> HiveError { HiveError(.resourceBusy, reason) }
    public static func notRunning(_ reason: String) -> HiveError { HiveError(.noSuchProcess, reason) }
    public static func exists(_ reason: String) -> HiveError { HiveError(.fileExists, reason) }
    public static func tooBig(_ reason: String) -> HiveError { HiveError(.argListTooLong, reason) }
    public static func range(_ reason: String) -> HiveError { HiveError(.outOfRange, reason) }
    public static func denied(_ reason: String) -> HiveError { HiveError(.permissionDenied, reason) }
    public static func notFound(_ reason: String) -> HiveError { HiveError(.noSuchFileOrDirectory, reason) }
    public static func io(_ reason: String) -> HiveError { HiveError(.ioError, reason) }
    public static func unsupported(_ reason: String) -> HiveError { HiveError(.notSupported, reason) }
    /// An answer to a question that is over (answered, or gone from the agent's screen).
    public static func stale(_ reason: String) -> HiveError { HiveError(.staleNFSFileHandle, reason) }
    /// An answer while nothing waits for one.
    public static func noQuestion(_ reason: String) -> HiveError { HiveError(.noMessage, reason) }
    /// Nothing to act on (nothing to commit, a branch already merged).
    public static func noData(_ reason: String) -> HiveError { HiveError(.noData, reason) }
    /// Not now; the same call may work in a moment.
    public static func again(_ reason: String) -> HiveError { HiveError(.resourceTemporarilyUnavailable, reason) }
}

/// Symbolic names for the errnos hivefs returns.
public enum ErrnoNames {
    public static func name(of errno: Errno) -> String {
        switch errno {
        case .invalidArgument: return "EINVAL"
        case .resourceBusy: return "EBUSY"
        case .noSuchProcess: return "ESRCH"
        case .fileExists: return "EEXIST"
        case .argListTooLong: return "E2BIG"
        case .outOfRange: return "ERANGE"
        case .permissionDenied: return "EACCES"
        case .noSuchFileOrDirectory: return "ENOENT"
        case .ioError: return "EIO"
        case .notSupported: return "ENOTSUP"
        case .notPermitted: return "EPERM"
        case .improperLink: return "EXDEV"
        case .noSpace: return "ENOSPC"
        case .readOnlyFileSystem: return "EROFS"
        case .directoryNotEmpty: return "ENOTEMPTY"
        case .notDirectory: return "ENOTDIR"
        case .isDirectory: return "EISDIR"
        case .tooManySymbolicLinkLevels: return "ELOOP"
        case .socketNotConnected: return "ENOTCONN"
        case .inappropriateIOCTLForDevice: return "ENOTTY"
        case .staleNFSFileHandle: return "ESTALE"
        case .noMessage: return "ENOMSG"
        case .resourceTemporarilyUnavailable: return "EAGAIN"
        case .fileTooLarge: return "EFBIG"
        case .badMessage: return "EBADMSG"
        case .protocolNotSupported: return "EPROTONOSUPPORT"
        case .badFileDescriptor: return "EBADF"
        case .noData: return "ENODATA"
        case .canceled: return "ECANCELED"
        default: return "E\(errno.rawValue)"
        }
    }
}
