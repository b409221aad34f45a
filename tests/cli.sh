#!/bin/sh
#
# tests/cli.sh - bin/marquee tested as a program: properties of its
# outputs, its exit codes, golden files (sblg regress/ style).
#
#   sh tests/cli.sh                  run every check (make check does)
#   sh tests/cli.sh --update-golden  rebuild tests/golden/ on purpose
#
# Environment: MQ_BIN (default bin/marquee), MQ_SHARED_DATA (default
# ../shared/data/ml-latest-small, relative to the repository root; the
# checks on it are skipped when it is absent).
#
# Prints one "ok - ..." or "not ok - ..." line per check, details of a
# failure as "# ..." lines, and last exactly one "N passed, M failed" line.
# Exit status 1 when a check failed.  POSIX sh and POSIX awk only.

set -eu

cd "$(dirname "$0")/.."

MQ=${MQ_BIN:-bin/marquee}
SHARED=${MQ_SHARED_DATA:-../shared/data/ml-latest-small}
GOLDEN=tests/golden
GOLDEN_FILES="synth.cksum recs-item.tsv recs-user.tsv recs-random.tsv
    recs-pop.tsv similar.tsv genres.tsv"
DATE=2026-01-01

update=0
case ${1:-} in
--update-golden) update=1 ;;
"") ;;
*) echo "usage: sh tests/cli.sh [--update-golden]" >&2; exit 2 ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/marquee-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP

. tests/lib.sh

# run OUT ERR cmd...: run a command, its exit status in $rc.
run() {
	_out=$1 _err=$2
	shift 2
	rc=0
	"$@" >"$_out" 2>"$_err" || rc=$?
}

# expect_rc WANT DESC cmd...: the command exits with WANT.
expect_rc() {
	_want=$1 _desc=$2
	shift 2
	run "$TMP/rc.out" "$TMP/rc.err" "$@"
	if [ "$rc" -eq "$_want" ]; then
		ok "$_desc: exit $rc"
	else
		notok "$_desc: exit $rc, expected $_want"
		show "$TMP/rc.err"
	fi
}

# expect_rc_full WANT DESC cmd...: the same with stdout on /dev/full.
expect_rc_full() {
	_want=$1 _desc=$2
	shift 2
	rc=0
	"$@" >/dev/full 2>"$TMP/rc.err" || rc=$?
	if [ "$rc" -eq "$_want" ]; then
		ok "$_desc: exit $rc"
	else
		notok "$_desc: exit $rc, expected $_want"
		show "$TMP/rc.err"
	fi
}

# ---------------------------------------------------------------------
# Property checkers (awk).  Each prints what is wrong and fails.

# What the three share, prepended to each program: bad() reports a line
# (the first 10), and list_row(what) checks a ranked-list row: 4 columns,
# each list contiguous, ranks 1, 2, ... and none above top.  It calls
# list_end() (the program's own) before a new list starts, and returns 0
# for a row too broken to check further, 2 for a list's first row, else 1.
LIST_AWK='
	function bad(msg) {
		if (++nbad <= 10)
			print "line " FNR ": " msg ": " $0
	}
	function list_row(what,    first) {
		if (NF != 4) { bad(NF " columns"); return 0 }
		first = $1 != cur
		if (first) {
			list_end()
			if ($1 in listed) bad(what " " $1 " not contiguous")
			cur = $1; listed[cur] = 1; want = 1
		}
		if ($2 != want) bad("rank " $2 ", expected " want)
		want++
		if ($2 > top + 0) bad("rank above --top " top)
		return first ? 2 : 1
	}'

# check_recs TSV DATADIR TOP FULL: recs output against the data set.
# FULL=1: every member has a list; FULL=2: every list holds TOP films.
check_recs() {
	awk -F '\t' -v top="$3" -v full="$4" "$LIST_AWK"'
	FILENAME == ARGV[1] {
		if (FNR > 1) { split($0, a, ","); movie[a[1]] = 1 }
		next
	}
	FILENAME == ARGV[2] {
		if (FNR > 1) {
			sub(/\r$/, "")
			split($0, a, ",")
			rated[a[1] "," a[2]] = 1
			if (a[2] in movie)
				member[a[1]] = 1
		}
		next
	}
	function list_end() {
		if (full == 2 && cur != "" && want - 1 != top + 0)
			bad("member " cur " has " want - 1 " films, not " top)
	}
	{
		if (!list_row("member")) next
		if (!($1 in member)) bad("not a member of ratings.csv")
		if (!($3 in movie)) bad("film not in movies.csv")
		if (($1 "," $3) in rated) bad("film already rated")
		if (($1 "," $3) in seen) bad("duplicate (member, film)")
		seen[$1 "," $3] = 1
		if ($4 !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) bad("score not a number")
		else if ($2 > 1 && $4 + 0 > prev) bad("score increases")
		prev = $4 + 0
		nlines++
	}
	END {
		list_end()
		if (full)
			for (m in member)
				if (!(m in listed) && ++nmiss <= 5)
					print "member " m " has no list"
		if (nlines == 0) print "no output"
		exit (nbad || nmiss || nlines == 0)
	}' "$2/movies.csv" "$2/ratings.csv" "$1"
}

# check_similar TSV DATADIR TOP: similar output against the data set.
check_similar() {
	awk -F '\t' -v top="$3" "$LIST_AWK"'
	FILENAME == ARGV[1] {
		if (FNR > 1) { split($0, a, ","); movie[a[1]] = 1 }
		next
	}
	FILENAME == ARGV[2] {
		if (FNR > 1) { split($0, a, ","); ratedfilm[a[2]] = 1 }
		next
	}
	function list_end() { }
	{
		if (!list_row("film")) next
		if ($1 == $3) bad("film lists itself")
		if (!($1 in movie)) bad("film not in movies.csv")
		if (!($3 in movie)) bad("neighbour not in movies.csv")
		if (!($1 in ratedfilm)) bad("film nobody rated has neighbours")
		if (($1 "," $3) in seen) bad("duplicate neighbour")
		seen[$1 "," $3] = 1
		if ($2 > 1 && $4 + 0 > prev) bad("score increases")
		prev = $4 + 0
		nlines++
	}
	END {
		if (nlines == 0) print "no output"
		exit (nbad || nlines == 0)
	}' "$2/movies.csv" "$2/ratings.csv" "$1"
}

# check_genres TSV DATADIR TOP: genres output against movies.csv.
check_genres() {
	awk -F '\t' -v top="$3" "$LIST_AWK"'
	FILENAME == ARGV[1] {
		if (FNR > 1) {
			sub(/\r$/, "")
			split($0, a, ",")
			movie[a[1]] = 1
			g = $0
			sub(/.*,/, "", g)	# genres: the last field
			n = split(g, gs, "|")
			for (i = 1; i <= n; i++)
				has[a[1], gs[i]] = 1
		}
		next
	}
	function list_end() { }
	{
		if (!(r = list_row("genre"))) next
		if (r == 2 && $1 != "(all)") ngenres++
		if (!($3 in movie)) bad("film not in movies.csv")
		else if ($1 != "(all)" && !(($3, $1) in has))
			bad("film does not have genre " $1)
		if (($1, $3) in seen) bad("film twice in a list")
		seen[$1, $3] = 1
		if ($4 + 0 < 0.5 || $4 + 0 > 5) bad("score outside 0.5..5")
		if ($2 > 1 && $4 + 0 > prev) bad("score increases")
		prev = $4 + 0
		if ($1 == "(all)" && $2 == 1) best = $4 + 0
		else if ($4 + 0 > maxg) maxg = $4 + 0
		nlines++
	}
	END {
		if (!("(all)" in listed)) { print "no (all) list"; nbad++ }
		else if (maxg > best)
			{ print "a genre film beats the (all) list top"; nbad++ }
		if (ngenres == 0) { print "no genre list"; nbad++ }
		exit (nbad > 0)
	}' "$2/movies.csv" "$1"
}

# json_ok FILE: FILE parses as JSON (python3, else a structural check).
json_ok() {
	if command -v python3 >/dev/null 2>&1 &&
	    python3 -c 'import json' >/dev/null 2>&1; then
		python3 -m json.tool "$1" >/dev/null
		return
	fi
	awk '
	{
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (instr) {
				if (esc) esc = 0
				else if (c == "\\") esc = 1
				else if (c == "\"") instr = 0
				continue
			}
			if (c == "\"") instr = 1
			else if (c == "{" || c == "[") stack = stack c
			else if (c == "}" || c == "]") {
				top = substr(stack, length(stack), 1)
				if ((c == "}" && top != "{") ||
				    (c == "]" && top != "["))
					{ print "unbalanced " c " line " NR; exit 1 }
				stack = substr(stack, 1, length(stack) - 1)
			}
		}
	}
	NR == 1 && $0 !~ /^{/ { print "does not start with {"; exit 1 }
	END {
		if (NR == 0 || stack != "" || instr)
			{ print "empty or unterminated"; exit 1 }
	}
	' "$1"
}

# ndcg_of FILE MODEL: the ndcg of MODEL in eval output FILE.
ndcg_of() {
	awk -v want="$2" '
	/"model": "/ {
		m = $0
		sub(/.*"model": "/, "", m)
		sub(/".*/, "", m)
	}
	/"ndcg": / && m == want {
		v = $0
		sub(/.*"ndcg": /, "", v)
		sub(/[^0-9.eE+-].*/, "", v)
		print v
		exit
	}' "$1"
}

# gt A B: number A > number B (both non-empty).
gt() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" \
	    'BEGIN { exit !(a + 0 > b + 0) }'
}

# ---------------------------------------------------------------------
# Golden files: the outputs of the small synthetic set, written to $1.

golden_outputs() {
	(cd "$S" && cksum movies.csv ratings.csv tags.csv links.csv) \
	    >"$1/synth.cksum"
	for m in item user random pop; do
		"$MQ" recs --data "$S" --model "$m" --top 5 --date "$DATE" \
		    --quiet | awk -F '\t' '$1 <= 100' >"$1/recs-$m.tsv"
	done
	"$MQ" similar --data "$S" --top 5 --quiet |
	    awk -F '\t' '$1 <= 100' >"$1/similar.tsv"
	"$MQ" genres --data "$S" --top 5 --quiet >"$1/genres.tsv"
}

# ---------------------------------------------------------------------

if [ ! -x "$MQ" ]; then
	notok "$MQ is built (run make bin/marquee)"
	finish
fi

S=$TMP/s
if "$MQ" synth --size small --seed 7 --out "$S" 2>"$TMP/synth.err"; then
	ok "synth --size small --seed 7 writes a data set"
else
	notok "synth --size small --seed 7 writes a data set"
	show "$TMP/synth.err"
	finish
fi

if [ "$update" -eq 1 ]; then
	mkdir -p "$GOLDEN"
	golden_outputs "$GOLDEN"
	for f in $GOLDEN_FILES; do
		echo "wrote $GOLDEN/$f ($(wc -c <"$GOLDEN/$f") bytes)"
	done
	exit 0
fi

# --- (a) the synthetic set itself -------------------------------------

run "$TMP/s2.out" "$TMP/s2.err" "$MQ" synth --size small --seed 7 \
    --out "$TMP/s2" -q
same=1
for f in movies.csv ratings.csv tags.csv links.csv; do
	cmp -s "$S/$f" "$TMP/s2/$f" || same=0
done
if [ "$rc" -eq 0 ] && [ "$same" -eq 1 ]; then
	ok "synth: same seed, same bytes"
else
	notok "synth: same seed, same bytes (exit $rc)"
fi
run "$TMP/s3.out" "$TMP/s3.err" "$MQ" synth --size small --seed 8 \
    --out "$TMP/s3" -q
if [ "$rc" -eq 0 ] && ! cmp -s "$S/ratings.csv" "$TMP/s3/ratings.csv"; then
	ok "synth: another seed, other ratings"
else
	notok "synth: another seed, other ratings (exit $rc)"
fi

# validate: exit 0 and counts that match the files.
run "$TMP/val.out" "$TMP/val.err" "$MQ" validate --data "$S" --quiet
want=$(awk -F, '
	FILENAME ~ /movies.csv$/ && FNR > 1 { nm++ }
	FILENAME ~ /ratings.csv$/ && FNR > 1 { nr++; u[$1] = 1 }
	FILENAME ~ /tags.csv$/ && FNR > 1 { nt++ }
	END { for (x in u) nu++
	    printf "%d films, %d members, %d ratings, %d tags\n", nm, nu, nr, nt }
	' "$S/movies.csv" "$S/ratings.csv" "$S/tags.csv")
if [ "$rc" -eq 0 ] && [ "$(cat "$TMP/val.out")" = "$want" ]; then
	ok "validate on good data: exit 0, \"$want\""
else
	notok "validate on good data: exit $rc, '$(cat "$TMP/val.out")', expected '$want'"
	show "$TMP/val.err"
fi

# --- (b) properties of every output -----------------------------------

for m in item user random pop best; do
	run "$TMP/recs-$m.tsv" "$TMP/recs-$m.err" "$MQ" recs --data "$S" \
	    --model "$m" --top 10 --date "$DATE" --quiet
	case $m in
	user) full=0 ;;
	item) full=1 ;;
	*) full=2 ;;
	esac
	if [ "$rc" -ne 0 ]; then
		notok "recs --model $m: exit $rc"
		show "$TMP/recs-$m.err"
		continue
	fi
	check "recs --model $m --top 10: well-formed lists of unseen films" \
	    check_recs "$TMP/recs-$m.tsv" "$S" 10 "$full"
done

# The operator's commands: rollback and the maintenance flag.
MS=$TMP/msite
run "$TMP/b1.out" "$TMP/b1.err" "$MQ" build --data "$S" --out "$MS" \
    --templates templates --assets site --date "$DATE" -q
sleep 1
run "$TMP/b2.out" "$TMP/b2.err" "$MQ" build --data "$S" --out "$MS" \
    --templates templates --assets site --date "$DATE" -q
r2=$(readlink "$MS")
check "rollback: serves the release before" \
    sh -c '"$1" rollback --out "$2" >/dev/null && [ "$(readlink "$2")" != "$3" ]' \
    sh "$MQ" "$MS" "$r2"
expect_rc 1 "rollback: nothing older is an error" "$MQ" rollback --out "$MS"
check "maintenance on, status says so" \
    sh -c '"$1" maintenance --state "$2" on "Back soon." &&
	"$1" maintenance --state "$2" status | grep -q "^on: Back soon."' \
    sh "$MQ" "$MS.state"
check "maintenance off" \
    sh -c '"$1" maintenance --state "$2" off &&
	[ "$("$1" maintenance --state "$2" status)" = off ]' sh "$MQ" "$MS.state"

# The models do not always say the same thing (the brief's diversity test).
check "recs --model item: members 1 and 2 get different lists" \
    awk -F '\t' '$1 == 1 { a = a " " $3 } $1 == 2 { b = b " " $3 }
	END { exit (a == "" || a == b) }' "$TMP/recs-item.tsv"
check "recs: the item and user models give different lists" \
    sh -c '! cmp -s "$1" "$2"' sh "$TMP/recs-item.tsv" "$TMP/recs-user.tsv"

run "$TMP/r1.tsv" "$TMP/r1.err" "$MQ" recs --data "$S" --model item \
    --date "$DATE" --threads 1 --quiet
run "$TMP/r2.tsv" "$TMP/r2.err" "$MQ" recs --data "$S" --model item \
    --date "$DATE" --threads 2 --quiet
check "recs --model item: same lists with 1 and 2 threads" \
    cmp "$TMP/r1.tsv" "$TMP/r2.tsv"
run "$TMP/rd.tsv" "$TMP/rd.err" "$MQ" recs --data "$S" --model random \
    --date 2026-01-02 --quiet
check "recs --model random: another --date, other lists" \
    sh -c '! cmp -s "$1" "$2"' sh "$TMP/recs-random.tsv" "$TMP/rd.tsv"
run "$TMP/rs.tsv" "$TMP/rs.err" "$MQ" recs --data "$S" --model random \
    --date "$DATE" --quiet
check "recs --model random: same --date, same lists" \
    cmp "$TMP/recs-random.tsv" "$TMP/rs.tsv"

run "$TMP/similar.tsv" "$TMP/similar.err" "$MQ" similar --data "$S" \
    --top 10 --quiet
if [ "$rc" -eq 0 ]; then
	check "similar --top 10: never the film itself, neighbours exist" \
	    check_similar "$TMP/similar.tsv" "$S" 10
	check "similar: three films have different neighbours" \
	    awk -F '\t' '$2 == 1 { f[++n] = $3 } END {
		exit (n < 3 || (f[1] == f[2] && f[2] == f[3])) }' \
	    "$TMP/similar.tsv"
else
	notok "similar: exit $rc"
	show "$TMP/similar.err"
fi
run "$TMP/sim1.tsv" "$TMP/sim1.err" "$MQ" similar --data "$S" --top 10 \
    --threads 1 --quiet
check "similar: same lists with 1 thread" \
    cmp "$TMP/similar.tsv" "$TMP/sim1.tsv"

run "$TMP/genres.tsv" "$TMP/genres.err" "$MQ" genres --data "$S" \
    --top 10 --quiet
if [ "$rc" -eq 0 ]; then
	check "genres --top 10: ranked lists of films of the genre" \
	    check_genres "$TMP/genres.tsv" "$S" 10
else
	notok "genres: exit $rc"
	show "$TMP/genres.err"
fi
run "$TMP/genres3.tsv" "$TMP/genres3.err" "$MQ" genres --data "$S" \
    --top 10 --min-count 1000000 --quiet
check "genres --min-count above every film's count: no film listed" \
    sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' sh "$rc" "$TMP/genres3.tsv"

run "$TMP/eval.json" "$TMP/eval.err" "$MQ" eval --data "$S" --date "$DATE" \
    --quiet
if [ "$rc" -eq 0 ]; then
	check "eval: the output parses as JSON" json_ok "$TMP/eval.json"
	ni=$(ndcg_of "$TMP/eval.json" item)
	nu=$(ndcg_of "$TMP/eval.json" user)
	np=$(ndcg_of "$TMP/eval.json" pop)
	nr=$(ndcg_of "$TMP/eval.json" random)
	check "eval: item ndcg $ni beats pop $np" gt "$ni" "$np"
	check "eval: user ndcg $nu beats pop $np" gt "$nu" "$np"
	check "eval: pop ndcg $np beats random $nr" gt "$np" "$nr"
	check "eval: every metric present and rates within 0..1" \
	    awk '/"model": / { nm++ }
	    {
		for (i = 1; i <= NF; i++) {
			k = $i; gsub(/[":,{]/, "", k)
			v = $(i + 1); gsub(/[,}]/, "", v)
			if (k ~ /^(ndcg|hr|precision|recall|mrr|coverage|diversity|gini|ndcg_few|new_reach_lists|new_reach)$/) {
				seen[k]++
				if (v + 0 < 0 || v + 0 > 1) { print k " " v; bad = 1 }
			}
		}
	    }
	    END {
		if (nm != 5) { print nm " models"; bad = 1 }
		n = split("ndcg hr precision recall mrr coverage diversity gini ndcg_few new_reach_lists", w, " ")
		for (i = 1; i <= n; i++)
			if (seen[w[i]] != 5) { print w[i] " missing"; bad = 1 }
		if (seen["new_reach"] != 1) { print "new_reach of best missing"; bad = 1 }
		exit bad
	    }' "$TMP/eval.json"
else
	notok "eval: exit $rc"
	show "$TMP/eval.err"
fi
run "$TMP/eval1.json" "$TMP/eval1.err" "$MQ" eval --data "$S" \
    --model item --date "$DATE" --quiet
check "eval --model item: one model, valid JSON" \
    sh -c '[ "$1" -eq 0 ] && [ "$(grep -c "\"model\": " "$2")" -eq 1 ]' \
    sh "$rc" "$TMP/eval1.json"
if [ "$rc" -eq 0 ]; then
	check "eval --model item: the same ndcg as in the full run" \
	    sh -c '[ "$1" = "$2" ]' sh "$ni" "$(ndcg_of "$TMP/eval1.json" item)"
fi

# Loader tolerance: CRLF line ends and stray empty columns change nothing.
mkdir "$TMP/crlf" "$TMP/extra"
for f in movies.csv ratings.csv tags.csv links.csv; do
	awk '{ printf "%s\r\n", $0 }' "$S/$f" >"$TMP/crlf/$f"
	awk 'NR == 1 { print; next } { print $0 ",,," }' "$S/$f" \
	    >"$TMP/extra/$f"
done
for v in crlf extra; do
	run "$TMP/$v.tsv" "$TMP/$v.err" "$MQ" recs --data "$TMP/$v" \
	    --model item --date "$DATE" --quiet
	check "recs on the $v copy of the set: exit 0, same lists" \
	    sh -c '[ "$1" -eq 0 ] && cmp "$2" "$3"' sh "$rc" \
	    "$TMP/recs-item.tsv" "$TMP/$v.tsv"
done

# --- (c) exit codes ----------------------------------------------------

expect_rc 2 "no command" "$MQ"
expect_rc 2 "unknown command" "$MQ" frobnicate
run "$TMP/h.out" "$TMP/h.err" "$MQ" --help
check "marquee --help: exit 0, usage: on stdout" \
    sh -c '[ "$1" -eq 0 ] && grep -q "^usage:" "$2"' sh "$rc" "$TMP/h.out"
for c in recs similar genres eval validate synth; do
	run "$TMP/h.out" "$TMP/h.err" "$MQ" "$c" --help
	check "$c --help: exit 0, usage: on stdout" \
	    sh -c '[ "$1" -eq 0 ] && grep -q "^usage:" "$2"' sh "$rc" \
	    "$TMP/h.out"
done
for c in similar genres eval validate; do
	expect_rc 2 "$c without --data" "$MQ" "$c" --quiet
done
expect_rc 2 "recs without --data" "$MQ" recs --model item
expect_rc 2 "recs without --model" "$MQ" recs --data "$S"
expect_rc 2 "synth without --out" "$MQ" synth --size small
expect_rc 2 "synth --size huge" "$MQ" synth --size huge --out "$TMP/sx"
for t in 0 -3 abc 10x 10001 ''; do
	expect_rc 2 "recs --top '$t'" "$MQ" recs --data "$S" --model item \
	    --top "$t"
done
expect_rc 2 "similar --top 0" "$MQ" similar --data "$S" --top 0
expect_rc 2 "genres --top x" "$MQ" genres --data "$S" --top x
expect_rc 2 "eval --top 0" "$MQ" eval --data "$S" --top 0
expect_rc 2 "recs --model frob" "$MQ" recs --data "$S" --model frob
expect_rc 2 "eval --model frob" "$MQ" eval --data "$S" --model frob
expect_rc 2 "recs --sim frob" "$MQ" recs --data "$S" --model item --sim frob
expect_rc 2 "recs --date 2026-13-01" "$MQ" recs --data "$S" --model random \
    --date 2026-13-01
expect_rc 2 "recs --threads 0" "$MQ" recs --data "$S" --model item \
    --threads 0
expect_rc 2 "recs --frobnicate" "$MQ" recs --data "$S" --model item \
    --frobnicate
expect_rc 2 "recs with a stray argument" "$MQ" recs --data "$S" \
    --model item extra
expect_rc 2 "genres --damping -1" "$MQ" genres --data "$S" --damping -1
expect_rc 2 "validate --max-reject-frac 2" "$MQ" validate --data "$S" \
    --max-reject-frac 2

# A missing data set: movies.csv and ratings.csv are required (MQ_EDATA).
expect_rc 1 "recs on a nonexistent directory" "$MQ" recs \
    --data "$TMP/nonexistent" --model item
expect_rc 1 "validate on a nonexistent directory" "$MQ" validate \
    --data "$TMP/nonexistent"
check "validate on a nonexistent directory names it" \
    grep -q "nonexistent: not a data directory" "$TMP/rc.err"
expect_rc 2 "recs with an empty --data" "$MQ" recs --data "" --model item
expect_rc 1 "recs with a file as --data" "$MQ" recs --data "$S/movies.csv" \
    --model item
expect_rc 2 "similar refuses --k" "$MQ" similar --data "$S" --k 5
expect_rc 1 "eval with nobody to evaluate" "$MQ" eval --data "$S" \
    --min-ratings 100000
expect_rc 2 "--date 2026-02-31 is refused" "$MQ" recs --data "$S" \
    --model random --date 2026-02-31
mkdir "$TMP/noratings"
cp "$S/movies.csv" "$TMP/noratings/"
expect_rc 1 "validate without ratings.csv" "$MQ" validate \
    --data "$TMP/noratings"
mkdir "$TMP/header"
cp "$S"/*.csv "$TMP/header/"
sed '1s/.*/user,movie,rating,time/' "$S/ratings.csv" \
    >"$TMP/header/ratings.csv"
expect_rc 1 "validate with a wrong ratings.csv header" "$MQ" validate \
    --data "$TMP/header"
: >"$TMP/header/ratings.csv"
expect_rc 1 "validate with an empty ratings.csv" "$MQ" validate \
    --data "$TMP/header"

# Broken data above the reject threshold: 1 row in 20 has no rating.
mkdir "$TMP/broken"
cp "$S"/*.csv "$TMP/broken/"
awk -F, -v OFS=, 'NR > 1 && NR % 20 == 0 { $3 = "abc" } 1' \
    "$S/ratings.csv" >"$TMP/broken/ratings.csv"
expect_rc 1 "validate on a set with 5 % bad ratings" "$MQ" validate \
    --data "$TMP/broken"
check "the rejection names ratings.csv:20" \
    grep -q "ratings.csv:20:" "$TMP/rc.err"
check "the failure names the threshold" grep -q "threshold" "$TMP/rc.err"
run "$TMP/broken.tsv" "$TMP/broken.err" "$MQ" recs --data "$TMP/broken" \
    --model pop
check "recs on the broken set: exit 1, nothing on stdout" \
    sh -c '[ "$1" -eq 1 ] && [ ! -s "$2" ]' sh "$rc" "$TMP/broken.tsv"
expect_rc 0 "validate --max-reject-frac 0.1 on the same set" "$MQ" \
    validate --data "$TMP/broken" --max-reject-frac 0.1

# One bad row, below the threshold: reported, rejected, the load succeeds.
mkdir "$TMP/one"
cp "$S"/*.csv "$TMP/one/"
awk -F, -v OFS=, 'NR == 100 { $3 = "7.0" } 1' "$S/ratings.csv" \
    >"$TMP/one/ratings.csv"
expect_rc 0 "validate with one bad row" "$MQ" validate \
    --data "$TMP/one" --rejects "$TMP/rejects.txt"
check "the bad row is reported as ratings.csv:100" \
    grep -q "ratings.csv:100:" "$TMP/rc.err"
check "the bad row is not kept" grep -q " 19999 ratings" "$TMP/rc.out"
check "--rejects FILE holds the bad row" \
    grep -q "ratings.csv:100:" "$TMP/rejects.txt"
expect_rc 1 "validate --max-reject-frac 0 with one bad row" "$MQ" \
    validate --data "$TMP/one" --max-reject-frac 0

# Output errors: a full disk is an I/O error (3), never a success.
if [ -c /dev/full ]; then
	expect_rc_full 3 "recs > /dev/full" "$MQ" recs --data "$S" \
	    --model item --quiet
	expect_rc_full 3 "similar > /dev/full" "$MQ" similar --data "$S" \
	    --quiet
	expect_rc_full 3 "genres > /dev/full" "$MQ" genres --data "$S" \
	    --quiet
	expect_rc_full 3 "eval > /dev/full" "$MQ" eval --data "$S" \
	    --model pop --quiet
	expect_rc_full 3 "validate > /dev/full" "$MQ" validate --data "$S" \
	    --quiet
else
	echo "# /dev/full absent: output error checks skipped"
fi
expect_rc 3 "synth --out under a file" "$MQ" synth --size small -q \
    --out "$S/movies.csv/x"

# --- (d) golden files ---------------------------------------------------

mkdir "$TMP/golden"
golden_outputs "$TMP/golden"
for f in $GOLDEN_FILES; do
	if [ ! -f "$GOLDEN/$f" ]; then
		notok "golden $f: missing (sh tests/cli.sh --update-golden)"
	elif diff -u "$GOLDEN/$f" "$TMP/golden/$f" >"$TMP/diff" 2>&1; then
		ok "golden $f"
	else
		notok "golden $f differs (sh tests/cli.sh --update-golden" \
		    "if intended)"
		show "$TMP/diff"
	fi
done

# --- (e) the real ml-latest-small, when at hand ------------------------

if [ -f "$SHARED/ratings.csv" ] && [ -f "$SHARED/movies.csv" ]; then
	# Its known damage: ratings whose movieId is not in movies.csv.
	awk -F, 'FILENAME == ARGV[1] { if (FNR > 1) movie[$1] = 1; next }
	    FNR > 1 && !($2 in movie) { print FNR }' \
	    "$SHARED/movies.csv" "$SHARED/ratings.csv" >"$TMP/ml.badlines"
	nbadl=$(wc -l <"$TMP/ml.badlines" | tr -d ' ')
	run "$TMP/ml.val" "$TMP/ml.valerr" "$MQ" validate --data "$SHARED"
	if [ "$rc" -eq 0 ]; then
		ok "ml-latest-small: validate exit 0"
	else
		notok "ml-latest-small: validate exit $rc"
		show "$TMP/ml.valerr"
	fi
	check "ml-latest-small: exactly one damaged row (unknown movieId)" \
	    [ "$nbadl" -eq 1 ]
	while read -r l; do
		check "ml-latest-small: ratings.csv:$l is rejected" \
		    grep -q "ratings.csv:$l: .*not in movies.csv" \
		    "$TMP/ml.valerr"
	done <"$TMP/ml.badlines"
	check "ml-latest-small: the summary counts $nbadl rejected rating" \
	    grep -q "^ratings.csv: .*, $nbadl rejected" "$TMP/ml.valerr"
	check "ml-latest-small: no other file has rejects" \
	    sh -c '! grep -v "^ratings.csv" "$1" | grep -q "rejected"' sh \
	    "$TMP/ml.valerr"

	for m in item user best; do
		run "$TMP/ml-$m.tsv" "$TMP/ml-$m.err" "$MQ" recs \
		    --data "$SHARED" --model "$m" --top 10 --date "$DATE" \
		    --quiet
		if [ "$rc" -ne 0 ]; then
			notok "ml-latest-small: recs --model $m: exit $rc"
			show "$TMP/ml-$m.err"
			continue
		fi
		case $m in
		item) full=1 ;;
		best) full=2 ;;
		*) full=0 ;;
		esac
		check "ml-latest-small: recs --model $m --top 10" \
		    check_recs "$TMP/ml-$m.tsv" "$SHARED" 10 "$full"
	done
	run "$TMP/ml-sim.tsv" "$TMP/ml-sim.err" "$MQ" similar \
	    --data "$SHARED" --top 10 --quiet
	if [ "$rc" -eq 0 ]; then
		check "ml-latest-small: similar --top 10" \
		    check_similar "$TMP/ml-sim.tsv" "$SHARED" 10
	else
		notok "ml-latest-small: similar: exit $rc"
		show "$TMP/ml-sim.err"
	fi
	run "$TMP/ml-gen.tsv" "$TMP/ml-gen.err" "$MQ" genres \
	    --data "$SHARED" --top 10 --quiet
	if [ "$rc" -eq 0 ]; then
		check "ml-latest-small: genres --top 10" \
		    check_genres "$TMP/ml-gen.tsv" "$SHARED" 10
	else
		notok "ml-latest-small: genres: exit $rc"
		show "$TMP/ml-gen.err"
	fi
else
	echo "# $SHARED absent (MQ_SHARED_DATA): ml-latest-small checks skipped"
fi

finish
