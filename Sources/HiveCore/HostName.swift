/// The name another host has here (`@NAME` at the root), and the ssh destination
/// it is reached at, checked before either reaches a file name or a command line.
public enum HostName {
    /// Letters, digits, '-', '_' and '.', not starting with '.' or '-', at most 64.
    public static func validate(_ name: String) throws(HiveError) {
        guard !name.isEmpty, name.utf8.count <= 64, name.first != ".", name.first != "-",
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw .invalid("'\(Text.printable(name))' cannot name a host: letters, digits, '-', '_' and '.', not first '.' or '-'")
        }
    }

    /// An ssh destination (`host`, `user@host`, `ssh://user@host:port`): printable,
    /// no space, and never starting with '-', which ssh would take for an option.
    public static func validateDestination(_ destination: String) throws(HiveError) {
        guard !destination.isEmpty, destination.first != "-",
              destination.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7F } == true }) else {
            throw .invalid("'\(Text.printable(destination))' is not an ssh destination (user@host, not starting with '-')")
        }
    }
}
