# tests/lib.sh - what every test script shares: the ok/not ok lines, their
# counts, and the closing "N passed, M failed" line.  Sourced from the
# top of the repository (". tests/lib.sh").
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }

# show FILE: its first lines as "# " comments (failure details).
show() {
	if [ -s "$1" ]; then
		sed -n '1,6s/^/# /p' "$1"
	fi
}

# check DESC cmd...: the command must succeed; on failure the first lines
# of its output follow as comments.
check() {
	_desc=$1
	shift
	_out=$(mktemp "${TMPDIR:-/tmp}/mq-check.XXXXXX")
	if "$@" >"$_out" 2>&1; then
		ok "$_desc"
	else
		notok "$_desc"
		show "$_out"
	fi
	rm -f "$_out"
}

# finish: the closing line; the exit status says whether all passed.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
