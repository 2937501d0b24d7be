# Shell functions shared by the run scripts. Everything here uses shell built-ins only, so it
# still works when the script has used up the container's process limit.

# Succeeds when a live process of this user other than the caller still exists. Zombies do
# not count: they hold no files or pipes, and their parent reaps them.
user_processes_remain() {
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if [ "$pid" = "$$" ] || [ "$pid" = 1 ]; then
      continue
    fi
    state=
    # A process may exit between the glob and the read: its missing status file is skipped.
    {
      while read -r key value _; do
        case "$key" in
          State:) state=$value ;;
          Uid:)
            if [ "$value" = "$R_RUNNER_UID" ] && [ "$state" != Z ]; then
              return 0
            fi
            break
            ;;
        esac
      done <"$dir/status"
    } 2>/dev/null
  done
  return 1
}

# Sends SIGKILL to every process of this user except the caller until none is left alive.
# kill(-1) skips PID 1 and processes of other users, so the keeper process survives.
reap_user_processes() {
  passes=0
  while [ "$passes" -lt 200 ]; do
    kill -KILL -1 2>/dev/null
    if ! user_processes_remain; then
      return 0
    fi
    passes=$((passes + 1))
  done
  echo "r-runner: processes of the run survived 200 kill passes" >&2
  return 1
}
