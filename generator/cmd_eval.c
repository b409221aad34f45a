/*
 * cmd_eval.c - marquee eval: every model under one offline protocol.
 *
 * Prints one JSON document: the protocol, then per model its parameters,
 * fit and list times and the metrics of mq_eval.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_best.h"
#include "mq_buf.h"
#include "mq_err.h"
#include "mq_data.h"
#include "mq_esc.h"
#include "mq_eval.h"
#include "mq_model.h"
#include "cmd.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: marquee eval --data DIR [--model NAME] [--top N] "
	    "[--holdout H]\n                    [--min-ratings M] [options]\n\n"
	    "Hides each member's latest H ratings (members with at least M),\n"
	    "trains on the rest, ranks the unseen catalogue and prints JSON\n"
	    "metrics per model: ndcg, hr, precision, recall, mrr at N,\n"
	    "coverage, popularity, diversity, novelty, gini (exposure), ndcg_few\n"
	    "(members with < 20 training ratings), new_reach_lists (films with\n"
	    "< 5 training ratings in some list) and, for best, new_reach (in\n"
	    "some member's new-film list).\n\n"
	    "  --data DIR        MovieLens CSV directory (required)\n"
	    "  --model NAME      evaluate only item, user, random, pop or best\n"
	    "  --top N           list length (default 10)\n"
	    "  --holdout H       latest ratings hidden per member (default 5)\n"
	    "  --min-ratings M   members with fewer are not evaluated "
	    "(default 10)\n"
	    "  --quiet           no load summary on stderr\n"
	    "Model options apply to the kNN models evaluated.\n%s",
	    cmd_model_help);
}

enum { OPT_DATA = 1, OPT_MODEL, OPT_TOP, OPT_HOLDOUT, OPT_MINR, OPT_QUIET,
    OPT_HELP };

int
cmd_eval(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "holdout", required_argument, NULL, OPT_HOLDOUT },
		{ "min-ratings", required_argument, NULL, OPT_MINR },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, OPT_HELP },
		CMD_MODEL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const int order[] = { MQ_MODEL_POP, MQ_MODEL_RANDOM,
	    MQ_MODEL_ITEM, MQ_MODEL_USER, CMD_MODEL_BEST };
	struct mq_load_opts lo;
	struct mq_data d;
	struct mq_split s;
	struct cmd_given g;
	struct mq_params p;
	struct mq_buf js = MQ_BUF_INIT;
	const char *dir = NULL;
	long top = 10, holdout = 5, minr = 10;
	int only = -1, c, rc, i, first = 1;

	memset(&g, 0, sizeof(g));
	memset(&d, 0, sizeof(d));
	memset(&s, 0, sizeof(s));
	mq_load_opts_init(&lo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		rc = MQ_OK;
		switch (c) {
		case OPT_HELP:
			usage(stdout);
			return MQ_OK;
		case OPT_DATA:
			dir = optarg;
			break;
		case OPT_MODEL:
			if ((only = cmd_kind_parse(optarg)) < 0) {
				mq_warnx("--model: unknown model '%s'", optarg);
				rc = MQ_EUSAGE;
			}
			break;
		case OPT_TOP:
			rc = cmd_parse_long("top", optarg, 1, 1000, &top);
			break;
		case OPT_HOLDOUT:
			rc = cmd_parse_long("holdout", optarg, 1, 1000, &holdout);
			break;
		case OPT_MINR:
			rc = cmd_parse_long("min-ratings", optarg, 2, 1000000,
			    &minr);
			break;
		case OPT_QUIET:
			lo.quiet = 1;
			break;
		default:
			rc = c < CMD_OPT_K ? MQ_EUSAGE :
			    cmd_given_add(&g, c, optarg);
			break;
		}
		if (rc) {
			usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || dir == NULL) {
		mq_warnx("--data is required");
		usage(stderr);
		return MQ_EUSAGE;
	}
	if ((rc = cmd_load(dir, &lo, NULL, &d)))
		goto out;
	if ((rc = mq_split_latest(&s, &d.R, (uint32_t)holdout,
	    (uint32_t)minr)))
		goto out;

	if (s.nevaluated == 0) {
		mq_warnx("%s: no member has more than %ld ratings and at "
		    "least %ld: nothing to evaluate", dir, holdout, minr);
		rc = MQ_EDATA;
		goto out;
	}
	/* the document is printed whole at the end: never half of it */
	mq_buf_adds(&js, "{\n  \"data\": ");
	mq_esc_jstr(&js, dir);
	mq_buf_printf(&js, ",\n  \"protocol\": {\"holdout\": %ld, "
	    "\"min_ratings\": %ld, \"n\": %ld, \"members\": %u, "
	    "\"evaluated\": %u, \"films\": %u, \"ratings\": %zu, "
	    "\"hidden\": %zu},\n  \"models\": [",
	    holdout, minr, top, d.nusers, s.nevaluated, d.nmovies, d.R.nnz,
	    s.nheld);
	for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++) {
		struct mq_metrics mt;
		double t0, t1, t2, newreach;
		uint32_t nnew = 0;

		if (only >= 0 && order[i] != only)
			continue;
		t0 = cmd_now();
		if (order[i] == CMD_MODEL_BEST) {
			struct mq_best b;
			struct mq_best_params bp;

			cmd_given_best(&g, &bp);
			if ((rc = mq_best_fit(&b, &s.train, &d, &bp)))
				goto out;
			t1 = cmd_now();
			rc = mq_eval_best(&b, &s, d.genres, (uint32_t)top, &mt);
			t2 = cmd_now();
			newreach = mq_best_new_reach(&b);
			nnew = b.nnew;
			mq_best_release(&b);
			if (rc)
				goto out;
			mq_buf_printf(&js, "%s\n    {\"model\": \"best\", "
			    "\"params\": {\"w_item\": %g, \"pop_beta\": %g, "
			    "\"lambda\": %g, \"ncand\": %u, \"discovery\": %d, "
			    "\"new_slot\": %d, \"series\": %d}, ",
			    first ? "" : ",", bp.w_item, bp.pop_beta, bp.lambda,
			    bp.ncand, bp.discovery, bp.newslot, bp.series);
		} else {
			struct mq_model m;

			cmd_given_apply(&g, order[i], &p);
			if ((rc = mq_model_fit(&m, (enum mq_kind)order[i],
			    &s.train, &p)))
				goto out;
			t1 = cmd_now();
			rc = mq_eval_model(&m, &s, d.genres, (uint32_t)top, &mt);
			t2 = cmd_now();
			mq_model_release(&m);
			if (rc)
				goto out;
			mq_buf_printf(&js, "%s\n    {\"model\": \"%s\", "
			    "\"params\": {\"k\": %u, \"sim\": \"%s\", "
			    "\"shrink\": %g, \"min_overlap\": %u, \"alpha\": %g, "
			    "\"recency\": %g, \"liked\": %g}, ",
			    first ? "" : ",", mq_kind_name[order[i]], p.k,
			    mq_sim_name[p.sim], p.shrink, p.min_overlap, p.alpha,
			    p.recency, p.liked);
			newreach = -1;
		}
		mq_buf_printf(&js, "\"fit_seconds\": %.3f, "
		    "\"list_seconds\": %.3f,\n"
		    "     \"ndcg\": %.5f, \"hr\": %.5f, \"precision\": %.5f, "
		    "\"recall\": %.5f, \"mrr\": %.5f,\n"
		    "     \"coverage\": %.5f, \"popularity\": %.2f, "
		    "\"diversity\": %.5f, \"novelty\": %.4f, \"gini\": %.4f,\n"
		    "     \"ndcg_few\": %.5f, \"members_few\": %u, "
		    "\"new_reach_lists\": %.4f",
		    t1 - t0, t2 - t1, mt.ndcg, mt.hr, mt.precision, mt.recall,
		    mt.mrr, mt.coverage, mt.popularity, mt.diversity,
		    mt.novelty, mt.gini, mt.ndcg_few, mt.members_few,
		    mt.new_reach);
		if (newreach >= 0)
			mq_buf_printf(&js, ", \"new_films\": %u, "
			    "\"new_reach\": %.4f", nnew, newreach);
		mq_buf_addc(&js, '}');
		first = 0;
	}
	mq_buf_adds(&js, "\n  ]\n}\n");
	if ((rc = mq_buf_ok(&js)))
		goto out;
	if (fwrite(js.s, 1, js.len, stdout) != js.len || fflush(stdout) == EOF ||
	    ferror(stdout)) {
		mq_warn("stdout");
		rc = MQ_EIO;
	}
out:
	mq_buf_release(&js);
	mq_split_release(&s);
	mq_data_release(&d);
	return rc;
}
