/*
 * cmd_member.c - marquee member: the operator's hand on the store's
 * members (the only way to make an administrator: never from the web).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mq_err.h"
#include "mq_store.h"
#include "cmd.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: marquee member --store DB --id N --role admin|member\n\n"
	    "Sets the role of member N in the endpoint's store: an admin sees\n"
	    "the counts of /api/admin.  Roles are never given from the web.\n");
}

enum { OPT_STORE = 1, OPT_ID, OPT_ROLE, OPT_HELP };

int
cmd_member(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "store", required_argument, NULL, OPT_STORE },
		{ "id", required_argument, NULL, OPT_ID },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *store = NULL, *role = NULL;
	struct mq_store *s = NULL;
	long id = -1;
	int c, rc = MQ_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			usage(stdout);
			return MQ_OK;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_ID:
			rc = cmd_parse_long("id", optarg, 1, UINT32_MAX, &id);
			break;
		case OPT_ROLE:
			role = optarg;
			break;
		default:
			rc = MQ_EUSAGE;
			break;
		}
		if (rc) {
			usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || store == NULL || id < 0 || role == NULL ||
	    (strcmp(role, "admin") && strcmp(role, "member"))) {
		mq_warnx("--store, --id and --role admin|member are required");
		usage(stderr);
		return MQ_EUSAGE;
	}
	if ((rc = mq_store_open(&s, store, 0)))
		return rc;
	if ((rc = mq_store_set_role(s, (uint32_t)id, role)) == MQ_EDATA)
		mq_warnx("%s: no member %ld", store, id);
	mq_store_close(s);
	return rc;
}
