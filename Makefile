# Marquee - one flat Makefile, objects listed explicitly, no recursive make.
#
#   make            build bin/marquee
#   make check      build and run every test (Check suites, golden files, CLI)
#   make asan       run the Check suites under AddressSanitizer + UBSan
#   make valgrind   run the Check suites under valgrind
#   make clean

CC      ?= cc
PKGS     = libzstd libpng freetype2 libsodium sqlite3 libcrypto
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror
CPPFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib \
	   $$(pkg-config --cflags $(PKGS))
LDLIBS   = -lcsv $$(pkg-config --libs $(PKGS)) -lm -lpthread
CHECK_CFLAGS = $$(pkg-config --cflags check)
CHECK_LIBS   = $$(pkg-config --libs check)

# The shared library: everything the batch, the endpoint and the tests use.
LIB_OBJS = \
	lib/mq_err.o \
	lib/mq_matrix.o \
	lib/mq_csv.o \
	lib/mq_data.o \
	lib/mq_rng.o \
	lib/mq_topk.o \
	lib/mq_model.o \
	lib/mq_genre.o \
	lib/mq_eval.o \
	lib/mq_buf.o \
	lib/mq_esc.o \
	lib/mq_tmpl.o \
	lib/mq_key.o \
	lib/mq_file.o \
	lib/mq_out.o \
	lib/mq_poster.o \
	lib/mq_site.o \
	lib/mq_best.o \
	lib/mq_store.o \
	lib/mq_merge.o \
	lib/mq_fold.o \
	lib/mq_modelio.o \
	lib/mq_monitor.o \
	lib/mq_chart.o \
	lib/mq_stats.o \
	lib/mq_synth.o \
	lib/mq_snap.o \
	lib/mq_hash.o

# The batch: one file per subcommand behind main.c.
GEN_OBJS = \
	generator/main.o \
	generator/cmd_recs.o \
	generator/cmd_eval.o \
	generator/cmd_validate.o \
	generator/cmd_synth.o \
	generator/cmd_build.o \
	generator/cmd_member.o \
	generator/cmd_ops.o \
	generator/cmd_nightly.o

# The endpoint: faces the internet, in its own folder.
CGI_OBJS = \
	cgi/main.o \
	cgi/fcgi.o \
	cgi/sandbox.o

# The request parser, shared by the endpoint, its tests and the fuzzer.
REQ_OBJS = cgi/req.o

# One Check suite per module; check_main.c runs them all.
TEST_OBJS = \
	tests/check_main.o \
	tests/fixture.o \
	tests/check_matrix.o \
	tests/check_csv.o \
	tests/check_data.o \
	tests/check_rng.o \
	tests/check_topk.o \
	tests/check_model.o \
	tests/check_genre.o \
	tests/check_eval.o \
	tests/check_synth.o \
	tests/check_esc.o \
	tests/check_tmpl.o \
	tests/check_out.o \
	tests/check_key.o \
	tests/check_poster.o \
	tests/check_best.o \
	tests/check_store.o \
	tests/check_site.o \
	tests/check_req.o \
	tests/check_fold.o \
	tests/check_merge.o \
	tests/check_monitor.o \
	tests/check_stats.o \
	tests/check_snap.o \
	tests/check_hash.o \
	tests/check_file.o

all: bin/marquee bin/marquee.cgi

lib/libmarquee.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

bin/marquee: $(GEN_OBJS) lib/libmarquee.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GEN_OBJS) lib/libmarquee.a $(LDLIBS)

# The endpoint is linked statically: it starts once per request, and
# dynamic linking was 14 % of its time (scripts/bench-cgi).  A sanitizer
# build links it dynamically (CGI_LDSTATIC= on the command line).
CGI_LDSTATIC = -static
CGI_LIBS = -lsqlite3 -lsodium -lzstd -lm -lpthread
bin/marquee.cgi: $(CGI_OBJS) $(REQ_OBJS) lib/libmarquee.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) $(CGI_LDSTATIC) -o $@ $(CGI_OBJS) \
	    $(REQ_OBJS) lib/libmarquee.a $(CGI_LIBS)

bin/check_marquee: $(TEST_OBJS) $(REQ_OBJS) lib/libmarquee.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJS) $(REQ_OBJS) lib/libmarquee.a $(LDLIBS) $(CHECK_LIBS)

cgi/%.o: cgi/%.c cgi/req.h
	$(CC) $(CPPFLAGS) -Icgi $(CFLAGS) $(WARN) -c -o $@ $<

tests/%.o: tests/%.c
	$(CC) $(CPPFLAGS) -Icgi $(CHECK_CFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

.c.o:
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(LIB_OBJS) $(GEN_OBJS) $(TEST_OBJS): lib/*.h
$(GEN_OBJS): generator/cmd.h
$(TEST_OBJS): tests/check_suites.h tests/fixture.h

check: bin/marquee bin/marquee.cgi bin/check_marquee
	MQ_TESTDATA=tests/data ./bin/check_marquee
	sh tests/cli.sh

# Rebuild the golden files of tests/golden on purpose, after a deliberate
# change of the models or of the synthetic generator; review the diff.
golden: bin/marquee bin/check_marquee
	sh tests/cli.sh --update-golden
	MQ_UPDATE_GOLDEN=1 CK_RUN_SUITE=site MQ_TESTDATA=tests/data \
	    ./bin/check_marquee

asan:
	$(MAKE) clean
	$(MAKE) CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" CGI_LDSTATIC= check
	$(MAKE) clean

valgrind: bin/check_marquee
	CK_FORK=no MQ_TESTDATA=tests/data valgrind --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite ./bin/check_marquee

# The request parser under libFuzzer (clang) for FUZZ_SECONDS, from the
# request corpus; crashes land in fuzz/out/.
FUZZ_SECONDS = 60
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
	@mkdir -p bin fuzz/out fuzz/corpus
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icgi -Ilib \
	    -g -O1 -fsanitize=fuzzer,address,undefined -o bin/fuzz_req \
	    fuzz/fuzz_req.c cgi/req.c lib/mq_esc.c lib/mq_buf.c lib/mq_err.c
	cp tests/data/requests/*.req fuzz/corpus/
	./bin/fuzz_req -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/req.dict \
	    -artifact_prefix=fuzz/out/ fuzz/corpus

clean:
	rm -f lib/*.o lib/*.a generator/*.o tests/*.o cgi/*.o bin/marquee \
	    bin/marquee.cgi bin/check_marquee bin/fuzz_req

.PHONY: all check golden asan valgrind fuzz clean
