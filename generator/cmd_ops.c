/*
 * cmd_ops.c - the operator's commands on a published site:
 *
 *   marquee rollback --out SITE [--state DIR]
 *	point SITE back at the previous complete release, and give the
 *	endpoint that release's fold-in file again
 *   marquee maintenance --state DIR on [MESSAGE] | off | status
 *	the maintenance flag: while it is on, the endpoint refuses every
 *	change (503) and the page says so
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_out.h"
#include "cmd.h"

enum { OPT_OUT = 1, OPT_STATE, OPT_HELP };

static void
rollback_usage(FILE *f)
{
	fprintf(f, "usage: marquee rollback --out SITE [--state DIR]\n\n"
	    "Points the site link SITE back at the complete release before "
	    "the one\nit serves (one rename, as a build does) and puts that "
	    "release's fold-in\nfile back in the state directory "
	    "(default SITE.state) for the endpoint.\n");
}

/* Copy file from to to, atomically. */
static int
copy_file(const char *from, const char *to)
{
	struct mq_buf b = MQ_BUF_INIT;
	int rc;

	if ((rc = mq_buf_read_file(&b, from)) == MQ_OK)
		rc = mq_file_write(to, b.s ? b.s : "", b.len, 0644);
	mq_buf_release(&b);
	return rc;
}

int
cmd_rollback(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *site = NULL, *state = NULL;
	char id[256], *from = NULL, *to = NULL, *st = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			rollback_usage(stdout);
			return MQ_OK;
		} else if (c == OPT_OUT)
			site = optarg;
		else if (c == OPT_STATE)
			state = optarg;
		else {
			rollback_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || site == NULL) {
		mq_warnx("--out SITE is required");
		rollback_usage(stderr);
		return MQ_EUSAGE;
	}
	if (state == NULL && (state = st = mq_strf("%s.state", site)) == NULL)
		return mq_oom();
	if ((rc = mq_out_rollback(site, id, sizeof(id))))
		goto out;
	printf("%s now serves %s\n", site, id);
	if ((from = mq_strf("%s.releases/%s.foldin.bin", site, id)) == NULL ||
	    (to = mq_strf("%s/foldin.bin", state)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if (access(from, R_OK) == 0)
		rc = copy_file(from, to);
	else
		mq_warnx("%s: release without a fold-in file: the endpoint keeps "
		    "the newer one", id);
out:
	free(from);
	free(to);
	free(st);
	return rc;
}

static void
maint_usage(FILE *f)
{
	fprintf(f, "usage: marquee maintenance --state DIR on [MESSAGE] | off "
	    "| status\n\n"
	    "Sets or clears the maintenance flag (DIR/maintenance).  While it "
	    "is on,\nthe endpoint refuses every change with 503 and the page "
	    "shows MESSAGE.\n");
}

int
cmd_maintenance(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "state", required_argument, NULL, OPT_STATE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *state = NULL, *what, *msg;
	char *path = NULL, buf[512];
	FILE *f;
	int c, rc = MQ_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			maint_usage(stdout);
			return MQ_OK;
		} else if (c == OPT_STATE)
			state = optarg;
		else {
			maint_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (state == NULL || optind >= argc || argc - optind > 2) {
		maint_usage(stderr);
		return MQ_EUSAGE;
	}
	what = argv[optind];
	msg = optind + 1 < argc ? argv[optind + 1] :
	    "Marquee is being updated; back in a few minutes.";
	if ((path = mq_strf("%s/maintenance", state)) == NULL)
		return mq_oom();
	if (!strcmp(what, "on")) {
		if (strlen(msg) > 200 || strchr(msg, '\n')) {
			mq_warnx("the message is one line of at most 200 bytes");
			rc = MQ_EUSAGE;
		} else
			rc = mq_file_write(path, msg, strlen(msg), 0644);
	} else if (!strcmp(what, "off")) {
		if (unlink(path) && errno != ENOENT) {
			mq_warn("%s", path);
			rc = MQ_EIO;
		}
	} else if (!strcmp(what, "status")) {
		if ((f = fopen(path, "r")) == NULL)
			printf("off\n");
		else {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			buf[n] = '\0';
			fclose(f);
			printf("on: %s\n", buf);
		}
	} else {
		maint_usage(stderr);
		rc = MQ_EUSAGE;
	}
	free(path);
	return rc;
}
