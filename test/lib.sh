# Helpers shared by the test runners (sourced, not executed).

# Servers refuse to run as root: when invoked as root, run commands as the
# postgres system user (created by the postgresql packages).
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "${MN_TEST_USER:-postgres}" -- "$@"
    else
        "$@"
    fi
}

# A loopback TCP port nobody listens on, below the ephemeral range (32768 and
# up) where client connections could hold it.
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$(( 15000 + RANDOM % 17000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

pgxs_dir() {
    dirname "$(dirname "$("$1/pg_config" --pgxs)")"
}
