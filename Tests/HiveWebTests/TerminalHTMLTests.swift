import XCTest
import HiveCore
@testable import HiveWeb

final class TerminalHTMLTests: XCTestCase {
    let esc = "\u{1B}"

    func testPlainTextIsEscapedAndKept() {
        XCTAssertEqual(TerminalHTML.html("a < b && \"c\" > 'd'\nnext\n\n\n"), "a &lt; b &amp;&amp; &quot;c&quot; &gt; &#39;d&#39;\nnext")
    }

    func testSixteenColoursBecomeClasses() {
        XCTAssertEqual(TerminalHTML.html("\(esc)[31mred\(esc)[0m plain"), "<span class=\"f1\">red</span> plain")
        XCTAssertEqual(TerminalHTML.html("\(esc)[1;92;44mhi\(esc)[m"), "<span class=\"f10 b4 tb\">hi</span>")
        XCTAssertEqual(TerminalHTML.html("\(esc)[103mx\(esc)[49my"), "<span class=\"b11\">x</span>y")
    }

    func test256AndTrueColourBecomeInlineColours() {
        XCTAssertEqual(TerminalHTML.html("\(esc)[38;5;208mo\(esc)[0m"), "<span style=\"color:#ff8700\">o</span>")
        XCTAssertEqual(TerminalHTML.html("\(esc)[48;5;232mg"), "<span style=\"background:#080808\">g</span>")
        XCTAssertEqual(TerminalHTML.html("\(esc)[38;2;1;2;255mt"), "<span style=\"color:#0102ff\">t</span>")
        XCTAssertEqual(TerminalHTML.html("\(esc)[38;5;3my"), "<span class=\"f3\">y</span>")
    }

    func testReverseSwapsColours() {
        XCTAssertEqual(TerminalHTML.html("\(esc)[7mr\(esc)[27m"), "<span class=\"fr br\">r</span>")
        XCTAssertEqual(TerminalHTML.html("\(esc)[31;7mr"), "<span class=\"fr b1\">r</span>")
    }

    func testSpansNeverCrossLines() {
        XCTAssertEqual(TerminalHTML.html("\(esc)[32mone\ntwo\(esc)[0m"), "<span class=\"f2\">one</span>\n<span class=\"f2\">two</span>")
    }

    func testOtherSequencesAndControlsAreDropped() {
        // Cursor moves, a title (OSC), a bell, a NUL, a lone ESC at the end: none reach the page.
        let text = "\(esc)[2J\(esc)[10;5Ha\(esc)]0;title\u{07}b\u{07}\u{00}c\(esc)]8;;http://x\(esc)\\d\(esc)(Be\(esc)"
        XCTAssertEqual(TerminalHTML.html(text), "abcde")
    }

    func testNothingAProgramPrintsBecomesMarkup() {
        let hostile = "\(esc)[38;2;1;2;3m<script>alert(1)</script>\(esc)[38;5;999m<img src=x onerror=1>"
        let html = TerminalHTML.html(hostile)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertTrue(html.contains("&lt;script&gt;"))
    }

    func testBrokenSequencesNeverCrash() {
        var g = SystemRandomNumberGenerator()
        let pieces = ["\u{1B}", "[", "38", ";", "5", "2", "m", "a", "\n", "\u{1B}]", "\u{07}", "é", "<", "999999999999999999999"]
        for _ in 0..<3000 {
            let s = (0..<Int.random(in: 0...40, using: &g)).map { _ in pieces.randomElement(using: &g) ?? "" }.joined()
            let html = TerminalHTML.html(s)
            XCTAssertFalse(html.contains("<") && html.replacingOccurrences(of: "<span", with: "").replacingOccurrences(of: "</span>", with: "").contains("<"), s)
        }
    }
}

final class AccessTests: XCTestCase {
    func testTokensAreFreshAndLong() {
        let a = Access.newToken(), b = Access.newToken()
        XCTAssertEqual(a.count, 64)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0.isHexDigit })
    }

    func testMatchesOnlyTheToken() {
        let access = Access(token: "abcdef0123")
        XCTAssertTrue(access.matches("abcdef0123"))
        XCTAssertFalse(access.matches(nil))
        XCTAssertFalse(access.matches(""))
        XCTAssertFalse(access.matches("abcdef012"))
        XCTAssertFalse(access.matches("abcdef01234"))
        XCTAssertFalse(access.matches("Abcdef0123"))
    }

    func testTheCookieIsFoundAmongOthers() {
        let access = Access(token: "0123456789abcdef")
        XCTAssertEqual(access.cookieName, "hivefs_01234567")
        XCTAssertEqual(access.token(inCookies: "a=1; hivefs_01234567=0123456789abcdef; b=2"), "0123456789abcdef")
        XCTAssertNil(access.token(inCookies: "hivefs_76543210=x"))
        XCTAssertNil(access.token(inCookies: nil))
        XCTAssertTrue(access.setCookie.contains("HttpOnly"))
        XCTAssertTrue(access.setCookie.contains("SameSite=Lax"))
    }

    func testOnlyThePagesOwnOriginIsSame() {
        XCTAssertTrue(Access.sameOrigin("http://127.0.0.1:7117", host: "127.0.0.1:7117"))
        XCTAssertTrue(Access.sameOrigin("https://box.example:443", host: "box.example:443"))
        XCTAssertFalse(Access.sameOrigin("http://127.0.0.1:8000", host: "127.0.0.1:7117"))
        XCTAssertFalse(Access.sameOrigin("http://evil.example", host: "127.0.0.1:7117"))
        XCTAssertFalse(Access.sameOrigin("null", host: "127.0.0.1:7117"))
        XCTAssertFalse(Access.sameOrigin(nil, host: "127.0.0.1:7117"))
        XCTAssertFalse(Access.sameOrigin("http://", host: ""))
    }

    func testTheTokenFileIsTheUsersAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Access.save("first", to: dir + "/web.token")
        try Access.save("second", to: dir + "/web.token")
        XCTAssertEqual(try String(contentsOfFile: dir + "/web.token", encoding: .utf8), "second\n")
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/web.token")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/web.token.tmp"))
        XCTAssertThrowsError(try Access.save("x", to: dir + "/missing/web.token"))
    }
}

final class SessionRefTests: XCTestCase {
    func testNamesBecomePathsOnlyWhenValid() throws {
        XCTAssertEqual(try SessionRef("auth-feature").path("/m", "control"), "/m/auth-feature/control")
        XCTAssertEqual(try SessionRef("@box/away").path("/m", "status.json"), "/m/@box/away/status.json")
        for bad in ["", "..", "../etc", "a/b", "@box", "@box/", "@/x", "@box/a/b", "@../x", "status", "a b", "-x", "@box/..", "x\u{0}"] {
            XCTAssertThrowsError(try SessionRef(bad), bad) { e in XCTAssertEqual((e as? HiveError)?.errno, .invalidArgument) }
        }
    }
}

final class NewLineTests: XCTestCase {
    func testAFormBecomesTheLineHivefsNewWrites() throws {
        XCTAssertEqual(try NewLine.make(["name": "a1", "agent": "claude", "dir": "/src/my app", "prompt": "say \"hi\"", "worktree": "yes"]),
                       #"new a1 agent=claude dir="/src/my app" prompt="say \"hi\"" worktree=yes"#)
        XCTAssertEqual(try NewLine.make(["name": "b", "agent": "shell", "worktree": "no", "dir": ""]), "new b agent=shell")
    }

    func testBadFormsAreRefusedWithTheirReason() {
        XCTAssertThrowsError(try NewLine.make([:]))
        XCTAssertThrowsError(try NewLine.make(["name": "../x"]))
        XCTAssertThrowsError(try NewLine.make(["name": "a", "prompt": "one\ntwo"])) { e in
            XCTAssertTrue((e as? HiveError)?.reason.contains("line break") == true)
        }
        XCTAssertThrowsError(try NewLine.make(["name": "a", "command": "rm -rf /"])) { e in
            XCTAssertTrue((e as? HiveError)?.reason.contains("not a field") == true)
        }
    }
}

final class MessagesTests: XCTestCase {
    func testRowsDifferingOnlyInTheClockAreTheSame() {
        // As the root status.json is written: one object a line.
        let a = Messages.objects(Array("""
            [
            {"name":"a","state":"idle","idle":3,"idle-timeout":600,"idle-timeout.left":597,"cpu":0.0},
            {"name":"@box/b","state":"down","reason":"link down"}
            ]

            """.utf8))
        let b = Messages.objects(Array("""
            [
            {"name":"a","state":"idle","idle":4,"idle-timeout":600,"idle-timeout.left":596,"cpu":0.0},
            7,
            {"state":"x"},
            {"name":"q\\"x","state":"working"}
            ]

            """.utf8))
        XCTAssertEqual(a.map(\.0), ["a", "@box/b"])
        XCTAssertEqual(b.map(\.0), ["a", "q\"x"])
        XCTAssertEqual(a[0].1.state, "idle")
        XCTAssertEqual(a[0].1.key, b[0].1.key)
        XCTAssertEqual(a[0].1.key, #"{"name":"a","state":"idle","idle-timeout":600,"cpu":0.0}"#)
        XCTAssertNotEqual(a[0].1.json, b[0].1.json)
        XCTAssertEqual(a[1].1.json, #"{"name":"@box/b","state":"down","reason":"link down"}"#)
        XCTAssertTrue(Messages.objects(Array("not json".utf8)).isEmpty)
        XCTAssertTrue(Messages.objects(Array("[]\n".utf8)).isEmpty)
    }

    func testOnlyWholeLinesAreTaken() {
        let (lines, used) = Messages.lines(Array("{\"a\":1}\n{\"b\":2}\n{\"c\"".utf8))
        XCTAssertEqual(lines, ["{\"a\":1}", "{\"b\":2}"])
        XCTAssertEqual(used, 16)
        XCTAssertEqual(Messages.lines(Array("partial".utf8)).consumed, 0)
    }

    func testMessagesAreJSON() throws {
        var view = Hub.SessionView()
        view.screen = "<span class=\"f1\">x</span>"
        view.permission = "{\"id\":1}"
        let detail = Messages.detail("a", view, events: ["{\"kind\":\"state\"}", "torn {"], reset: true)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any])
        XCTAssertEqual((object["events"] as? [Any])?.count, 1)
        XCTAssertEqual((object["permission"] as? [String: Any])?["id"] as? Int, 1)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(Messages.rows(["{\"name\":\"a\"}"], gone: ["b\"c"]).utf8)))
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(Messages.trouble(nil).utf8)))
        XCTAssertEqual(WebServer.watched(#"{"watch":"@box/x"}"#)?.components, ["@box", "x"])
        XCTAssertNil(WebServer.watched(#"{"watch":"../x"}"#))
        XCTAssertNil(WebServer.watched("garbage"))
    }
}
