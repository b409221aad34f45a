#!/bin/sh
# tests/endpoint.sh - bin/marquee.cgi as a CGI and through lighttpd.
#
#   sh tests/endpoint.sh          (scripts/test runs it after make check)
#
# Builds the small synthetic site (synth --seed 7), then:
#   a. runs the CGI as a CGI (environment + stdin, no server): every route,
#      the store checked with the sqlite3 CLI;
#   b. serves the site with scripts/serve (lighttpd, loopback) and replays
#      every tests/data/requests/bad_*.req with curl (live session and CSRF
#      token substituted for the placeholders): each gets a 4xx and the
#      store is unchanged; plus what only a real client can send (a 1 MB
#      body, chunked, PUT, HEAD);
#   c. 8 members rating 500 films each in parallel through lighttpd:
#      exactly 4000 rows, every answer 2xx;
#   d. the batch reads the store: a new member's list is published at the
#      path the endpoint gave, without what they rated; a rating sent while
#      a build runs is in that build or the next.
# Needs sqlite3, lighttpd, curl (installed with apt when missing and root).
# Ends with "N passed, M failed"; exit status 1 when anything failed.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export LC_ALL=C

say() { printf 'endpoint: %s\n' "$*" >&2; }
die() { say "$*"; echo "0 passed, 1 failed"; exit 1; }

need=
command -v sqlite3 >/dev/null 2>&1 || need="$need sqlite3"
command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] || need="$need lighttpd"
command -v curl >/dev/null 2>&1 || need="$need curl"
# shellcheck disable=SC2086
[ -z "$need" ] || sh scripts/deps $need >&2 ||
	die "missing Debian packages:$need (apt-get install -y$need)"
make -s bin/marquee bin/marquee.cgi >&2 || die "cannot build"

. scripts/lib.sh
mq_scratch endpoint

. tests/lib.sh
now_ms() { echo $(($(date +%s%N) / 1000000)); }

data=$tmp/data
site=$tmp/site
state=$site.state
store=$tmp/store.db
t0=$(now_ms)
./bin/marquee synth --size small --seed 7 --out "$data" -q
./bin/marquee build --data "$data" --out "$site" --quiet >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log" >&2; die "marquee build failed"; }
maxuser=$(awk -F, 'NR > 1 && $1 + 0 > m { m = $1 + 0 } END { print m }' "$data/ratings.csv")
awk -F, 'NR > 1 { print $1 }' "$data/movies.csv" | sort -n >"$tmp/films"
nfilms=$(wc -l <"$tmp/films")
f1=$(sed -n 1p "$tmp/films")
f2=$(sed -n 2p "$tmp/films")
f3=$(sed -n 3p "$tmp/films")
f4=$(sed -n 4p "$tmp/films")
f5=$(sed -n 5p "$tmp/films")
f6=$(sed -n 6p "$tmp/films")
unknown=$(($(tail -1 "$tmp/films") + 1))
say "site built ($nfilms films, members up to $maxuser) in $(($(now_ms) - t0)) ms"

q() { sqlite3 -batch "$store" "$1"; }

# ======================================================================
# a. The CGI as a CGI: environment and stdin, no server.
# ======================================================================
# cgi METHOD PATH [BODY] -- with COOKIE, CSRF, ORIGIN, CTYPE, QS, ADDR
# from the caller's variables; answer in $tmp/ans (headers), $tmp/body,
# status in $st.
COOKIE= CSRF= ORIGIN=http://marquee.test CTYPE=application/json QS= ADDR=192.0.2.1
cgi() {
	_m=$1 _p=$2 _b=${3-}
	set -- MQ_STORE="$store" MQ_STATE="$state" REQUEST_METHOD="$_m" \
	    PATH_INFO="$_p" HTTP_HOST=marquee.test REMOTE_ADDR="$ADDR" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1
	[ -n "$ORIGIN" ] && set -- "$@" HTTP_ORIGIN="$ORIGIN"
	[ -n "$COOKIE" ] && set -- "$@" HTTP_COOKIE="mq_session=$COOKIE"
	[ -n "$CSRF" ] && set -- "$@" HTTP_X_CSRF_TOKEN="$CSRF"
	[ -n "$QS" ] && set -- "$@" QUERY_STRING="$QS"
	[ -n "$_b" ] && set -- "$@" CONTENT_TYPE="$CTYPE" \
	    CONTENT_LENGTH="$(printf '%s' "$_b" | wc -c | tr -d ' ')"
	printf '%s' "$_b" | env -i "$@" ./bin/marquee.cgi >"$tmp/raw" 2>>"$tmp/cgi.err" || true
	tr -d '\r' <"$tmp/raw" | sed '/^$/q' >"$tmp/ans"
	tr -d '\r' <"$tmp/raw" | sed '1,/^$/d' >"$tmp/body"
	st=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$tmp/ans")
}
jget() {	# key -> the first string or number value of "key" in $tmp/body
	sed -n "s/.*\"$1\": *\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" "$tmp/body" | head -1
}
has() { grep -q -- "$1" "$2"; }

cgi GET /health
check "a: health 200" test "$st" = 200
check "a: health says the store works" has '"store": "ok"' "$tmp/body"

body="{\"username\":\"alice\",\"password\":\"correct horse 1\",\"ratings\":\"$f1:4.0,$f2:3.5,$f3:5\"}"
cgi POST /signup "$body"
check "a: signup 201" test "$st" = 201
check "a: signup Set-Cookie HttpOnly" grep -q '^Set-Cookie: mq_session=[0-9a-f]\{64\};.*HttpOnly' "$tmp/ans"
check "a: signup Set-Cookie SameSite=Strict" grep -q '^Set-Cookie: mq_session=.*SameSite=Strict' "$tmp/ans"
check "a: signup Set-Cookie not Secure over http" sh -c "! grep -q '^Set-Cookie:.*Secure' '$tmp/ans'"
alice=$(jget member)
apath=$(jget path)
check "a: signup member id $alice above the data's $maxuser" test "${alice:-0}" -gt "$maxuser"
check "a: signup csrf token" sh -c "grep -Eq '\"csrf\": \"[0-9a-f]{64}\"' '$tmp/body'"
check "a: signup private path m/HEX/" sh -c "printf '%s' '$apath' | grep -Eq '^m/[0-9a-f]{32}/\$'"
check "a: signup path is whoami's" test "$(./bin/marquee whoami --user "$alice" --state "$state")" = "$apath"
check "a: signup answers a for_you list" grep -q '"for_you": \[{"id": [0-9]' "$tmp/body"
check "a: signup stored 3 ratings" test "$(q "SELECT count(*) FROM ratings WHERE member_id=$alice")" = 3
cgi POST /signup "$body"
check "a: signup with a taken name 409" test "$st" = 409
cgi POST /signup "{\"username\":\"alice2\",\"password\":\"correct horse 1\",\"ratings\":\"$f1:4.0,$f2:3.5\"}"
check "a: signup with 2 ratings 400" test "$st" = 400
cgi POST /signup "{\"username\":\"alice3\",\"password\":\"correct horse 1\",\"ratings\":\"$f1:4.0,$f2:3.5,$unknown:3\"}"
check "a: signup with an unknown film 404" test "$st" = 404
check "a: failed signups stored nothing" test "$(q 'SELECT count(*) FROM members')" = 1

mkdir "$tmp/nofold"
cp "$state/site.key" "$tmp/nofold/"
state_save=$state
state=$tmp/nofold
cgi POST /signup "{\"username\":\"early\",\"password\":\"correct horse 1\",\"ratings\":\"$f1:4.0,$f2:3.5,$f3:5\"}"
state=$state_save
sed -i '/nofold\/foldin\.bin/d' "$tmp/cgi.err"	# said, as it should
check "a: signup without foldin.bin 503 (no id floor)" test "$st" = 503
check "a: ... and stored nothing" test "$(q 'SELECT count(*) FROM members')" = 1

cgi POST /login '{"username":"alice","password":"wrong password"}'
check "a: login with a wrong password 401" test "$st" = 401
e1=$(cat "$tmp/body")
cgi POST /login '{"username":"nobody","password":"wrong password"}'
check "a: login with an unknown name: the same answer" test "$(cat "$tmp/body")" = "$e1"
cgi POST /login '{"username":"ALICE","password":"correct horse 1"}'
check "a: login 200" test "$st" = 200
check "a: login Set-Cookie HttpOnly SameSite=Strict" grep -q '^Set-Cookie: mq_session=[0-9a-f]\{64\};.*HttpOnly; SameSite=Strict' "$tmp/ans"
check "a: login answers the private path" test "$(jget path)" = "$apath"
check "a: login role member" test "$(jget role)" = member
COOKIE=$(sed -n 's/^Set-Cookie: mq_session=\([0-9a-f]*\);.*/\1/p' "$tmp/ans")
CSRF=$(jget csrf)

# rate, 50 times in a loop: every answer 200, one row in the end.  The
# mean answer time is printed, not asserted (a test must not fail because
# the machine is busy): scripts/bench-cgi measures it against its bar
cgi POST /rate "{\"movie\":$f4,\"rating\":\"4.5\"}"
check "a: rate 200" test "$st" = 200
check "a: rate answers a for_you list" grep -q '"for_you": \[{"id": [0-9]' "$tmp/body"
rb="movie=$f4&rating=4.5"
printf '%s' "$rb" >"$tmp/rate.body"
a=$(date +%s%N)
i=0
while [ $i -lt 50 ]; do
	env -i MQ_STORE="$store" MQ_STATE="$state" REQUEST_METHOD=POST PATH_INFO=/rate \
	    HTTP_HOST=marquee.test HTTP_ORIGIN=http://marquee.test REMOTE_ADDR=192.0.2.1 \
	    HTTP_COOKIE="mq_session=$COOKIE" HTTP_X_CSRF_TOKEN="$CSRF" \
	    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#rb} \
	    ./bin/marquee.cgi <"$tmp/rate.body" >"$tmp/raw"
	i=$((i + 1))
done
b=$(date +%s%N)
us=$(((b - a) / 50000))
say "rate answer time: $((us / 1000)).$(((us % 1000) / 100)) ms per request (mean of 50 runs of the CGI)"
check "a: the timed rates answered 200" grep -q '^Status: 200' "$tmp/raw"
cgi POST /rate "{\"movie\":$f4,\"rating\":\"2.0\"}"
check "a: rate again replaces: one row" test "$(q "SELECT count(*) || ':' || max(half) FROM ratings WHERE member_id=$alice AND movie_id=$f4")" = 1:4
CSRF_SAVE=$CSRF
CSRF=
cgi POST /rate "{\"movie\":$f5,\"rating\":\"3.0\"}"
check "a: rate without the CSRF token 403" test "$st" = 403
CSRF=0000000000000000000000000000000000000000000000000000000000000000
cgi POST /rate "{\"movie\":$f5,\"rating\":\"3.0\"}"
check "a: rate with another CSRF token 403" test "$st" = 403
CSRF=$CSRF_SAVE
ORIGIN=http://evil.test
cgi POST /rate "{\"movie\":$f5,\"rating\":\"3.0\"}"
check "a: rate from another origin 403" test "$st" = 403
ORIGIN=http://marquee.test
cgi POST /rate "{\"movie\":$unknown,\"rating\":\"3.0\"}"
check "a: rate an unknown film 404" test "$st" = 404
check "a: refused rates stored nothing" test "$(q "SELECT count(*) FROM ratings WHERE member_id=$alice AND movie_id IN ($f5, $unknown)")" = 0
CTYPE=application/x-www-form-urlencoded
cgi POST /rate "movie=$f5&rating=3.5&csrf=$CSRF"
check "a: rate as a form with the csrf field 200" test "$st" = 200
CTYPE=application/json
cgi POST /unrate "{\"movie\":$f4}"
check "a: unrate 200" test "$st" = 200
check "a: unrate leaves a tombstone" test "$(q "SELECT count(*) || ':' || max(half) FROM ratings WHERE member_id=$alice AND movie_id=$f4")" = 1:0

cgi POST /tag "{\"movie\":$f1,\"tag\":\"  <b>slow</b> & 'moving'  \"}"
check "a: tag 200" test "$st" = 200
check "a: tag stored trimmed, as given" test "$(q "SELECT tag || '|' || deleted FROM tags WHERE member_id=$alice")" = "<b>slow</b> & 'moving'|0"
cgi POST /untag "{\"movie\":$f1,\"tag\":\"<b>slow</b> & 'moving'\"}"
check "a: untag 200" test "$st" = 200
check "a: untag marks it deleted" test "$(q "SELECT count(*) || ':' || max(deleted) FROM tags WHERE member_id=$alice")" = 1:1
cgi POST /feedback "{\"movie\":$f6,\"kind\":\"not_interested\"}"
check "a: feedback 200" test "$st" = 200
check "a: feedback stored" test "$(q "SELECT kind FROM feedback WHERE member_id=$alice")" = not_interested
QS=page=1
cgi GET /history
QS=
check "a: history 200" test "$st" = 200
check "a: history list" grep -q '"history": \[' "$tmp/body"
cgi GET /me/recs
check "a: me/recs 200 with the path" test "$st:$(jget path)" = "200:$apath"
cgi GET /admin
check "a: admin for a member 403" test "$st" = 403
# Making an admin is the operator's job (mq_store_set_role; there is no
# route for it): with the sqlite3 CLI on the store.
if ./bin/marquee member --help >/dev/null 2>&1; then
	./bin/marquee member --store "$store" --id "$alice" --role admin
else
	q "UPDATE members SET role='admin' WHERE id=$alice"
fi
cgi GET /admin
check "a: admin for an admin 200" test "$st" = 200
check "a: admin counts the new member" test "$(jget new_members)" = 1
check "a: admin counts ratings and deletions" test "$(jget ratings):$(jget deletions)" = 4:1
q "UPDATE members SET role='member' WHERE id=$alice"
cgi POST /logout ''
check "a: logout 200" test "$st" = 200
check "a: logout clears the cookie" grep -q '^Set-Cookie: mq_session=; .*Max-Age=0' "$tmp/ans"
cgi POST /rate "{\"movie\":$f5,\"rating\":\"3.0\"}"
check "a: rate after logout 401" test "$st" = 401
cgi GET /history
check "a: history after logout 401" test "$st" = 401
COOKIE= CSRF=
check "a: the CGI wrote nothing on stderr" test ! -s "$tmp/cgi.err"
[ -s "$tmp/cgi.err" ] && sed 's/^/  cgi stderr: /' "$tmp/cgi.err" | head -5

# ======================================================================
# b. Through lighttpd on loopback, with curl.
# ======================================================================
mq_serve "$site" "$store" "$tmp/serve.log" ||
	{ cat "$tmp/serve.log" >&2; die "lighttpd did not start"; }
url=http://127.0.0.1:$port
say "lighttpd on $url"

# api METHOD PATH [BODY]: the answer's headers in $tmp/ans, body in
# $tmp/body, status in $st; COOKIE, CSRF, CTYPE as for cgi(); Origin is
# the server's own.
api() {
	_m=$1 _p=$2
	set -- -s -o "$tmp/body" -D "$tmp/ans.raw" -w '%{http_code}' -X "$_m" \
	    -H "Origin: $url"
	[ -n "$COOKIE" ] && set -- "$@" -H "Cookie: mq_session=$COOKIE"
	[ -n "$CSRF" ] && set -- "$@" -H "X-CSRF-Token: $CSRF"
	st=$(curl "$@" -H "Content-Type: $CTYPE" ${_body:+--data-binary "$_body"} "$url/api$_p")
	tr -d '\r' <"$tmp/ans.raw" >"$tmp/ans"
}
_body=
check "b: GET /api/health 200" sh -c "curl -fsS '$url/api/health' | grep -q '\"store\": \"ok\"'"
check "b: /api/ answers carry the CSP" sh -c "curl -sSI '$url/api/health' | grep -qi '^content-security-policy:'"
check "b: /api/ answers are not cached" sh -c "test \"\$(curl -sSI '$url/api/health' | tr -d '\r' | grep -i '^cache-control:' | sort -u)\" = 'Cache-Control: no-store'"
check "b: the static site still served" sh -c "curl -fsS '$url/' | grep -q '<title>Marquee'"

# The good setup: one member through the server, one of each write.
_body="{\"username\":\"carol\",\"password\":\"carol's password\",\"ratings\":\"$f1:4.0,$f2:3.5,$f3:5\"}"
api POST /signup
check "b: signup through lighttpd 201" test "$st" = 201
carol=$(jget member)
COOKIE=$(sed -n 's/^Set-Cookie: mq_session=\([0-9a-f]*\);.*/\1/p' "$tmp/ans")
CSRF=$(jget csrf)
_body="{\"movie\":$f4,\"rating\":4.5}"
api POST /rate
check "b: rate through lighttpd 200" test "$st" = 200
_body="{\"movie\":$f4,\"tag\":\"gripping\"}"
api POST /tag
check "b: tag through lighttpd 200" test "$st" = 200
_body="{\"movie\":$f5,\"kind\":\"seen\"}"
api POST /feedback
check "b: feedback through lighttpd 200" test "$st" = 200
_body=
check "b: carol's rows: 4 ratings, 1 tag, 1 feedback" test \
    "$(q "SELECT (SELECT count(*) FROM ratings WHERE member_id=$carol) || ',' || (SELECT count(*) FROM tags WHERE member_id=$carol) || ',' || (SELECT count(*) FROM feedback WHERE member_id=$carol)")" = 4,1,1

# Everything the store holds but the rate-limit counters (a refused
# login must count there: that is the point of them).
snapshot() {
	sqlite3 -batch "$store" "SELECT 'members', count(*), group_concat(id || role) FROM members;
	    SELECT 'sessions', count(*) FROM sessions;
	    SELECT 'ratings', count(*), sum(half), sum(seq) FROM ratings;
	    SELECT 'tags', count(*), sum(deleted), sum(seq) FROM tags;
	    SELECT 'feedback', count(*), sum(seq) FROM feedback;
	    SELECT 'counter', value FROM counter;
	    SELECT 'meta', group_concat(k || '=' || v) FROM meta;" |
	    tee "$1" | cksum
}
before=$(snapshot "$tmp/before")

SESS0=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
CSRF0=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
nbad=0
: >"$tmp/bad.log"
for f in tests/data/requests/bad_*.req; do
	name=$(basename "$f" .req)
	nbad=$((nbad + 1))
	expect=$(sed -n '1s/^# expect: \([0-9]*\)$/\1/p' "$f")
	# the header block: its byte length, then the body to the end
	hlen=0 method=GET path= qs= ctype= clen= cookie= origin= referer= host= xcsrf= https=
	while IFS= read -r line; do
		hlen=$((hlen + ${#line} + 1))
		[ -z "$line" ] && break
		case $line in
		'#'*) ;;
		REQUEST_METHOD=*) method=${line#*=} ;;
		PATH_INFO=*) path=${line#*=} ;;
		QUERY_STRING=*) qs=${line#*=} ;;
		CONTENT_TYPE=*) ctype=${line#*=} ;;
		CONTENT_LENGTH=*) clen=${line#*=} ;;
		HTTP_COOKIE=*) cookie=${line#*=} ;;
		HTTP_ORIGIN=*) origin=${line#*=} ;;
		HTTP_REFERER=*) referer=${line#*=} ;;
		HTTP_HOST=*) host=${line#*=} ;;
		HTTP_X_CSRF_TOKEN=*) xcsrf=${line#*=} ;;
		HTTPS=*) https=${line#*=} ;;
		esac
	done <"$f"
	tail -c +$((hlen + 1)) "$f" >"$tmp/req.body"
	# the placeholders become carol's live session and token, except in
	# bad_length_zero_pad: "Content-Length: 016" is valid HTTP (1*DIGIT,
	# RFC 9110), lighttpd hands the CGI CONTENT_LENGTH=16, and the
	# request is a good one; replayed with the placeholder session, 401.
	[ "$name" = bad_length_zero_pad ] ||
	cookie=$(printf '%s' "$cookie" | sed "s/$SESS0/$COOKIE/g")
	[ "$name" = bad_length_zero_pad ] ||
	xcsrf=$(printf '%s' "$xcsrf" | sed "s/$CSRF0/$CSRF/g")
	[ "$name" = bad_length_zero_pad ] ||
	perl -0777 -pi -e "s/$CSRF0/$CSRF/g; s/$SESS0/$COOKIE/g" "$tmp/req.body"
	set -- -s -o "$tmp/body" -w '%{http_code}' --path-as-is --max-time 3
	case $method in
	HEAD) set -- "$@" -I ;;
	*) set -- "$@" -X "$method" ;;
	esac
	# an empty value is a header sent empty; curl needs "Name;" for that
	[ -n "$host" ] && set -- "$@" -H "Host: $host"
	[ -n "$ctype" ] && set -- "$@" -H "Content-Type: $ctype"
	[ -n "$ctype" ] || set -- "$@" -H "Content-Type:"
	[ -n "$cookie" ] && set -- "$@" -H "Cookie: $cookie"
	[ -n "$origin" ] && set -- "$@" -H "Origin: $origin"
	[ -n "$referer" ] && set -- "$@" -H "Referer: $referer"
	[ -n "$xcsrf" ] && set -- "$@" -H "X-CSRF-Token: $xcsrf"
	[ -n "$clen" ] && set -- "$@" -H "Content-Length: $clen"
	[ -s "$tmp/req.body" ] && set -- "$@" --data-binary "@$tmp/req.body"
	st=$(curl "$@" "$url/api$path${qs:+?$qs}" 2>/dev/null) || true
	# Accepted: a 4xx; lighttpd's own 501 for a method it does not know;
	# a timeout (000) for a body shorter than its Content-Length.
	verdict=ok
	case $st in
	4??) ;;
	501) case $name in bad_method_*) ;; *) verdict=bad ;; esac ;;
	000) [ -n "$clen" ] || verdict=bad ;;
	*) verdict=bad ;;
	esac
	note=
	[ "$st" = "$expect" ] || note=" (the parser alone says $expect)"
	printf '%s %s %s%s\n' "$name" "$st" "$verdict" "$note" >>"$tmp/bad.log"
	if [ $verdict = ok ]; then
		ok "b: $name: $st$note"
	else
		notok "b: $name: $st, expected a 4xx ($expect)"
	fi
done
after=$(snapshot "$tmp/after")
check "b: $nbad bad requests (at least 50)" test "$nbad" -ge 50
check "b: nothing stored by any bad request" test "$before" = "$after"
[ "$before" = "$after" ] || diff "$tmp/before" "$tmp/after" | sed 's/^/  /'

# What only a real client sends.
_big() { head -c "$1" /dev/zero | tr '\0' 'a'; }
_big 1048576 >"$tmp/1m"
_big 17000 >"$tmp/17k"
rate_raw() {	# extra curl arguments -> status
	curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 -H "Origin: $url" \
	    -H "Cookie: mq_session=$COOKIE" -H "X-CSRF-Token: $CSRF" "$@" "$url/api/rate"
}
check "b: a 1 MB body 413" test "$(rate_raw -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$tmp/1m")" = 413
check "b: a 1 MB chunked body 413" test "$(rate_raw -H 'Content-Type: application/x-www-form-urlencoded' -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/1m")" = 413
check "b: a 17 000-byte body 413" test "$(rate_raw -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$tmp/17k")" = 413
check "b: PUT /api/rate 405" test "$(rate_raw -X PUT -H 'Content-Type: application/json' --data-binary "{\"movie\":$f6,\"rating\":4}")" = 405
check "b: 405 says Allow: POST" sh -c "curl -s -D - -o /dev/null -X DELETE '$url/api/rate' | tr -d '\r' | grep -q '^Allow: POST'"
check "b: GET /api/rate 405" test "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/rate")" = 405
check "b: HEAD /api/health 200 without a body" sh -c "test \"\$(curl -s -I -o /dev/null -w '%{http_code}:%{size_download}' '$url/api/health')\" = 200:0"
check "b: /api/ itself 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/")" = 404
check "b: /api/../store.db not served" sh -c "curl -s --path-as-is -o /dev/null -w '%{http_code}' '$url/api/../store.db' | grep -q '^4'"
check "b: a cross-site form post 403" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.test' -H "Cookie: mq_session=$COOKIE" --data "movie=$f6&rating=4&csrf=$CSRF" "$url/api/rate")" = 403
after2=$(snapshot "$tmp/after2")
check "b: nothing stored by the server-level bad requests" test "$before" = "$after2"

# ======================================================================
# c. 8 members, 500 ratings each, in parallel through lighttpd.
# ======================================================================
# The members sign up through the CGI from 8 addresses (the signup limit
# is per address); their sessions are then used through the server.
nrate=500
[ "$nfilms" -ge $nrate ] || die "the data has fewer than $nrate films"
head -n $nrate "$tmp/films" >"$tmp/films500"
members=
for k in 1 2 3 4 5 6 7 8; do
	ADDR=198.51.100.$k
	cgi POST /signup "{\"username\":\"load$k\",\"password\":\"load password $k\",\"ratings\":\"$f1:3.0,$f2:3.0,$f3:3.0\"}"
	[ "$st" = 201 ] || die "signup load$k: $st $(cat "$tmp/body")"
	m=$(jget member)
	members="$members $m"
	c=$(sed -n 's/^Set-Cookie: mq_session=\([0-9a-f]*\);.*/\1/p' "$tmp/ans")
	x=$(jget csrf)
	# one curl per member, 500 requests on one keep-alive connection
	awk -v u="$url" -v c="$c" -v x="$x" -v k="$k" -v N=$nrate '{
		printf "url = \"%s/api/rate\"\n", u
		printf "header = \"Origin: %s\"\n", u
		printf "header = \"Cookie: mq_session=%s\"\n", c
		printf "header = \"X-CSRF-Token: %s\"\n", x
		printf "header = \"Content-Type: application/x-www-form-urlencoded\"\n"
		h = (NR + k) % 10 + 1
		printf "data-raw = \"movie=%s&rating=%d.%d\"\n", $1, h / 2, (h % 2) * 5
		printf "output = \"/dev/null\"\n"
		printf "write-out = \"%%{http_code}\\n\"\n"
		if (NR < N) printf "next\n"
	}' "$tmp/films500" >"$tmp/load$k.curl"
done
ADDR=192.0.2.1
ids=$(echo $members | tr ' ' ',')
t0=$(now_ms)
lpids=
for k in 1 2 3 4 5 6 7 8; do
	curl -s -K "$tmp/load$k.curl" >"$tmp/load$k.out" 2>&1 &
	lpids="$lpids $!"
done
for j in $lpids; do
	wait "$j" || true
done
dt=$(($(now_ms) - t0))
total=$(cat "$tmp"/load?.out | wc -l)
good=$(cat "$tmp"/load?.out | grep -c '^2[0-9][0-9]$' || true)
say "concurrency: 8 x $nrate ratings in $dt ms ($((total * 1000 / (dt + 1))) ratings/s)"
check "c: $total answers, all 2xx ($good)" test "$total:$good" = 4000:4000
[ "$good" = 4000 ] || cat "$tmp"/load?.out | sort | uniq -c | sed 's/^/  /'
check "c: exactly 4000 rows for the 8 members" test "$(q "SELECT count(*) FROM ratings WHERE member_id IN ($ids)")" = 4000
check "c: 500 rows for each member" test "$(q "SELECT count(DISTINCT member_id) || ':' || min(n) || ':' || max(n) FROM (SELECT member_id, count(*) AS n FROM ratings WHERE member_id IN ($ids) GROUP BY member_id)")" = 8:500:500
check "c: each row holds the last rating sent" test "$(q "SELECT count(*) FROM ratings WHERE member_id IN ($ids) AND seq > (SELECT max(seq) FROM members)")" = 4000

# ======================================================================
# d. The batch reads the store.
# ======================================================================
mq_stop
build() {	# the build's "store DB (up to #N)" line in $tmp/build.log
	./bin/marquee build --data "$data" --out "$site" --store "$store" >"$tmp/build.log" 2>&1
}
upto() { sed -n 's/^store .* (up to #\([0-9]*\)).*/\1/p' "$tmp/build.log"; }
ids_of() {	# recs.json -> every film id in it, one a line
	grep -o '"id": [0-9]*' "$1" | sed 's/.*: //' | sort -u
}
check "d: build --store" build
sed -n 's/^\(store\|build\) /  &/p' "$tmp/build.log"
check "d: alice's list at the path the endpoint gave" test -s "$site/${apath}recs.json"
check "d: it is alice's" grep -q "^{\"user\": $alice," "$site/${apath}recs.json"
q "SELECT movie_id FROM ratings WHERE member_id=$alice AND half > 0" | sort -n >"$tmp/rated"
ids_of "$site/${apath}recs.json" >"$tmp/listed"
check "d: alice's lists leave out the $(wc -l <"$tmp/rated") films she rated" test -z "$(comm -12 "$tmp/rated" "$tmp/listed")"
check "d: alice's lists are not empty" test -s "$tmp/listed"
check "d: the build took every write (up to #$(upto))" test "$(upto)" = "$(q 'SELECT value FROM counter')"

# a rating, then a build: in it
COOKIE= CSRF=
cgi POST /login '{"username":"alice","password":"correct horse 1"}'
COOKIE=$(sed -n 's/^Set-Cookie: mq_session=\([0-9a-f]*\);.*/\1/p' "$tmp/ans")
CSRF=$(jget csrf)
first() { tr -d '\n' <"$site/${apath}recs.json" | grep -o '"for_you": *\[ *{"id": [0-9]*' | sed 's/.*: //'; }
top=$(first)
cgi POST /rate "{\"movie\":$top,\"rating\":\"5.0\"}"
check "d: alice rates her first film $top" test "$st" = 200
build
check "d: the next build leaves it out of her lists" sh -c "! grep -q '\"id\": $top,' '$site/${apath}recs.json'"
# a rating while a build runs: in this build or the next
(build) &
bpid=$!
sleep 0.3
top2=$(first)
cgi POST /rate "{\"movie\":$top2,\"rating\":\"1.0\"}"
rst=$st
running=no
kill -0 "$bpid" 2>/dev/null && running=yes
wait "$bpid" || true
check "d: a rating during a build ($running at the time) 200" test "$rst" = 200
seq2=$(q "SELECT seq FROM ratings WHERE member_id=$alice AND movie_id=$top2")
mark1=$(upto)
say "the rating has seq $seq2; the build during it took up to #$mark1"
build
mark2=$(upto)
check "d: the next build took it (seq $seq2 <= $mark2)" test "$seq2" -le "$mark2"
check "d: and leaves the film out of her lists" sh -c "! grep -q '\"id\": $top2,' '$site/${apath}recs.json'"
check "d: the store still holds every rating" test "$(q "SELECT count(*) FROM ratings WHERE member_id IN ($ids)")" = 4000

finish
