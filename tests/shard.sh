#!/bin/sh
# tests/shard.sh - the per-member stage as shards, merged into one site.
#
# The models are fitted once (build --fit-only); three shards then run in
# parallel (build --shard I/3), the parts are merged (build --merge 3), and
# the merged site, history and fold-in file must equal, byte for byte,
# what a single process builds from the same models with the same build
# id; and a whole build on one thread equals one on three.  Also: bad shard arguments are usage errors, a merge with a part
# missing fails and publishes nothing, and a shard never makes a key.
# Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
MQ=bin/marquee
. tests/lib.sh
status() {	# description, expected exit status, command...
	d=$1 want=$2; shift 2
	"$@" >/dev/null 2>"$TMP/err"; got=$?
	if [ "$got" = "$want" ]; then ok "$d"; else
		notok "$d (exit $got, want $want: $(head -c 300 "$TMP/err"))"; fi
}

[ -x "$MQ" ] || make -s bin/marquee >&2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mq-shard.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
D=$TMP/data M=$TMP/models.bin ID=20261123T000000Z
$MQ synth --size small --seed 4 --out "$D" -q
B="--data $D --date 2026-11-23 --build-id $ID --quiet"

# shellcheck disable=SC2086
check "fit the models once, make the state and key" \
    $MQ build $B --out "$TMP/one" --state "$TMP/state" --models "$M" --fit-only
check "the key exists before any shard runs" test -s "$TMP/state/site.key"
cp -a "$TMP/state" "$TMP/one.state"
cp -a "$TMP/state" "$TMP/many.state"

# shellcheck disable=SC2086
check "single process: the whole site from the saved models" \
    $MQ build $B --out "$TMP/one" --state "$TMP/one.state" --models "$M"

pids=
for i in 0 1 2; do
	# shellcheck disable=SC2086
	$MQ build $B --out "$TMP/many" --state "$TMP/many.state" \
	    --models "$M" --shard "$i/3" --shard-dir "$TMP/parts" \
	    2>"$TMP/shard$i.err" &
	pids="$pids $!"
done
n=0
for p in $pids; do wait "$p" && n=$((n + 1)); done
check "three shards in parallel all succeed" test "$n" = 3
check "each shard wrote its whole part" test -d "$TMP/parts/part-0-of-3" \
    -a -d "$TMP/parts/part-1-of-3" -a -d "$TMP/parts/part-2-of-3"
check "no part is left half written" \
    sh -c "! ls -d '$TMP'/parts/*.tmp 2>/dev/null | grep -q ."
check "a shard publishes nothing" test ! -e "$TMP/many"
members=$(find "$TMP/parts" -name recs.json | wc -l)
total=$(($(cut -d, -f1 "$D/ratings.csv" | sort -u | wc -l) - 1))
check "the parts hold every member once ($members of $total)" \
    test "$members" = "$total"
# shellcheck disable=SC2086
check "merge the three parts into one site" \
    $MQ build $B --out "$TMP/many" --state "$TMP/many.state" \
    --models "$M" --merge 3 --shard-dir "$TMP/parts"
check "merged site equals the single-process site byte for byte" \
    diff -r "$(readlink -f "$TMP/one")" "$(readlink -f "$TMP/many")"
check "the same files list with private paths" \
    cmp "$TMP/one.releases/$ID.files.tsv" "$TMP/many.releases/$ID.files.tsv"
check "the same recommendation history" \
    cmp "$TMP/one.state/recommended.tsv" "$TMP/many.state/recommended.tsv"
check "the same fold-in file for the endpoint" \
    cmp "$TMP/one.state/foldin.bin" "$TMP/many.state/foldin.bin"

# the thread count changes nothing: models, members, history
for t in 1 3; do
	cp -a "$TMP/state" "$TMP/t$t.state"
	# shellcheck disable=SC2086
	check "whole build on $t thread(s)" $MQ build $B --threads $t \
	    --out "$TMP/t$t" --state "$TMP/t$t.state"
done
check "one thread and three build the same site byte for byte" \
    diff -r "$(readlink -f "$TMP/t1")" "$(readlink -f "$TMP/t3")"
check "the same files list" \
    cmp "$TMP/t1.releases/$ID.files.tsv" "$TMP/t3.releases/$ID.files.tsv"
check "the same history" \
    cmp "$TMP/t1.state/recommended.tsv" "$TMP/t3.state/recommended.tsv"

# what goes wrong
# shellcheck disable=SC2086
status "--shard 3/3 is a usage error" 2 \
    $MQ build $B --out "$TMP/x" --models "$M" --shard 3/3 --shard-dir "$TMP/p"
# shellcheck disable=SC2086
status "--shard without --shard-dir is a usage error" 2 \
    $MQ build $B --out "$TMP/x" --models "$M" --shard 0/2
# shellcheck disable=SC2086
status "--build-id with a slash is a usage error" 2 \
    $MQ build --data "$D" --out "$TMP/x" --build-id "a/b" --quiet
# shellcheck disable=SC2086
status "a shard of a site without a key fails" 3 \
    $MQ build $B --out "$TMP/nokey" --models "$M" --shard 0/2 \
    --shard-dir "$TMP/p2"
check "and makes none" test ! -e "$TMP/nokey.state/site.key"
rm -rf "$TMP/parts/part-1-of-3"
before=$(readlink "$TMP/many")
# shellcheck disable=SC2086
$MQ build --data "$D" --date 2026-11-23 --build-id "${ID}-2" --quiet \
    --out "$TMP/many" --state "$TMP/many.state" --models "$M" --merge 3 \
    --shard-dir "$TMP/parts" 2>"$TMP/err"
rc=$?
check "a merge with a part missing fails (exit $rc)" test "$rc" -ne 0
check "and names the missing part" grep -q 'part-1-of-3' "$TMP/err"
check "and the published site is unchanged" test "$(readlink "$TMP/many")" = "$before"

finish
