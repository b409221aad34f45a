#!/bin/sh
# tests/browser/run.sh - the page in Debian's Chromium, as a member uses it.
#
# Builds bin/marquee if needed, makes the small synthetic data set plus two
# films whose titles are HTML injections, builds the site twice (so that
# "rate your past recommendations" has something), serves it with
# scripts/serve on a free loopback port (the site and the endpoint at
# /api/, bin/marquee.cgi, with a fresh store), checks the zstd negotiation
# and the endpoint with curl, then runs test.mjs (node --test, playwright-core driving
# /usr/bin/chromium).  Screenshots: tests/out/browser/.  Always stops the
# server.  Ends with "N passed, M failed".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

say() { printf 'browser: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- what it needs -----------------------------------------------------
need=
command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] || need="$need lighttpd"
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v zstd >/dev/null 2>&1 || need="$need zstd"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
command -v sqlite3 >/dev/null 2>&1 || need="$need sqlite3"
# shellcheck disable=SC2086
[ -z "$need" ] || sh scripts/deps $need >&2 ||
	die "missing Debian packages:$need (apt-get install -y$need)"
if [ ! -d "$here/node_modules/playwright-core" ]; then
	say "npm ci (playwright-core; no browser download)"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
command -v sqlite3 >/dev/null 2>&1 || die "missing Debian package: sqlite3 (apt-get install -y sqlite3)"
for b in bin/marquee bin/marquee.cgi; do
	if [ ! -x $b ]; then
		make $b >&2 || die "cannot build $b"
	elif ! make -q $b 2>/dev/null && ! make $b >"${TMPDIR:-/tmp}/mq-browser-make.log" 2>&1; then
		say "WARNING: $b is out of date and does not rebuild (see ${TMPDIR:-/tmp}/mq-browser-make.log); testing the existing binary"
	fi
done

# --- data, site, member ------------------------------------------------
. scripts/lib.sh
mq_scratch browser

data=$tmp/data
site=$tmp/site
./bin/marquee synth --size small --seed 7 --out "$data" -q
# Two hostile titles (a field with quotes is quoted, quotes doubled), a
# hostile tag, and ratings so that they take part in every list.
max=$(awk -F, 'NR > 1 && $1 + 0 > m { m = $1 + 0 } END { print m }' "$data/movies.csv")
x1=$((max + 1))
x2=$((max + 2))
printf '%s\n' "$x1,<script>alert(1)</script> (2001),Drama|Thriller" \
    "$x2,\"\"\"onmouseover=alert(1) x (2002)\",Comedy" >>"$data/movies.csv"
ts=1420000000
for u in 2 3 4 5 6 7 8 9 10 11 12; do
	printf '%s\n' "$u,$x1,4.0,$ts" "$u,$x2,3.5,$((ts + 60))" >>"$data/ratings.csv"
	ts=$((ts + 3600))
done
printf '%s\n' "3,$x1,<img src=x onerror=alert(2)>,$ts" >>"$data/tags.csv"
# Yesterday's site was built before member 1 rated their latest third of
# films (by time): yesterday's list differs from today's, so "rate your
# past recommendations" has films (one on today's list is not asked twice).
mkdir "$tmp/yesterday"
cp "$data"/*.csv "$tmp/yesterday/"
n1=$(grep -c '^1,' "$data/ratings.csv")
{
	grep -v '^1,' "$data/ratings.csv"
	grep '^1,' "$data/ratings.csv" | sort -t, -k4,4n | head -n $((n1 * 2 / 3))
} >"$tmp/yesterday/ratings.csv"
build() {	# date, data [, --store DB]
	d=$1 src=$2
	shift 2
	./bin/marquee build --data "$src" --out "$site" --date "$d" --quiet "$@" >"$tmp/build.log" 2>&1 ||
		{ cat "$tmp/build.log" >&2; die "marquee build failed"; }
}
# A member of the endpoint, pat, who signed up (through the CGI) before
# yesterday's run and rated 20 other films since: today's run gives pat
# "rate your past recommendations" too.
store=$tmp/store.db
cgi() {	# route, body, [cookie, csrf] -> the answer on stdout
	printf '%s' "$2" | env -i MQ_STORE="$store" MQ_STATE="$site.state" \
	    REQUEST_METHOD=POST PATH_INFO="$1" HTTP_HOST=marquee.test \
	    HTTP_ORIGIN=http://marquee.test REMOTE_ADDR=192.0.2.9 \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#2} \
	    ${3:+HTTP_COOKIE=mq_session=$3} ${4:+HTTP_X_CSRF_TOKEN=$4} \
	    ./bin/marquee.cgi | tr -d '\r'
}
build 2026-11-22 "$tmp/yesterday"
set -- $(awk -F, 'NR > 1 { print $1 }' "$data/movies.csv" | sort -n | head -3)
pat_pass="pat's secret 42"
cgi /signup "{\"username\":\"pat\",\"password\":\"$pat_pass\",\"ratings\":\"$1:4.5,$2:4.0,$3:2.0\"}" >"$tmp/pat"
grep -q '^Status: 201' "$tmp/pat" || { cat "$tmp/pat" >&2; die "signup of pat failed"; }
pat_id=$(sed -n 's/.*"member": \([0-9]*\),.*/\1/p' "$tmp/pat")
pat_hex=$(sed -n 's/.*"path": "m\/\([0-9a-f]*\)\/".*/\1/p' "$tmp/pat")
pat_cookie=$(sed -n 's/^Set-Cookie: mq_session=\([0-9a-f]*\);.*/\1/p' "$tmp/pat")
pat_csrf=$(sed -n 's/.*"csrf": "\([0-9a-f]*\)".*/\1/p' "$tmp/pat")
build 2026-11-22 "$tmp/yesterday" --store "$store"
[ -f "$site/m/$pat_hex/recs.json" ] || die "yesterday's run has no list for pat"
grep -o '"id": [0-9]*' "$site/m/$pat_hex/recs.json" | sed 's/.*: //' | sort -u >"$tmp/pat-listed"
awk -F, 'NR > 1 { print $1 }' "$data/movies.csv" | sort -u | comm -23 - "$tmp/pat-listed" |
    sort -n | sed -n '10,29p' | while read -r f; do
	cgi /rate "{\"movie\":$f,\"rating\":\"4.0\"}" "$pat_cookie" "$pat_csrf" | grep -q '^Status: 200' ||
		die "pat's rating of $f failed"
done
build 2026-11-23 "$data" --store "$store"
grep -q 'Rate your past recommendations' "$site/m/$pat_hex/recs.html" ||
	die "pat has no past recommendations to rate"
hex=$(./bin/marquee whoami --user 1 --state "$site.state" 2>/dev/null)
hex=${hex#m/}
hex=${hex%/}
printf '%s' "$hex" | grep -Eq '^[0-9a-f]{32}$' || die "whoami gave '$hex'"

# --- server --------------------------------------------------------------
mq_serve "$site" "$store" "$tmp/serve.log" ||
	{ cat "$tmp/serve.log" >&2; die "lighttpd did not start"; }
url=http://127.0.0.1:$port/

# --- zstd negotiation with curl ----------------------------------------
. tests/lib.sh
hdr() {	# url, accept-encoding or "", header name -> its value
	if [ -n "$2" ]; then
		curl -fsS -o /dev/null -D - -H "Accept-Encoding: $2" "$1"
	else
		curl -fsS -o /dev/null -D - "$1"
	fi | tr -d '\r' | awk -v h="$3" 'BEGIN { h = tolower(h) ":" } tolower($1) == h { $1 = ""; sub(/^ /, ""); print }'
}
zstd_same() {
	curl -fsS -H 'Accept-Encoding: zstd' "$url$1" -o "$tmp/body.zst" &&
	    zstd -q -d -c "$tmp/body.zst" | cmp -s - "$site/$1"
}
plain_same() {
	curl -fsS "$url$1" | cmp -s - "$site/$1"
}
check "curl: film/1.json with zstd: Content-Encoding zstd" test "$(hdr "${url}film/1.json" zstd Content-Encoding)" = zstd
check "curl: film/1.json with zstd: application/json" test "$(hdr "${url}film/1.json" 'gzip, deflate, br, zstd' Content-Type)" = application/json
check "curl: film/1.json with zstd: Vary" test "$(hdr "${url}film/1.json" zstd Vary)" = Accept-Encoding
check "curl: film/1.json with zstd: decompresses to film/1.json" zstd_same film/1.json
check "curl: search shard with zstd: decompresses to the same" zstd_same "search/$(ls "$site/search" | sed -n 's/\.json$//p' | head -1).json"
# every JSON file parses; every .zst twin decompresses to the same bytes
mkdir "$tmp/unz"
(cd "$site" && find . -name '*.json.zst' | while read -r z; do
	mkdir -p "$tmp/unz/$(dirname "$z")"
	zstd -dq "$z" -o "$tmp/unz/${z%.zst}"
done)
check "curl: every JSON file parses, every .zst is its twin" \
    node "$here/jsoncheck.mjs" "$site/" "$tmp/unz"
check "curl: film/1.json without zstd: no Content-Encoding" test -z "$(hdr "${url}film/1.json" '' Content-Encoding)"
check "curl: film/1.json without zstd: Vary" test "$(hdr "${url}film/1.json" '' Vary)" = Accept-Encoding
check "curl: film/1.json gzip only: plain" test -z "$(hdr "${url}film/1.json" 'gzip, br' Content-Encoding)"
check "curl: film/1.json zstd;q=0: plain" test -z "$(hdr "${url}film/1.json" 'zstd;q=0, gzip' Content-Encoding)"
check "curl: film/1.json without zstd: same bytes" plain_same film/1.json
check "curl: manifest.json (no .zst twin) with zstd: plain" test -z "$(hdr "${url}manifest.json" zstd Content-Encoding)"
check "curl: assets immutable" test "$(hdr "$url$(sed -n 's/.*href="\(assets\/style[^"]*\)".*/\1/p' "$site/index.html")" '' Cache-Control)" = "public, max-age=31536000, immutable"
check "curl: index.html short cache" test "$(hdr "$url" '' Cache-Control)" = "public, max-age=60"
check "curl: member lists private" test "$(hdr "${url}m/$hex/recs.html" '' Cache-Control)" = "private, max-age=60"
check "curl: CSP script-src self" sh -c "curl -fsSI '$url' | grep -qi \"^content-security-policy:.*script-src 'self'\""
check "curl: no listing of m/" test "$(curl -s -o /dev/null -w '%{http_code}' "${url}m/")" = 403
check "curl: /api/health: the endpoint and its store work" sh -c "curl -fsS '${url}api/health' | grep -q '\"store\": \"ok\"'"
check "curl: /api/rate without a session refused" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: ${url%/}" -H 'Content-Type: application/json' -d '{"movie":1,"rating":4}' "${url}api/rate")" = 401
check "curl: /api/ answers not cached" test "$(hdr "${url}api/health" '' Cache-Control)" = no-store
check "curl: dotfiles denied" test "$(curl -s -o /dev/null -w '%{http_code}' "${url}.htaccess")" = 403

# --- the browser ---------------------------------------------------------
shots=$root/tests/out/browser
mkdir -p "$shots"
rc=0
MQ_URL=$url MQ_HEX=$hex MQ_SITE=$site MQ_DATA=$data MQ_XSS=$x1,$x2 MQ_SHOTS=$shots \
    MQ_STORE=$store MQ_PAT_ID=$pat_id MQ_PAT_HEX=$pat_hex MQ_PAT_PASS=$pat_pass \
    node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tmp/tap" "$here/test.mjs" || rc=$?
np=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tmp/tap" | tail -1)
nf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tmp/tap" | tail -1)
pass=$((pass + ${np:-0}))
fail=$((fail + ${nf:-0}))
[ "$rc" -eq 0 ] || [ "${nf:-0}" -gt 0 ] || fail=$((fail + 1))
say "screenshots in tests/out/browser/"
finish
