/// The dashboard's page: its HTML here, its style sheet and script in the files
/// beside this one. All of it is inside the binary: nothing is fetched from
/// elsewhere and nothing is built.
enum Page {
    /// The page, carrying the token its script sends with every change it asks for.
    static func html(token: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="hivefs-token" content="\(TerminalHTML.escape(token))">
        <title>hivefs</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/app.css">
        </head>
        <body>
        <header id="bar">
          <a id="home" href="#">hivefs</a>
          <span id="counts"></span>
          <span id="total" title="total cost"></span>
          <span class="grow"></span>
          <button id="notify" type="button" hidden>Notify me</button>
          <button id="new-open" type="button">New session</button>
        </header>
        <div id="trouble" role="status" hidden></div>
        <div id="flash" role="alert" hidden></div>
        <main id="overview">
          <p id="empty" hidden>No sessions yet. Make one with <b>New session</b>, or <code>hivefs new NAME</code>.</p>
          <div id="cards"></div>
        </main>
        <main id="session" hidden>
          <div id="s-head">
            <a href="#" id="back">&larr; all sessions</a>
            <h2 id="s-name"></h2>
            <span id="s-state" class="badge"></span>
            <span id="s-idle" class="idle"></span>
          </div>
          <p id="s-doing" class="doing"></p>
          <div id="s-permission" class="permission" hidden>
            <p id="s-question"></p>
            <div id="s-options" class="buttons"></div>
          </div>
          <form id="s-send" class="send" autocomplete="off">
            <input id="s-prompt" name="prompt" placeholder="Send the agent a prompt" aria-label="prompt">
            <button type="submit">Send</button>
          </form>
          <div id="s-actions" class="buttons">
            <button type="button" data-verb="pause">Pause</button>
            <button type="button" data-verb="resume">Resume</button>
            <button type="button" data-verb="interrupt">Interrupt</button>
            <button type="button" data-verb="restart">Restart</button>
            <button type="button" data-verb="kill" class="danger">Kill</button>
            <button type="button" data-verb="remove" class="danger">Remove</button>
          </div>
          <dl id="s-facts" class="facts"></dl>
          <section><h3>Screen</h3><pre id="s-screen" class="term"></pre></section>
          <section><h3>Events</h3><ol id="s-events" class="events"></ol></section>
          <section id="s-summary-box" hidden><h3>Summary</h3><pre id="s-summary"></pre></section>
          <section><h3>Files</h3><pre id="s-files"></pre></section>
          <section><h3>Git</h3><pre id="s-git"></pre></section>
        </main>
        <dialog id="new-dialog">
          <form id="new-form" method="dialog" autocomplete="off">
            <h3>New session</h3>
            <label>Name <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,63}"></label>
            <label>Agent <select name="agent">
              <option>claude</option><option>codex</option><option>gemini</option>
              <option>aider</option><option>cursor</option><option>shell</option>
            </select></label>
            <label>Directory <input name="dir" placeholder="its home, when empty"></label>
            <label>Prompt <input name="prompt"></label>
            <label class="check"><input type="checkbox" name="worktree"> its own git worktree</label>
            <p id="new-error" class="error" hidden></p>
            <div class="buttons">
              <button type="submit" value="create">Create</button>
              <button type="button" id="new-cancel">Cancel</button>
            </div>
          </form>
        </dialog>
        <dialog id="confirm">
          <form method="dialog">
            <p id="confirm-text"></p>
            <div class="buttons">
              <button value="yes" class="danger" id="confirm-yes">Yes</button>
              <button value="no" id="confirm-no">No</button>
            </div>
          </form>
        </dialog>
        <script src="/app.js"></script>
        </body>
        </html>

        """
    }
}
