/// What reading a `control` file shows: the commands it accepts and the last error.
public enum ControlUsage {
    public static let session = """
        start              start a new session
        pause              freeze every process of the session
        resume             let them run again
        interrupt          stop the agent's current turn (Escape; C-c for shell)
        send TEXT          type TEXT into the agent and press Enter
        keys KEY...        send tmux key names: Enter Escape Tab Up Down C-c y
        kill               TERM every process, KILL after a grace period, close the terminal
        restart            start the agent again in the same session
        idle-timeout D|off end it after D idle or waiting (30m, 2h); off: never
        budget N|usd=X|off pause it once it has spent N tokens or X dollars
        approve [ID]       answer the question in permission with its yes option
        deny [ID]          answer it with its no option
        answer ID N        pick option N of question ID (as permission numbers them)
        limit KEY V|off    change a kernel limit: memory 4G, cpu 150%, pids 512
        fork NEW [K=V ...] a new session from here: conversation, HEAD, changes
        commit MESSAGE     git add -A and git commit in its work tree, as your identity
        merge [INTO]       merge its branch into the branch it was made from, or INTO
        push [REMOTE]      push its branch (to its upstream's remote, or origin)
        pr TITLE           push, then open a pull request (gh or glab)
        queue clear        drop the prompts waiting in queue (append prompts to queue)

        """

    public static let root = """
        new NAME [KEY=VALUE ...]   create and start a session
            agent=claude|codex|gemini|aider|cursor|shell|NAME  dir=DIR  prompt="TEXT"  command="LINE"  model=M
            worktree=no|yes|BRANCH  setup="LINE"  mode=MODE  trust=no|yes  env.NAME=VALUE
            sandbox=none|bwrap  sandbox.network=on|off  sandbox.write="PATH ..."
            limit.memory=4G  limit.cpu=150%  limit.pids=512
            (values may be double-quoted; \\" and \\\\ escape)
        new NAME from=NAME [KEY=VALUE ...]  fork session NAME (as its control's fork)
        prune-history older-than=D delete history entries removed more than D ago (30d)
        host add NAME DESTINATION  show another host as @NAME, reached by ssh at DESTINATION
        host remove NAME           stop showing a host added so

        """

    /// The usage and an `error` line: `error -` or `error TIME ERRNO REASON`.
    public static func text(usage: String, lastError: Event?) -> String {
        guard let e = lastError else { return usage + "error -\n" }
        return usage + "error \(e.time.rfc3339) \(e.errno ?? "-") \(Text.oneLine(e.reason ?? e.detail))\n"
    }
}
