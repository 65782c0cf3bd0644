import Foundation

/// Whether the running thread is serving a FUSE request: set by the callbacks of
/// `Operations.swift` around each call into the bridge. Such a thread must not tell
/// the kernel to drop anything (DESIGN.md §9): the kernel may wait, to drop a page,
/// for a reply only that thread would send.
enum FuseWorker {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    static var isCurrent: Bool { pthread_getspecific(key) != nil }

    /// Runs `body` marked as serving a request.
    static func serving(_ body: () -> Void) {
        let was = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, was) }
        body()
    }
}
