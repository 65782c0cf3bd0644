/// A node's permission bits (the type bits are the server's).
public struct FileMode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Files that are only read.
    public static let readOnly = FileMode(rawValue: 0o444)
    /// Files that take writes (`control`, spec files while they may change).
    public static let readWrite = FileMode(rawValue: 0o600)
    /// Directories.
    public static let directory = FileMode(rawValue: 0o755)

    /// Whether its owner may write it: a file that may be opened for writing.
    public var isWritable: Bool { rawValue & 0o200 != 0 }
}
