import SystemPackage

/// The link between hosts speaks 9P2000.L (the dialect of 9P that Linux's v9fs
/// and QEMU's virtfs speak): a standard, documented protocol whose every error is
/// a Linux errno (`Rlerror`), whose reads carry their offset (so a reconnect reads
/// on from where it stopped), and for which independent clients and servers exist.
///
/// Decisions, stated once:
/// - Only what serving hivefs's tree needs is spoken: version, attach, walk, lopen,
///   getattr, setattr (a truncation to 0, as `echo x > file` makes), readdir, read,
///   write, clunk, mkdir, unlinkat (rmdir), statfs and flush. Anything else is
///   answered `EOPNOTSUPP`.
/// - Pushes are held reads, as 9P servers of event streams do: a read of the root's
///   `.notices` is answered with the next changes of the tree, a line each, and is
///   held until there are some. A held read is cancelled by `Tflush`.
/// - A file that only grows (`events`, `log`) opened with `NineP.follow` among its
///   `Tlopen` flags is followed: a read at its end is held until it grows, and
///   answered with what was added (as `tail -f`, pushed). Without the flag, a read
///   at the end is an end of file, as everywhere.
/// - Messages are at most `NineP.maxMessage` bytes; a bigger one, or bytes that are
///   no message, end the link with the reason (`HiveError`, EBADMSG): nothing a
///   remote sends can crash the reader.
public enum NineP {
    /// The dialect spoken.
    public static let version = "9P2000.L"
    /// The largest message either side sends or takes: 1 MiB of data and its header.
    public static let maxMessage: UInt32 = (1 << 20) + 64
    /// The smallest message size a client may ask for: room for a header and a name.
    public static let minMessage: UInt32 = 512
    /// The tag of `Tversion`.
    public static let noTag: UInt16 = 0xFFFF
    /// No fid (`Tattach`'s afid, without authentication).
    public static let noFid: UInt32 = 0xFFFF_FFFF
    /// hivefs's `Tlopen` flag for following a file that grows (a bit no Linux open
    /// flag uses): reads at its end are held until there is more.
    public static let follow: UInt32 = 0x4000_0000
    /// `Tunlinkat`'s flag for a directory.
    public static let removeDirectory: UInt32 = 0x200

    /// The message types spoken, by their numbers in 9P2000.L.
    public enum Kind: UInt8, Sendable {
        case rlerror = 7
        case tstatfs = 8, rstatfs
        case tlopen = 12, rlopen
        case tgetattr = 24, rgetattr
        case tsetattr = 26, rsetattr
        case treaddir = 40, rreaddir
        case tmkdir = 72, rmkdir
        case tunlinkat = 76, runlinkat
        case tversion = 100, rversion
        case tattach = 104, rattach
        case tflush = 108, rflush
        case twalk = 110, rwalk
        case tread = 116, rread
        case twrite = 118, rwrite
        case tclunk = 120, rclunk
    }
}

/// A file's identity on the link: its type (directory or file), a version, and a
/// path number unique to the file for as long as the server runs.
public struct Qid: Equatable, Hashable, Sendable {
    public var type: UInt8
    public var version: UInt32
    public var path: UInt64

    public static let directoryType: UInt8 = 0x80
    public static let fileType: UInt8 = 0

    public init(type: UInt8, version: UInt32 = 0, path: UInt64) {
        self.type = type
        self.version = version
        self.path = path
    }

    public var isDirectory: Bool { type & Qid.directoryType != 0 }
}

/// What `Rgetattr` tells of a file (the fields hivefs fills; the rest are 0).
public struct NinePAttributes: Equatable, Sendable {
    public var qid: Qid
    /// `st_mode`: the type bits and the permissions.
    public var mode: UInt32
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var nlink: UInt64 = 1
    public var size: UInt64 = 0
    public var mtimeSeconds: UInt64 = 0
    public var mtimeNanoseconds: UInt64 = 0
    /// Changes whenever the content does (hivefs's change counter, where it has one).
    public var dataVersion: UInt64 = 0

    public init(qid: Qid, mode: UInt32) {
        self.qid = qid
        self.mode = mode
    }

    /// The fields `Rgetattr` says are valid: mode, nlink, uid, gid, mtime, size,
    /// and the data version (P9_GETATTR_BASIC without atime, ctime, rdev, blocks, ino).
    public static let validMask: UInt64 = 0x1 | 0x2 | 0x4 | 0x8 | 0x40 | 0x200 | 0x2000
}

/// One entry of `Rreaddir`: its qid, the offset of the entry after it, its type
/// (`DT_DIR`, `DT_REG`) and name.
public struct NinePDirectoryEntry: Equatable, Sendable {
    public var qid: Qid
    public var next: UInt64
    public var type: UInt8
    public var name: String

    public init(qid: Qid, next: UInt64, type: UInt8, name: String) {
        self.qid = qid
        self.next = next
        self.type = type
        self.name = name
    }
}

/// What `Tsetattr` asks to change: `valid` says which fields count (`P9_SETATTR_*`).
public struct NinePSetAttributes: Equatable, Sendable {
    public var valid: UInt32
    public var mode: UInt32 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var size: UInt64 = 0
    /// atime's seconds and nanoseconds, then mtime's.
    public var times: [UInt64] = [0, 0, 0, 0]

    /// `P9_SETATTR_SIZE`.
    public static let size: UInt32 = 0x8

    public init(valid: UInt32, size: UInt64 = 0) {
        self.valid = valid
        self.size = size
    }
}

/// A request, as a client sends it.
public enum NinePRequest: Equatable, Sendable {
    case version(msize: UInt32, version: String)
    case attach(fid: UInt32, afid: UInt32, uname: String, aname: String, uid: UInt32)
    case flush(oldTag: UInt16)
    case walk(fid: UInt32, newFid: UInt32, names: [String])
    case lopen(fid: UInt32, flags: UInt32)
    case getattr(fid: UInt32, mask: UInt64)
    /// The server takes a truncation to 0 and nothing else; every field is kept all the same.
    case setattr(fid: UInt32, NinePSetAttributes)
    case readdir(fid: UInt32, offset: UInt64, count: UInt32)
    case read(fid: UInt32, offset: UInt64, count: UInt32)
    case write(fid: UInt32, offset: UInt64, data: [UInt8])
    case clunk(fid: UInt32)
    case mkdir(directoryFid: UInt32, name: String, mode: UInt32, gid: UInt32)
    case unlinkat(directoryFid: UInt32, name: String, flags: UInt32)
    case statfs(fid: UInt32)
}

/// A response, as a server sends it.
public enum NinePResponse: Equatable, Sendable {
    case version(msize: UInt32, version: String)
    case attach(Qid)
    /// `Rlerror`: the request failed with this errno.
    case error(Errno)
    case flush
    case walk([Qid])
    case lopen(Qid, iounit: UInt32)
    case getattr(NinePAttributes)
    case setattr
    case readdir([NinePDirectoryEntry])
    case read([UInt8])
    case write(count: UInt32)
    case clunk
    case mkdir(Qid)
    case unlinkat
    case statfs(blockSize: UInt32, nameLength: UInt32)
}
