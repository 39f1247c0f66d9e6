#!/usr/bin/env bash
# Stops the demo's nodes (`make demo-stop`): exactly the PIDs in $DEMO_DIR/run/*.pid,
# never by name. Each PID is checked to still be a hub-node of this demo folder before
# it gets SIGTERM; one that has not stopped after DEMO_STOP_TIMEOUT seconds gets SIGKILL.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo_dir=${DEMO_DIR:-$root/demo}
run_dir=$demo_dir/run
timeout=${DEMO_STOP_TIMEOUT:-30}

# alive PID: the process exists and is not a zombie waiting for its parent.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/stat" ]; then
        local stat
        stat=$(<"/proc/$1/stat") || return 1
        stat=${stat##*) }
        [ "${stat%% *}" != Z ] || return 1
    fi
    return 0
}

# ours PID: the process is a hub-node started with a config in this demo folder.
ours() {
    local args
    if [ -r "/proc/$1/cmdline" ]; then
        args=$(tr '\0' ' ' <"/proc/$1/cmdline")
    else
        args=$(ps -o args= -p "$1" 2>/dev/null) || return 1
    fi
    [[ $args == *hub-node* && $args == *"$demo_dir/nodes/"* ]]
}

shopt -s nullglob
pid_files=("$run_dir"/*.pid)
if [ ${#pid_files[@]} -eq 0 ]; then
    echo "No demo nodes recorded in $run_dir; nothing to stop."
    exit 0
fi

names=()
pids=()
for file in "${pid_files[@]}"; do
    name=$(basename "$file" .pid)
    pid=$(<"$file")
    if ! [[ $pid =~ ^[0-9]+$ ]]; then
        echo "$name: $file does not hold a PID; removed"
        rm -f "$file"
    elif ! alive "$pid"; then
        echo "$name: PID $pid is not running any more"
        rm -f "$file"
    elif ! ours "$pid"; then
        echo "$name: PID $pid is not this demo's hub-node (the PID was reused?); left alone"
        rm -f "$file"
    else
        kill -TERM "$pid"
        names+=("$name")
        pids+=("$pid")
    fi
done

deadline=$((SECONDS + timeout))
for i in "${!pids[@]}"; do
    while alive "${pids[$i]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if alive "${pids[$i]}"; then
        kill -KILL "${pids[$i]}" 2>/dev/null || true
        echo "${names[$i]}: PID ${pids[$i]} did not stop within ${timeout} s; killed"
    else
        echo "${names[$i]}: stopped (PID ${pids[$i]})"
    fi
    rm -f "$run_dir/${names[$i]}.pid"
done
