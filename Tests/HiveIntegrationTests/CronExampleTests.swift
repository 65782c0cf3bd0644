import Foundation
import XCTest

/// contrib/cron/hivefs-cron.example: every crontab line's command, run as cron
/// would run it (sh, `\%` as `%`, HOME with the mount at ~/hive and the sources
/// at ~/src/hivefs), against a real mount with live, waiting-free, ended and
/// removed sessions.
final class CronExampleTests: MountedTestCase {
    func testEveryLineRunsAsWritten() throws {
        let home = m.root + "/cronhome"
        try FileManager.default.createDirectory(atPath: home + "/src", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: home + "/hive", withDestinationPath: m.mnt)
        try FileManager.default.createSymbolicLink(atPath: home + "/src/hivefs", withDestinationPath: MountFixture.repoFile(""))
        newShell("live", "sleep 300")
        newShell("done", "sh -c 'exit 3'", wait: false)
        m.waitState("done", ["exited"])
        newShell("gone", "true", wait: false)
        m.waitState("gone", ["exited"])
        XCTAssertEqual(m.sh("rmdir $MNT/gone").status, 0)

        let text = try String(contentsOfFile: MountFixture.repoFile("contrib/cron/hivefs-cron.example"), encoding: .utf8)
        // The lines, and the alternatives left commented out (`#0 7 * * * …`), in file order.
        let lines = text.split(separator: "\n").map(String.init).compactMap { l -> String? in
            if let f = l.first, f.isNumber || f == "*" { return l }
            if l.hasPrefix("#"), let f = l.dropFirst().first, f.isNumber || f == "*" { return String(l.dropFirst()) }
            return nil
        }
        XCTAssertGreaterThanOrEqual(lines.count, 9)
        var outputs: [String] = []
        for line in lines {
            // Five time fields, then the command; cron turns `\%` into `%`.
            var rest = Substring(line)
            for _ in 0..<5 {
                rest = rest.drop { $0 == " " || $0 == "\t" }
                rest = rest.drop { $0 != " " && $0 != "\t" }
            }
            let command = rest.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\\%", with: "%")
            if command.contains("rmdir"), !command.contains("-mmin") {
                // Only the alternative that removes whatever has ended: check the safe one kept `done` first.
                XCTAssertEqual(m.state("done"), "exited", "ended less than a day ago: not moved to history")
            }
            let r = m.sh("HOME='\(home)' PATH=/usr/bin:/bin; export HOME PATH; \(command)")
            XCTAssertEqual(r.status, 0, "\(command)\n\(r.err)")
            XCTAssertEqual(r.err, "", command)
            outputs.append(r.out)
        }
        let all = outputs.joined()
        XCTAssertTrue(all.contains("NAME"), "the morning report shows the status table: \(all)")
        XCTAssertTrue(all.contains("/done/status:exit 3"), all)
        XCTAssertTrue(all.contains("hivefs: 1 session removed to history in the last 24h"), all)
        XCTAssertEqual(m.state("live"), "idle", "nothing idle for 2 hours, nothing killed")
        XCTAssertTrue((try? String(contentsOfFile: home + "/hive-report.txt", encoding: .utf8))?.contains("NAME") == true,
                      "the report appended to a file")
        XCTAssertNil(m.read("done/status"), "the last alternative moves every ended session to history")
        XCTAssertTrue(m.sh("ls $MNT/history").out.contains("done-"))
    }
}
