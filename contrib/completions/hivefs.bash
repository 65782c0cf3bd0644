# bash completion for hivefs(1)
#
# Install: copy to ~/.local/share/bash-completion/completions/hivefs (with the
# bash-completion package), or source it from ~/.bashrc.
#
# Session names are completed from the mount's directory listing: the mount
# point given with --mount (or as the argument of mount/unmount), else
# mountpoint in the config file, else ~/hive.

_hivefs_config_file() {
    local i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == --config ]]; then
            printf '%s\n' "${COMP_WORDS[i + 1]/#\~/$HOME}"
            return
        fi
    done
    if [[ ${XDG_CONFIG_HOME:-} == /* ]]; then
        printf '%s\n' "$XDG_CONFIG_HOME/hivefs/config.toml"
    else
        printf '%s\n' "$HOME/.config/hivefs/config.toml"
    fi
}

_hivefs_mountpoint() {
    local i mp="" file
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == --mount ]]; then
            mp=${COMP_WORDS[i + 1]}
        fi
    done
    if [[ -z $mp ]]; then
        file=$(_hivefs_config_file)
        if [[ -r $file ]]; then
            local line re='^[[:space:]]*mountpoint[[:space:]]*=[[:space:]]*["'\'']([^"'\'']*)["'\'']'
            while IFS= read -r line; do
                if [[ $line =~ $re ]]; then
                    mp=${BASH_REMATCH[1]}
                    break
                fi
            done < "$file"
        fi
    fi
    [[ -n $mp ]] || mp="~/hive"
    printf '%s\n' "${mp/#\~/$HOME}"
}

# Session names in the mount; with "running", only those whose state says so.
_hivefs_sessions() {
    local mp d name state
    mp=$(_hivefs_mountpoint)
    [[ -d $mp ]] || return
    for d in "$mp"/*/; do
        [[ -d $d ]] || continue
        name=${d%/}
        name=${name##*/}
        [[ $name == history ]] && continue
        if [[ $1 == running ]]; then
            IFS= read -r state < "$d/state" 2>/dev/null || continue
            case $state in
                starting | working | waiting | idle | paused) ;;
                *) continue ;;
            esac
        fi
        printf '%s\n' "$name"
    done
}

_hivefs() {
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}

    local commands="mount unmount new status attach help"

    # The subcommand, and whether a "--" came before the word being completed.
    cmd=""
    local dashdash=0 dashpos=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ -z $cmd && ${COMP_WORDS[i]} != -* ]]; then
            cmd=${COMP_WORDS[i]}
        elif [[ -n $cmd && ${COMP_WORDS[i]} == -- ]]; then
            dashdash=1
            dashpos=$i
            break
        fi
    done

    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands --help -h --version" -- "$cur"))
        return
    fi

    # After "hivefs new NAME ... --": complete a command line.
    if ((dashdash)); then
        if declare -F _command_offset >/dev/null; then
            _command_offset $((dashpos + 1))
        elif ((COMP_CWORD == dashpos + 1)); then
            COMPREPLY=($(compgen -c -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
    fi

    # Option arguments.
    case $prev in
        --config)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --state | --dir | --mount)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        --agent)
            COMPREPLY=($(compgen -W "claude codex gemini aider cursor shell" -- "$cur"))
            return ;;
        --socket | --quiet-after | --kill-grace | --prompt | --model | --env)
            return ;;
    esac

    local opts
    case $cmd in
        mount) opts="--state --socket --quiet-after --kill-grace --foreground --config --help" ;;
        unmount) opts="--lazy --config --help" ;;
        new) opts="--agent --dir --prompt --model --env --worktree --branch --setup --mount --config --help --" ;;
        status | attach) opts="--mount --config --help" ;;
        help) opts="" ;;
        *) return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # The positional argument (one for each command but help).
    local npos=0 skip=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        if ((skip)); then skip=0; continue; fi
        case ${COMP_WORDS[i]} in
            --config | --state | --socket | --quiet-after | --kill-grace | \
            --agent | --dir | --prompt | --model | --env | --mount) skip=1 ;;
            -*) ;;
            *) ((npos++)) ;;
        esac
    done
    # npos counts the subcommand itself.
    ((npos == 1)) || return

    case $cmd in
        mount | unmount)
            COMPREPLY=($(compgen -d -- "$cur")) ;;
        status)
            COMPREPLY=($(compgen -W "$(_hivefs_sessions)" -- "$cur")) ;;
        attach)
            COMPREPLY=($(compgen -W "$(_hivefs_sessions running)" -- "$cur")) ;;
        help)
            COMPREPLY=($(compgen -W "mount unmount new status attach" -- "$cur")) ;;
        new) ;;  # a new name: nothing to complete
    esac
}

complete -F _hivefs hivefs
