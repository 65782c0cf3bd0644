function __hivefs_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __hivefs_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __hivefs_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __hivefs_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __hivefs_parse_tokens -S
    set -l unparsed_tokens (__hivefs_tokens -pc)
    switch $unparsed_tokens[1]
    case 'hivefs'
        __hivefs_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'mount'
            __hivefs_parse_subcommand 1 'state=' 'socket=' 'quiet-after=' 'kill-grace=' 'worktrees=' 'idle-timeout=' 'web' 'foreground' 'config=' 'version' 'h/help'
        case 'unmount'
            __hivefs_parse_subcommand 1 'lazy' 'config=' 'version' 'h/help'
        case 'new'
            __hivefs_parse_subcommand -r 2 'agent=' 'dir=' 'prompt=' 'model=' 'env=+' 'worktree' 'branch=' 'setup=' 'mode=' 'trust' 'from=' 'sandbox=' 'no-network' 'write=+' 'limit=+' 'mount=' 'config=' 'version' 'h/help'
        case 'status'
            __hivefs_parse_subcommand 1 'mount=' 'host=' 'config=' 'version' 'h/help'
        case 'top'
            __hivefs_parse_subcommand 0 'mount=' 'interval=' 'once' 'size=' 'config=' 'version' 'h/help'
        case 'web'
            __hivefs_parse_subcommand 0 'listen=' 'mount=' 'state=' 'config=' 'version' 'h/help'
        case 'attach'
            __hivefs_parse_subcommand 1 'mount=' 'config=' 'version' 'h/help'
        case 'serve'
            __hivefs_parse_subcommand 0 'stdio' 'state=' 'config=' 'version' 'h/help'
        case 'hook'
            __hivefs_parse_subcommand 2 'status=' 'version' 'h/help'
        case 'help'
            __hivefs_parse_subcommand -r 1 'version'
        end
    end
end

function __hivefs_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __hivefs_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __hivefs_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __hivefs_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__hivefs_tokens -p)
    if test -z "$(__hivefs_tokens -t)"
        set -l index (count (__hivefs_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'hivefs' -f
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'mount' -d 'Mount the tree and run the daemon.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'unmount' -d 'Unmount the tree; the daemon exits and every agent keeps running.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'new' -d 'Create and start a session (writes `new NAME …` to the root control file).'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'status' -d 'Print the root status table, or one session\'s status.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'top' -d 'A live dashboard of every session; keys attach to, send to, pause, resume, interrupt, kill, remove and create them.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'web' -d 'Serve a live dashboard of every session to a browser, with a fresh access token.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'attach' -d 'Attach this terminal to a session\'s tmux session (detach with C-b d).'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'serve' -d 'Serve this host\'s tree on stdin and stdout, for another host\'s hivefs (run over ssh).'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'hook' -d 'Append a hook payload (the argument, else stdin) to a session\'s hooks.log; run by agents\' hooks, always exits 0.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs mount" -eq 1' -fa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" state' -l 'state' -d 'The state directory (default $XDG_STATE_HOME/hivefs).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" socket' -l 'socket' -d 'The name of hivefs\'s tmux server, as in tmux -L NAME (default hive).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" quiet-after' -l 'quiet-after' -d 'Seconds of terminal quiet after which a session is idle (default 3).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" kill-grace' -l 'kill-grace' -d 'Seconds kill waits after TERM before KILL (default 5).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" worktrees' -l 'worktrees' -d 'Where sessions\' git worktrees are made (default STATE/worktrees).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" idle-timeout' -l 'idle-timeout' -d 'End sessions idle or waiting this long (30m, 2h) unless they set their own; off by default.' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" web' -l 'web' -d 'Also serve the dashboard (hivefs web) while mounted, on loopback at the config\'s web-port (7117); its URL is printed and kept in STATE/web.url.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" foreground' -l 'foreground' -d 'Stay attached and log to stderr.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs mount" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs unmount" -eq 1' -fa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs unmount" lazy' -l 'lazy' -d 'Detach at once (fusermount3 -z), without trying a plain unmount first.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs unmount" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs unmount" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs unmount" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" agent' -l 'agent' -d 'claude, codex, gemini, aider, cursor, shell, or one defined in agents/NAME.toml (default claude; shell with a command).' -rfka '(__hivefs_custom_completion ---completion new -- --agent (count (__hivefs_tokens -pc)) (__hivefs_tokens -tC))'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" dir' -l 'dir' -d 'The directory it runs in (default: this one; on another host, the home directory there).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" prompt' -l 'prompt' -d 'The first prompt.' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" model' -l 'model' -d 'The model.' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new"' -l 'env' -d 'An environment variable, KEY=VALUE (repeatable).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" worktree' -l 'worktree' -d 'Give it a git worktree of its own, on a new branch hive/NAME.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" branch' -l 'branch' -d 'The new branch of its worktree (implies --worktree).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" setup' -l 'setup' -d 'A command run in its new worktree before the agent starts.' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" mode' -l 'mode' -d 'Its permission mode, in the agent\'s words (claude: default, acceptEdits, auto, plan, dontAsk, bypassPermissions; codex: on-request, never, read-only, workspace-write, danger-full-access; aider: ask, yes-always).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" trust' -l 'trust' -d 'Mark its directory trusted in Claude Code\'s configuration first (no trust dialog).'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" from' -l 'from' -d 'Fork this session: start from its point (its conversation, and its HEAD and uncommitted work on a new branch), with its agent and directory.' -rfka '(__hivefs_custom_completion ---completion new -- --from (count (__hivefs_tokens -pc)) (__hivefs_tokens -tC))'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" sandbox' -l 'sandbox' -d 'none, or bwrap: the whole system read-only but its own folder and its agent\'s (see SANDBOX AND LIMITS in hivefs(5)).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" no-network' -l 'no-network' -d 'No network in its sandbox.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new"' -l 'write' -d 'Another path its sandbox lets it write (repeatable).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new"' -l 'limit' -d 'A kernel limit, KEY=VALUE: memory=4G, cpu=150%, pids=512 (repeatable).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" mount' -l 'mount' -d 'The mount point (default ~/hive).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs new" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs status" -eq 1' -fka '(__hivefs_custom_completion ---completion status -- positional@0 (count (__hivefs_tokens -pc)) (__hivefs_tokens -tC))'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs status" mount' -l 'mount' -d 'The mount point (default ~/hive).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs status" host' -l 'host' -d 'Another host, by its name in [hosts]: its status, read over ssh.' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs status" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs status" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" mount' -l 'mount' -d 'The mount point (default ~/hive).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" interval' -l 'interval' -d 'Seconds between full reads of the mount (it also reads as soon as an event arrives).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" once' -l 'once' -d 'Print one frame as plain text and exit (no terminal needed).'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" size' -l 'size' -d 'With --once: the frame\'s width and height (default: the terminal\'s, else 120x40).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs top" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs web" listen' -l 'listen' -d 'The address and port to listen on (default 127.0.0.1:7117; port 0: any free one).' -rfka ''
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs web" mount' -l 'mount' -d 'The mount point (default ~/hive).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs web" state' -l 'state' -d 'The state directory (default $XDG_STATE_HOME/hivefs).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs web" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs web" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs web" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs attach" -eq 1' -fka '(__hivefs_custom_completion ---completion attach -- positional@0 (count (__hivefs_tokens -pc)) (__hivefs_tokens -tC))'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs attach" mount' -l 'mount' -d 'The mount point (default ~/hive).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs attach" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs attach" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs attach" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs serve" stdio' -l 'stdio' -d 'Serve on stdin and stdout (the only way offered).'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs serve" state' -l 'state' -d 'The state directory (default $XDG_STATE_HOME/hivefs).' -rfa '(__hivefs_complete_directories)'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs serve" config' -l 'config' -d 'The config file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs serve" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_positional "hivefs hook" -eq 1' -F
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs hook" status' -l 'status' -d 'Claude Code\'s status line: keep its snapshot (stdin) in this file, tell LOG, run the user\'s command.' -rF
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs hook" version' -l 'version' -d 'Show the version.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs hook" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'hivefs' -n '__hivefs_should_offer_completions_for_flags_or_options "hivefs help" version' -l 'version' -d 'Show the version.'
