import Foundation
import XCTest
@testable import HiveCore

/// The errnos HiveCore reports, each with the value libc gives it, so a test
/// checks both the number a system call returns and the name `control` shows.
enum Err: String {
    case EINVAL, ERANGE, ESRCH, EBUSY, E2BIG, EEXIST, ENOTSUP, EACCES, ENOENT, EIO, ENOSPC

    var code: Int32 {
        switch self {
        case .EINVAL: return Foundation.EINVAL
        case .ERANGE: return Foundation.ERANGE
        case .ESRCH: return Foundation.ESRCH
        case .EBUSY: return Foundation.EBUSY
        case .E2BIG: return Foundation.E2BIG
        case .EEXIST: return Foundation.EEXIST
        case .ENOTSUP: return Foundation.ENOTSUP
        case .EACCES: return Foundation.EACCES
        case .ENOENT: return Foundation.ENOENT
        case .EIO: return Foundation.EIO
        case .ENOSPC: return Foundation.ENOSPC
        }
    }
}

/// Runs `body`, which must throw a HiveError with `expected`'s errno (number and
/// name) and a readable one-line reason. Returns the error for further checks.
@discardableResult
func assertThrows<T>(
    _ expected: Err,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws(HiveError) -> T
) -> HiveError? {
    do {
        let value = try body()
        XCTFail("expected \(expected.rawValue), got success: \(value) \(message())", file: file, line: line)
        return nil
    } catch {
        XCTAssertEqual(error.errno.rawValue, expected.code,
                       "errno \(error.errnoName) (\(error.reason)), expected \(expected.rawValue) \(message())",
                       file: file, line: line)
        XCTAssertEqual(error.errnoName, expected.rawValue, message(), file: file, line: line)
        XCTAssertFalse(error.reason.trimmingCharacters(in: .whitespaces).isEmpty,
                       "the reason must say what went wrong \(message())", file: file, line: line)
        XCTAssertFalse(error.reason.contains("\n"), "the reason must be one line: \(error.reason)",
                       file: file, line: line)
        return error
    }
}

/// Runs `body`, which must not throw; returns its value.
func assertNoThrow<T>(
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws(HiveError) -> T
) -> T? {
    do {
        return try body()
    } catch {
        XCTFail("unexpected \(error) \(message())", file: file, line: line)
        return nil
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// `2026-11-24T10:00:00.000Z` plus `ms` milliseconds.
func t(_ ms: Int64 = 0) -> Timestamp { Timestamp(milliseconds: 1_795_514_400_000 + ms) }

/// The lines of a text, which must end in a newline; no line is partial.
func lines(of text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
    XCTAssertTrue(text.hasSuffix("\n"), "text must end in a newline: \(text.debugDescription)", file: file, line: line)
    var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if parts.last == "" { parts.removeLast() }
    return parts
}

/// KEY VALUE lines as ordered pairs, split at the first space.
func keyValues(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [(String, String)] {
    lines(of: text, file: file, line: line).map { l in
        guard let sp = l.firstIndex(of: " ") else {
            XCTFail("line has no space: \(l.debugDescription)", file: file, line: line)
            return (l, "")
        }
        return (String(l[..<sp]), String(l[l.index(after: sp)...]))
    }
}

/// Checks that a JSON twin says what its text file says: `-` is null, the keys in
/// `numeric` are numbers, and every other value is the same string (unescaped).
func assertJSONTwin(_ text: [(String, String)], _ obj: [String: Any], numeric: Set<String>, _ what: String = "",
                    file: StaticString = #filePath, line: UInt = #line) throws {
    for (key, shown) in text {
        let v = obj[key]
        if shown == "-" {
            XCTAssertTrue(v is NSNull, "\(what) \(key): '-' in text is null in JSON, got \(String(describing: v))",
                          file: file, line: line)
        } else if numeric.contains(key) {
            let n = try XCTUnwrap(v as? NSNumber, "\(what) \(key) is a number", file: file, line: line)
            XCTAssertFalse(v is String, key, file: file, line: line)
            XCTAssertEqual(n.stringValue, shown, key, file: file, line: line)
        } else {
            let s = try XCTUnwrap(v as? String, "\(what) \(key) is a string", file: file, line: line)
            XCTAssertEqual(Text.oneLine(s), shown, key, file: file, line: line)
        }
    }
}
