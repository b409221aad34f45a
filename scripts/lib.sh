# scripts/lib.sh - the local server for the scripts that drive the site
# through lighttpd (tests/endpoint.sh, tests/browser/run.sh,
# scripts/bench-cgi).  Sourced from the repository root, never run.
#
# The caller owns three variables: tmp (set by mq_scratch), pid (the
# server, empty when none) and port (set by mq_serve).

# mq_serve SITE STORE LOG [PREFIX...]: start scripts/serve for SITE with
# the member store STORE on a free loopback port, its output in LOG, run
# under PREFIX when given (e.g. taskset -c 0,1).  Up to 5 ports are tried,
# each given 5 s to answer /api/health.  Sets pid and port; returns 1, with
# no server left running, when none answered.
mq_serve() {
	_site=$1 _store=$2 _log=$3
	shift 3
	port=
	for _try in 1 2 3 4 5; do
		_p=$((20000 + ($$ * 7 + _try * 7919) % 30000))
		PORT=$_p MQ_STORE=$_store "$@" sh scripts/serve "$_site" >"$_log" 2>&1 &
		pid=$!
		_i=0
		while [ $_i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
			if curl -fsS -o /dev/null "http://127.0.0.1:$_p/api/health" 2>/dev/null; then
				# shellcheck disable=SC2034  # the caller's
				port=$_p
				return 0
			fi
			_i=$((_i + 1))
			sleep 0.1
		done
		mq_stop
	done
	return 1
}

# mq_scratch NAME: a scratch directory tmp (mq-NAME.XXXXXX under TMPDIR),
# removed with the server stopped when the script ends (kept, and named
# on stderr, when MQ_KEEP=1).  Sets tmp and pid; owns the EXIT, INT and
# TERM traps.
mq_scratch() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mq-$1.XXXXXX")
	pid=
	trap mq_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

mq_cleanup() {
	mq_stop
	if [ "${MQ_KEEP:-0}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}

# mq_stop: stop the server mq_serve started, if one runs.
mq_stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}
