/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One stage of a build while it runs: the image it has made so far (config,
 * layers, history), the ARGs in scope, the SHELL, and the cache key of
 * everything up to here. The config-only instructions are applied here,
 * without touching any file: ENV, ARG, LABEL, WORKDIR, USER, STOPSIGNAL,
 * EXPOSE, VOLUME, CMD, ENTRYPOINT, SHELL, ONBUILD.
 */
#ifndef CUBO_MGR_BUILDER_STAGE_H
#define CUBO_MGR_BUILDER_STAGE_H

#include <stdbool.h>

#include "cubo-mgr/builder/instr.h"
#include "shared/digest.h"
#include "spec/image.h"

struct build_stage {
	char *name;			 /* AS name; NULL without one */
	struct oci_image_config *config; /* config->config is never NULL */
	struct oci_descriptor *layers;	 /* what the manifest will list */
	size_t n_layers;
	char **chain;		       /* chain IDs of the layers, NULL-terminated */
	char **args;		       /* ARGs in scope, "K=V" (no value: not listed) */
	char **shell;		       /* SHELL; NULL: /bin/sh -c */
	bool cmd_set;		       /* CMD given in this stage */
	char key[CUBO_DIGEST_LEN + 1]; /* cache key of the steps so far */
	char created[40];	       /* time of the last step */
};

void build_stage_free(struct build_stage *st); /* the members; NULL is fine */

/* A new stage on top of base (copied; NULL: scratch). */
void build_stage_init(struct build_stage *st, const struct oci_image_config *base);
/* Copy of a whole stage (FROM an earlier stage). */
void build_stage_copy(const struct build_stage *src, struct build_stage *dst);

/* The variables $X expands to: the ARGs, then the ENVs (ENV wins). Free with cubo_strv_free. */
char **build_stage_vars(const struct build_stage *st);

/* Expand word with the stage's variables. */
struct cubo_error *build_stage_expand(const struct build_stage *st, const char *word, char **out);

/* The argv of a shell form: SHELL (or /bin/sh -c) + the command line. */
char **build_stage_shell_argv(const struct build_stage *st, const char *cmdline);

/*
 * The ARGs' values as RUN sees them: those not set by an ENV. Free with
 * cubo_strv_free.
 */
char **build_stage_run_env(const struct build_stage *st);

/*
 * Apply a config-only instruction. build_args: --build-arg values
 * ("K=V"); the names an ARG consumed are added to *used (may be NULL).
 * Errors name the instruction ("EXPOSE 99999: bad port").
 */
struct cubo_error *build_stage_apply(struct build_stage *st, const struct build_instr *in,
				     char *const *build_args, char ***used);

/*
 * The base's ONBUILD triggers, taken out of the stage's config (docker:
 * they run once, in the build FROM the image, and the new image has none
 * but its own). NULL-terminated or NULL; free with cubo_strv_free.
 */
char **build_stage_take_onbuild(struct build_stage *st);

/* True for the instructions build_stage_apply takes. */
bool build_op_is_config(enum build_op op);

/* Set a label as LABEL does, value as it is (no $ expansion). */
void build_stage_label(struct build_stage *st, const char *key, const char *value);

/* Add a history entry. */
void build_stage_history(struct build_stage *st, const char *created_by, bool empty_layer);

#endif
