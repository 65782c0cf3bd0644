/// A node of a tree as a value: its names from the root, and whether it is a
/// directory or a symbolic link. A tree has a fixed shape, so the same path always
/// stands for the same kind of node; servers key what they cache by it (an inode,
/// a handle).
public struct TreeNode: Hashable, Sendable, CustomStringConvertible {
    /// The names from the root down; empty for the root itself.
    public let names: [String]
    public let isDirectory: Bool
    /// Whether it is a symbolic link (`NodeDescription.link`): listed as one, never
    /// opened (the kernel follows it).
    public let isLink: Bool

    public init(_ names: [String], isDirectory: Bool, isLink: Bool = false) {
        self.names = names
        self.isDirectory = isDirectory
        self.isLink = isLink && !isDirectory
    }

    public static let root = TreeNode([], isDirectory: true)

    /// The node named `name` in this directory.
    public func child(_ name: String, isDirectory: Bool, isLink: Bool = false) -> TreeNode {
        TreeNode(names + [name], isDirectory: isDirectory, isLink: isLink)
    }

    /// Its name in its directory; empty for the root.
    public var name: String { names.last ?? "" }

    public var description: String { "/" + names.joined(separator: "/") }
}
