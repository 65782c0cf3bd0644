import Foundation
import HiveCore

/// A table of nodes set by a test, served as they are: the bridge's only view of a tree.
final class StubTree: TreeTable, @unchecked Sendable {
    private let lock = NSLock()
    private var nodes: [TreeNode: NodeDescription] = [:]
    private var watchers: [@Sendable (TreeNotice) -> Void] = []

    func set(_ node: TreeNode, _ description: NodeDescription?) {
        lock.lock(); nodes[node] = description; lock.unlock()
    }

    /// Announces a change, as the runtime would.
    func announce(_ n: TreeNotice) {
        lock.lock(); let all = watchers; lock.unlock()
        for w in all { w(n) }
    }

    func lookup(_ parent: TreeNode, _ name: String) -> TreeNode? {
        lock.lock(); defer { lock.unlock() }
        return nodes.keys.first { $0.names == parent.names + [name] }
    }

    func listing(_ directory: TreeNode) -> [TreeNode]? {
        lock.lock(); defer { lock.unlock() }
        guard directory.isDirectory, nodes[directory] != nil else { return nil }
        return nodes.keys.filter { $0.names.count == directory.names.count + 1 && Array($0.names.dropLast()) == directory.names }
            .sorted { $0.name < $1.name }
    }

    func describe(_ node: TreeNode) -> NodeDescription? {
        lock.lock(); defer { lock.unlock() }
        return nodes[node]
    }

    func watch(_ notice: @escaping @Sendable (TreeNotice) -> Void) {
        lock.lock(); watchers.append(notice); lock.unlock()
    }
}

/// A value tests change and the stub's closures read, from any thread.
final class Shared<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    var get: Value { lock.lock(); defer { lock.unlock() }; return value }

    func set(_ v: Value) { lock.lock(); value = v; lock.unlock() }

    @discardableResult
    func update<R>(_ body: (inout Value) -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body(&value)
    }
}
