import HiveCore

/// A session as the dashboard names it: `NAME` on this host, `@HOST/NAME` on
/// another (as the root `status.json` names it). Checked by the mount's own rules
/// before it becomes a path, so no name from a request can reach another file.
public struct SessionRef: Sendable, Hashable {
    /// The name as the root `status.json` shows it.
    public let name: String
    /// Its directory's path below the mount point.
    public let components: [String]

    public init(_ text: String) throws(HiveError) {
        if text.hasPrefix("@") {
            let parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw .invalid("'\(Text.printable(text))' is not a session: NAME or @HOST/NAME") }
            try HostName.validate(parts[0])
            try SessionName.validate(parts[1])
            components = ["@" + parts[0], parts[1]]
        } else {
            try SessionName.validate(text)
            components = [text]
        }
        name = text
    }

    /// The path of one of its files below `mount`.
    public func path(_ mount: String, _ file: String) -> String {
        ([mount] + components + [file]).joined(separator: "/")
    }

    /// Its directory below `mount`.
    public func directory(_ mount: String) -> String {
        ([mount] + components).joined(separator: "/")
    }
}
