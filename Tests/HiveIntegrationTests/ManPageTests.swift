import Foundation
import XCTest

/// The man pages: they render without a warning, and hivefs(1) covers every
/// command and option the program has.
final class ManPageTests: XCTestCase {
    func sh(_ command: String) -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        do { try p.run() } catch { return (127, "", "\(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testBothPagesRenderWithoutAWarning() throws {
        guard sh("command -v groff").status == 0 else { throw XCTSkip("groff is not installed (make test installs groff-base)") }
        for page in ["man/hivefs.1", "man/hivefs.5"] {
            let path = MountFixture.repoFile(page)
            let r = sh("groff -t -man -ww -z '\(path)'")
            XCTAssertEqual(r.status, 0, page)
            XCTAssertEqual(r.err, "", "\(page) renders with warnings")
            // And as a reader sees it: a page of text with its sections.
            let text = sh("groff -t -man -Tutf8 -P-cbou '\(path)'").out
            XCTAssertTrue(text.contains("NAME") && text.contains("SEE ALSO"), page)
        }
    }

    func testTheCommandPageCoversEveryCommandAndOption() throws {
        let dump = sh("'\(MountFixture.binary)' --experimental-dump-help")
        XCTAssertEqual(dump.status, 0, dump.err)
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.out.utf8)) as? [String: Any])
        let command = try XCTUnwrap(root["command"] as? [String: Any])
        let page = try String(contentsOfFile: MountFixture.repoFile("man/hivefs.1"), encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        var checked = 0
        for sub in command["subcommands"] as? [[String: Any]] ?? [] where sub["shouldDisplay"] as? Bool ?? true {
            let name = sub["commandName"] as? String ?? ""
            XCTAssertTrue(page.contains(".B hivefs \(name)") || page.contains(".B \(name)") || page.contains(".BR \(name) ")
                          || page.contains(".BI \(name) "), "hivefs(1) has no entry for the command \(name)")
            for arg in sub["arguments"] as? [[String: Any]] ?? [] where arg["shouldDisplay"] as? Bool ?? true {
                for n in arg["names"] as? [[String: Any]] ?? [] where n["kind"] as? String == "long" {
                    let flag = "--" + (n["name"] as? String ?? "")
                    XCTAssertTrue(page.contains(flag), "hivefs(1) does not mention \(flag) of \(name)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 30, "the parser's options were read")
    }
}
