import XCTest
@testable import HiveCore

/// The questions of the real agents, as their screens showed them (Claude Code 2.1.337,
/// captured with `tmux capture-pane -p`), read into `permission`'s options.
final class ScreenMenuTests: XCTestCase {
    static let trustDialog = """
         Accessing workspace:
         /tmp/probe/tr/work
         Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this
         folder first.
         Claude Code'll be able to read, edit, and execute files here.
         Security guide
         ❯ No, exit
           Yes, I trust this folder
         Enter to confirm · Esc to cancel
        """

    static let bashMenu = """
        ● Running touch x
          ⎿  $ touch x
         Bash command
         Run touch x
        ╌╌╌╌╌╌╌╌╌╌╌╌
         touch x
        ╌╌╌╌╌╌╌╌╌╌╌╌
         Do you want to proceed?
         ❯ 1. Yes
           2. Yes, and always allow access to /tmp/probe/pm/work from this project
           3. Yes, and switch to auto mode · auto mode handles these prompts for you
           4. No
         Esc to cancel · Tab to amend
        """

    static let readOutsideAuto = """
         Read outside the working directories
         Read(/tmp/probe/outside.txt)
         Allow this read outside the working directories?
         ❯ 1. Yes, and keep allowing any reads outside the working directories
           2. No, and block reads outside the working directories from now on
           3. No, and ask again next time
           4. Yes, but ask again next time
         Esc to cancel · Tab to amend
        """

    static let autoNudge = """
          Make auto mode your default permission mode?
          Auto mode lets Claude handle permission prompts automatically. Claude checks each tool call for risky actions and prompt injection before executing, runs the ones it assesses as lower-risk, and
          blocks the rest.
          ❯ Yes, set auto mode as my default permission mode
            No, keep manual mode
        """

    static let idlePrompt = """
        ✻ Worked for 0s · done 2:58 AM
                                                                                             ◐ medium · /effort
        ────────────────────────────────────────────────────────────────────────────────────────────────────
        ❯ 
        ────────────────────────────────────────────────────────────────────────────────────────────────────
          ⏵⏵ auto mode on (shift+tab to cycle) · ← for agents
        """

    static let typedPrompt = """
        ────────────────────────────────────────────────────────────────────────────────────────────────────
        ❯ 1. make the tests pass
        ────────────────────────────────────────────────────────────────────────────────────────────────────
          ? for shortcuts
        """

    func testTheTrustDialogHasNoNumbersAndNoHasTheFocus() throws {
        let q = try XCTUnwrap(ScreenMenu.menu(Self.trustDialog))
        XCTAssertEqual(q.kind, .trust)
        XCTAssertEqual(q.question, "Quick safety check: Is this a project you created or one you trust?")
        XCTAssertEqual(q.options.map(\.label), ["No, exit", "Yes, I trust this folder"])
        XCTAssertEqual(q.focus, 0)
        XCTAssertEqual(q.approve, 1)
        XCTAssertEqual(q.deny, 0)
        let p = q.permission(id: 1, tool: nil, subject: nil)
        XCTAssertEqual(p.keys(choosing: 1), ["Down", "Enter"], "Down then Enter accepts; Enter alone exits")
        XCTAssertEqual(p.keys(choosing: 0), ["Enter"])
    }

    func testABashMenuIsAToolPermissionWhoseApproveIsYesThisOnce() throws {
        let q = try XCTUnwrap(ScreenMenu.menu(Self.bashMenu))
        XCTAssertEqual(q.kind, .tool)
        XCTAssertEqual(q.question, "Do you want to proceed?")
        XCTAssertEqual(q.options.count, 4)
        XCTAssertEqual(q.options[0].label, "Yes")
        XCTAssertEqual(q.approve, 0)
        XCTAssertEqual(q.deny, 3)
        let p = q.permission(id: 7, tool: "Bash", subject: "touch x")
        XCTAssertEqual(p.keys(choosing: 3), ["Down", "Down", "Down", "Enter"])
        XCTAssertEqual(p.reason, "permission Bash touch x (approve 7, deny 7, answer 7 N; see permission)")
        XCTAssertEqual(p.text, """
            id 7
            kind tool
            tool Bash
            subject touch x
            question Do you want to proceed?
            option 1 Yes
            option 2 Yes, and always allow access to /tmp/probe/pm/work from this project
            option 3 Yes, and switch to auto mode · auto mode handles these prompts for you
            option 4 No
            approve 1
            deny 4

            """)
    }

    /// "Esc to cancel" is on every menu: the screen classifier must not read it as busy.
    func testAMenuIsNotBusy() {
        XCTAssertEqual(ClaudeScreen.classify(Self.bashMenu), .menu)
        XCTAssertEqual(ClaudeScreen.classify(Self.readOutsideAuto), .menu)
        XCTAssertEqual(ClaudeScreen.classify(Self.idlePrompt), .prompt)
    }

    func testApproveAndDenyDecideThisTimeOnly() throws {
        let q = try XCTUnwrap(ScreenMenu.menu(Self.readOutsideAuto))
        XCTAssertEqual(q.question, "Allow this read outside the working directories?")
        XCTAssertEqual(q.kind, .tool)
        XCTAssertEqual(q.approve, 3, "Yes, but ask again next time")
        XCTAssertEqual(q.deny, 2, "No, and ask again next time")
    }

    func testAStartUpQuestionIsAQuestion() throws {
        let q = try XCTUnwrap(ScreenMenu.menu(Self.autoNudge))
        XCTAssertEqual(q.kind, .question)
        XCTAssertEqual(q.question, "Make auto mode your default permission mode?")
        XCTAssertEqual(q.options.map(\.label), ["Yes, set auto mode as my default permission mode", "No, keep manual mode"])
        XCTAssertEqual(q.approve, 0)
        XCTAssertEqual(q.deny, 1)
    }

    /// Claude Code echoes a prompt after `❯` in the conversation, wrapped at the same
    /// column: with the input box below it, that is no menu.
    static let echoedPrompt = """
         ▝▝   ▝▝   ~/proj
        ❯ Move the token check into TokenStore and make sure that every caller of fetchToken goes through the
          store from now on, then run the tests
          ⎿  Not logged in · Please run /login
        ────────────────────────────────────────────────────────────────────────────────────────────────────
        ❯ 1. then fix the docs
          2. and the changelog
        ────────────────────────────────────────────────────────────────────────────────────────────────────
          ⏵⏵ auto mode on (shift+tab to cycle) · ← for agents
        """

    func testTheConversationAndTheInputBoxAreNoMenu() {
        XCTAssertNil(ScreenMenu.menu(Self.echoedPrompt))
        XCTAssertEqual(ClaudeScreen.classify(Self.echoedPrompt), .prompt)
    }

    func testAnInputPromptIsNoMenu() {
        XCTAssertNil(ScreenMenu.menu(Self.idlePrompt))
        XCTAssertNil(ScreenMenu.menu(Self.typedPrompt), "one marked line, even one that looks numbered, is the input")
        XCTAssertNil(ScreenMenu.menu(""))
    }

    func testAidersQuestionsTakeALetterAndEnter() throws {
        let q = try XCTUnwrap(ScreenMenu.letters("> /run make\nRun shell command? (Y)es/(N)o/(D)on't ask again [Yes]: "))
        XCTAssertEqual(q.question, "Run shell command?")
        XCTAssertEqual(q.options.map(\.label), ["Yes", "No", "Don't ask again"])
        XCTAssertEqual(q.options.map(\.key), ["y", "n", "d"])
        XCTAssertEqual(q.approve, 0)
        XCTAssertEqual(q.deny, 1)
        XCTAssertEqual(q.permission(id: 2, tool: nil, subject: nil).keys(choosing: 2), ["d", "Enter"])
        XCTAssertNil(ScreenMenu.letters("Run shell command? (Y)es/(N)o [Yes]: y\n> "), "answered")
    }
}
