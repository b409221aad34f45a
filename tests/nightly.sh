#!/bin/sh
# tests/nightly.sh - simulated nights of `marquee nightly`.
#
# A small synthetic site; members sign up and rate through the endpoint
# (bin/marquee.cgi run as a CGI) between the nights.  Checks the
# retraining rule (models reused under --retrain-after, retrained past
# it), that every submitted rating is in the next night's data and none
# twice, the quality gate (a degraded candidate is refused, the site is
# unchanged, the run says gate-failed), rollback, and that a run killed
# with SIGKILL at several points leaves a served site and the next run
# succeeds.  Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
MQ=bin/marquee
CGI=bin/marquee.cgi
. tests/lib.sh

[ -x "$MQ" ] && [ -x "$CGI" ] || make -s bin/marquee bin/marquee.cgi >&2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mq-nightly.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
D=$TMP/data SITE=$TMP/site STORE=$TMP/store.db STATE=$TMP/site.state
RUNS=$STATE/runs.jsonl
$MQ synth --size small --seed 9 --out "$D" -q

night() {	# date, then extra arguments; the exit status in $rc
	$MQ nightly --data "$D" --out "$SITE" --store "$STORE" --date "$@" \
	    >"$TMP/night.out" 2>"$TMP/night.err"
	rc=$?
	sleep 1	# release ids have a one-second resolution
}

last() {	# the last run's field $1: its first occurrence on the line
	tail -n 1 "$RUNS" | awk -v k="\"$1\": " '{
		i = index($0, k); if (!i) exit
		v = substr($0, i + length(k)); sub(/[,}].*/, "", v)
		gsub(/"/, "", v); print v }'
}

# the endpoint as a CGI (scripts/lib.sh), the answer's body on stdout
. scripts/lib.sh
cgi() {		# method path body
	_sstore=$STORE _sstate=$STATE m=$((n % 250)) cookie=${COOKIE:-} \
	    csrf=${CSRF:-} mq_cgi "$@" | sed '1,/^\r*$/d'
}
films=$(awk -F, 'NR > 1 { print $1 }' "$D/movies.csv" | head -n 60)
n=0
submitted=0
member() {	# sign up a new member rating 3 films, then k more
	n=$((n + 1))
	set -- $films
	ans=$(cgi POST /signup "{\"username\":\"m$n$$\",\"password\":\"pass word $n\",\"ratings\":\"$1:4.0,$2:3.5,$3:5\"}")
	submitted=$((submitted + 3))
	printf '%s' "$ans" | grep -q '"ok": true' || return 1
}

# -- night 1: no model yet, so a training
night 2026-11-20
check "night 1 publishes" test "$rc" -eq 0
check "night 1 trains (no saved model)" test "$(last retrained)" = true
base=$(last ratings)

# -- members sign up between the nights (3 ratings each) --------------
i=0
while [ $i -lt 10 ]; do member || notok "signup $n"; i=$((i + 1)); done
night 2026-11-21 --retrain-after 50
check "night 2 publishes" test "$rc" -eq 0
check "night 2 reuses the models (30 < 50 new ratings)" \
    test "$(last retrained)" = false
check "night 2 has every submitted rating, once" \
    test "$(last ratings)" -eq $((base + submitted))
check "night 2 counts the new members" test "$(last new_members)" -eq 10

i=0
while [ $i -lt 10 ]; do member || notok "signup $n"; i=$((i + 1)); done
night 2026-11-22 --retrain-after 50
check "night 3 retrains (60 new ratings since the training)" \
    test "$(last retrained)" = true
check "night 3 has every submitted rating, once" \
    test "$(last ratings)" -eq $((base + submitted))
before=$(readlink "$SITE")

# -- the quality gate refuses a degraded candidate ----------------------
night 2026-11-23 --lambda 0 --w-item 0 --no-series
check "a degraded candidate: exit 1" test "$rc" -eq 1
check "a degraded candidate: the run says gate-failed" \
    test "$(last status)" = gate-failed
check "a degraded candidate: the site is unchanged" \
    test "$(readlink "$SITE")" = "$before"
check "a degraded candidate: an alert is logged" \
    grep -q "quality gate" "$STATE/alerts.log"

# -- rollback ---------------------------------------------------------
check "rollback serves the previous release" \
    sh -c '"$1" rollback --out "$2" && [ "$(readlink "$2")" != "$3" ]' \
    sh "$MQ" "$SITE" "$before"

# -- a run killed at several points ----------------------------------
for t in 0.05 0.2 0.5 1.0; do
	$MQ nightly --data "$D" --out "$SITE" --store "$STORE" \
	    --date 2026-11-24 --force >/dev/null 2>&1 &
	pid=$!
	sleep "$t"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cur=$(readlink "$SITE")
	check "killed after ${t}s: the site link names a complete release" \
	    test -f "$TMP/$cur.files.tsv" -a -f "$TMP/$cur/index.html"
	sleep 1
done
night 2026-11-24 --force
check "after the kills the next run succeeds" test "$rc" -eq 0
check "after the kills nothing was lost or doubled" \
    test "$(last ratings)" -eq $((base + submitted))

finish
