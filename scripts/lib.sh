# scripts/lib.sh - the local server for the scripts that drive the site
# through lighttpd (tests/endpoint.sh, tests/browser/run.sh,
# scripts/bench-cgi), and members submitting ratings through the endpoint
# (scripts/bench-nightly, scripts/bench-20m).  Sourced from the
# repository root, never run.
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

# mq_cgi METHOD PATH BODY: one request to bin/marquee.cgi as a CGI, with
# the store and state of mq_submit; the member's cookie and CSRF token
# from the variables cookie and csrf, the client address from m.
mq_cgi() {
	_b=$3
	env MQ_STORE="$_sstore" MQ_STATE="$_sstate" REQUEST_METHOD="$1" \
	    PATH_INFO="$2" CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=${#_b} HTTP_HOST=127.0.0.1 \
	    HTTP_ORIGIN=http://127.0.0.1 REMOTE_ADDR="10.0.0.$m" \
	    HTTP_COOKIE="${cookie:-}" HTTP_X_CSRF_TOKEN="${csrf:-}" \
	    bin/marquee.cgi <<EOT
$_b
EOT
}

# mq_submit STORE STATE DATA MEMBERS FILMS: MEMBERS new members sign up
# through the endpoint (bench1, bench2, ...) and each rates the first
# FILMS films of DATA/movies.csv (3 at signup, the rest one request each,
# 2.5 to 5 stars), as members of the site would.
mq_submit() {
	_sstore=$1 _sstate=$2 _sdata=$3 _n=$4 _nf=$5
	_films=$(mktemp "${TMPDIR:-/tmp}/mq-films.XXXXXX")
	awk -F, -v n="$_nf" 'NR > 1 && NR <= n + 1 { print $1 }' \
	    "$_sdata/movies.csv" >"$_films"
	m=0
	while [ $m -lt "$_n" ]; do
		m=$((m + 1))
		# shellcheck disable=SC2046
		set -- $(head -n 3 "$_films")
		_ans=$(mq_cgi POST /signup "{\"username\":\"bench$m\",\"password\":\"bench pass $m\",\"ratings\":\"$1:4.0,$2:3.5,$3:5\"}")
		cookie="mq_session=$(printf '%s' "$_ans" | sed -n 's/.*mq_session=\([0-9a-f]*\);.*/\1/p')"
		csrf=$(printf '%s' "$_ans" | sed -n 's/.*"csrf": "\([0-9a-f]*\)".*/\1/p')
		_i=0
		tail -n +4 "$_films" | while read -r _f; do
			# stars by halves, 2.5 to 5.0, as the API takes them
			_i=$((_i + 1)) _h=$((_i % 6 + 5))
			mq_cgi POST /rate "{\"movie\":$_f,\"rating\":$((_h / 2)).$((_h % 2 * 5))}" \
			    >/dev/null
		done
	done
	cookie= csrf=
	rm -f "$_films"
}
