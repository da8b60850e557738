/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/image_view.h"
#include "shared/filter.h"
#include "shared/strv.h"
#include "shared/json.h"
#include "shared/xalloc.h"

void image_name_split(const char *full, char **repository, char **tag)
{
	struct image_ref r;
	struct cubo_error *err = full ? image_ref_parse(full, NULL, &r) : NULL;
	if (!full || err) {
		cubo_error_free(err);
		*repository = xstrdup(full ? full : "<none>");
		*tag = xstrdup("<none>");
		return;
	}
	char *saved_tag = r.tag, *saved_digest = r.digest;
	r.tag = r.digest = NULL;
	*repository = image_ref_familiar(&r);
	*tag = xstrdup(saved_tag ? saved_tag : "<none>");
	r.tag = saved_tag;
	r.digest = saved_digest;
	image_ref_free(&r);
}

time_t image_parse_time(const char *s)
{
	struct tm tm = {0};
	const char *p;
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	long offset = 0;
	if (*p == '+' || *p == '-') {
		int h, m;
		if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2)
			return -1;
		offset = (h * 3600L + m * 60L) * (*p == '-' ? -1 : 1);
	} else if (*p != 'Z' && *p != 'z') {
		return -1;
	}
	return timegm(&tm) - offset;
}

void human_duration(time_t d, char *buf, size_t size)
{
	if (d < 1)
		snprintf(buf, size, "Less than a second");
	else if (d == 1)
		snprintf(buf, size, "1 second");
	else if (d < 60)
		snprintf(buf, size, "%ld seconds", (long)d);
	else if (d < 120)
		snprintf(buf, size, "About a minute");
	else if (d < 3600)
		snprintf(buf, size, "%ld minutes", (long)d / 60);
	else if (d < 7200)
		snprintf(buf, size, "About an hour");
	else if (d < 48 * 3600)
		snprintf(buf, size, "%ld hours", (long)d / 3600);
	else if (d < 14 * 86400)
		snprintf(buf, size, "%ld days", (long)d / 86400);
	else if (d < 60 * 86400)
		snprintf(buf, size, "%ld weeks", (long)d / (7 * 86400));
	else if (d < 2 * 365 * 86400)
		snprintf(buf, size, "%ld months", (long)d / (30 * 86400));
	else
		snprintf(buf, size, "%ld years", (long)d / (365 * 86400));
}

void image_docker_time(const char *rfc3339, char *buf, size_t size)
{
	time_t t = image_parse_time(rfc3339);
	struct tm tm;
	if (t < 0 || !localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm))
		snprintf(buf, size, "%s", rfc3339 ? rfc3339 : "");
}

void image_human_age(const char *rfc3339, time_t now, char *buf, size_t size)
{
	time_t t = image_parse_time(rfc3339);
	if (t < 0) {
		snprintf(buf, size, "N/A");
		return;
	}
	char d[32];
	human_duration(now - t, d, sizeof(d));
	snprintf(buf, size, "%s ago", d);
}

struct cubo_error *image_rows(struct store *s, struct image_row **out, size_t *n)
{
	struct store_image *imgs;
	size_t count;
	CUBO_TRY(store_image_list(s, &imgs, &count));
	struct image_row *rows = xcalloc(count ? count : 1, sizeof(*rows));
	struct cubo_error *err = NULL;
	size_t k = 0;
	for (size_t i = 0; !err && i < count; i++) {
		if (imgs[i].summarized) {
			struct image_row *r = &rows[k++];
			image_name_split(imgs[i].name, &r->repository, &r->tag);
			memcpy(r->id, imgs[i].id, sizeof(r->id));
			memcpy(r->manifest, imgs[i].manifest.digest, sizeof(r->manifest));
			r->created = xstrdup(imgs[i].created);
			r->size = imgs[i].size;
			continue;
		}
		struct oci_manifest *m;
		struct oci_image_config *c;
		if ((err = store_image_load(s, &imgs[i].manifest, &m, &c)))
			break;
		struct image_row *r = &rows[k++];
		image_name_split(imgs[i].name, &r->repository, &r->tag);
		memcpy(r->id, m->config.digest, sizeof(r->id));
		memcpy(r->manifest, imgs[i].manifest.digest, sizeof(r->manifest));
		r->created = xstrdup(c->created);
		r->size = (uint64_t)m->config.size;
		for (size_t l = 0; l < m->n_layers; l++)
			r->size += (uint64_t)m->layers[l].size;
		oci_manifest_free(m);
		oci_image_config_free(c);
	}
	store_images_free(imgs, count);
	if (err) {
		image_rows_free(rows, k);
		return err;
	}
	*out = rows;
	*n = k;
	return NULL;
}

void image_rows_free(struct image_row *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].repository);
		free(v[i].tag);
		free(v[i].created);
	}
	free(v);
}

struct cubo_error *image_users_list(const char *root, struct image_users *u)
{
	memset(u, 0, sizeof(*u));
	struct ctr_store cs;
	CUBO_TRY(ctr_store_open(root, &cs));
	struct ctr_record *v;
	size_t n, ni = 0, nc = 0;
	struct cubo_error *err = ctr_store_list(&cs, &v, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (!v[i].image_id || cubo_strv_contains(u->image_ids, v[i].image_id))
			continue;
		cubo_strv_push(&u->image_ids, &ni, v[i].image_id);
		cubo_strv_push(&u->containers, &nc, v[i].name ? v[i].name : v[i].id);
	}
	if (!err)
		ctr_records_free(v, n);
	ctr_store_close(&cs);
	return err;
}

void image_users_free(struct image_users *u)
{
	cubo_strv_free(u->image_ids);
	cubo_strv_free(u->containers);
}

/* The container using an image, or NULL. */
const char *image_user_of(const struct image_users *u, const char *image_id)
{
	for (size_t i = 0; u->image_ids && u->image_ids[i]; i++)
		if (!strcmp(u->image_ids[i], image_id))
			return u->containers[i];
	return NULL;
}

const char *image_short_id(const char *digest)
{
	static _Thread_local char buf[13];
	snprintf(buf, sizeof(buf), "%.12s", strchr(digest, ':') ? strchr(digest, ':') + 1 : digest);
	return buf;
}

char **image_labels(struct store *s, const char *config_digest)
{
	char *data;
	size_t len;
	struct oci_image_config *c;
	char **out = NULL;
	size_t k = 0;
	struct cubo_error *err = store_blob_read(s, config_digest, 16 << 20, &data, &len);
	if (!err) {
		err = oci_image_config_parse(data, len, config_digest, &c);
		free(data);
	}
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	for (size_t i = 0; c->config && i < c->config->labels.n; i++) {
		char *kv = xasprintf("%s=%s", c->config->labels.v[i].key,
				     c->config->labels.v[i].value);
		cubo_strv_push(&out, &k, kv);
		free(kv);
	}
	oci_image_config_free(c);
	return out;
}

struct prune_item {
	time_t created;
	char *const *labels;
};

bool filter_until(const char *value, time_t created)
{
	int64_t until;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!log_time_arg(value, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, &until))
		return false;
	return created >= 0 && (int64_t)created * 1000000000 < until;
}

static bool prune_filter(const char *key, const char *value, void *item)
{
	const struct prune_item *it = item;
	if (!strcmp(key, "label"))
		return cubo_filter_label(it->labels, value);
	return filter_until(value, it->created);
}

struct cubo_error *prune_filter_check(char *const *filters)
{
	static const char *const keys[] = {"until", "label", NULL};
	CUBO_TRY(cubo_filter_check(filters, keys));
	return filter_until_check(filters);
}

struct cubo_error *filter_until_check(char *const *filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		int64_t ns;
		if (!strncmp(filters[i], "until=", 6) && !log_time_arg(filters[i] + 6, 0, &ns))
			return cubo_error_new(
				"invalid filter '%s': expected a time (RFC 3339, unix "
				"seconds) or a duration (10m, 24h)",
				filters[i]);
	}
	return NULL;
}

bool prune_filter_match(char *const *filters, const char *created, char *const *labels)
{
	struct prune_item it = {created ? image_parse_time(created) : -1, labels};
	return cubo_filter_match(filters, prune_filter, &it);
}
