# Shell functions shared by the run scripts. Everything here uses shell built-ins only, so it
# still works when the script has used up the container's process limit.

# Succeeds when a process of this user other than the caller still exists.
user_processes_remain() {
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if [ "$pid" = "$$" ] || [ "$pid" = 1 ]; then
      continue
    fi
    # A process may exit between the glob and the read: its missing status file is skipped.
    {
      while read -r key real_uid _; do
        if [ "$key" = "Uid:" ]; then
          if [ "$real_uid" = "$R_RUNNER_UID" ]; then
            return 0
          fi
          break
        fi
      done <"$dir/status"
    } 2>/dev/null
  done
  return 1
}

# Sends SIGKILL to every process of this user except the caller until none is left. kill(-1)
# skips PID 1 and processes of other users, so the keeper process survives. Zombies remain
# listed until the keeper reaps them, hence the bounded loop.
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
