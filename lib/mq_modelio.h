/*
 * mq_modelio.h - the fitted neighbour models, saved between nights.
 *
 * Retraining (recomputing the neighbours) happens after enough new
 * ratings or days (the nightly run's rule); in between, the members'
 * lists are refreshed every night from the saved neighbours and today's
 * ratings.  The file keeps raw movieIds and userIds, so it maps onto a
 * data set that has grown since: films and members new since the
 * training have no neighbours yet, and neighbours that left are dropped.
 */
#ifndef MQ_MODELIO_H
#define MQ_MODELIO_H

#include <stdint.h>

#include "mq_data.h"
#include "mq_model.h"

struct mq_modelio_meta {
	uint32_t trained_date;	/* YYYYMMDD */
	uint64_t trained_seq;	/* the store's counter the training saw */
	uint32_t k_item, k_user;
};

/*
 * Save the film and member neighbours of data set d (dense rows of d) to
 * path, atomically.  MQ_OK, MQ_EIO or MQ_ENOMEM.
 */
int mq_modelio_save(const char *path, const struct mq_data *d,
    const struct mq_nbrs *item, const struct mq_nbrs *user,
    const struct mq_modelio_meta *meta);

/*
 * Load path onto data set d: item gets d->nmovies rows, user d->nusers.
 * MQ_OK; MQ_EIO when it cannot be read (a missing file: errno ENOENT);
 * MQ_EDATA when it is damaged (message names it); MQ_ENOMEM.
 */
int mq_modelio_load(const char *path, const struct mq_data *d,
    struct mq_nbrs *item, struct mq_nbrs *user,
    struct mq_modelio_meta *meta);

#endif /* MQ_MODELIO_H */
