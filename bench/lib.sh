# Helpers the bench scripts share (sourced, not run): a fresh osmem with its process id, the
# CPU seconds a process has used, and the load average.

# Starts osmem-server (scripts/osmem.sh) and sets OSMEM_URL and OSMEM_PID. It exits with the
# calling script; `stop_osmem` ends it sooner (each run gets a fresh cluster).
start_osmem() {
    OSMEM_URL=$(scripts/osmem.sh $$)
    local port=${OSMEM_URL##*:}
    OSMEM_PID=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    [ -n "$OSMEM_PID" ] || { echo "bench: no process listens on $OSMEM_URL" >&2; exit 1; }
}

stop_osmem() {
    kill "$OSMEM_PID" 2>/dev/null || true
}

# User + system CPU seconds process $1 has used so far (from /proc/<pid>/stat).
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

load_average() {
    cut -d' ' -f1-3 /proc/loadavg
}
