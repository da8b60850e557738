/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image config `commit` makes of a container's: its image's config
 * with what docker keeps of the container's own settings, then the
 * --change instructions.
 */
#ifndef CUBO_MGR_BUILDER_COMMIT_H
#define CUBO_MGR_BUILDER_COMMIT_H

#include <stdbool.h>

#include "cubo-mgr/builder/stage.h"

/* The container's settings as it was made (its config.json and record). */
struct commit_settings {
	char *const *env;	 /* process.env */
	char *const *args;	 /* process.args, the --init prefix included */
	const char *cwd;	 /* process.cwd */
	const char *user;	 /* -u as given; NULL: the image's */
	char *const *labels;	 /* "key=value": the image's and --label */
	const char *stop_signal; /* NULL: the image's */
};

/*
 * Into st (on the container's image config): Env (less HOSTNAME, which
 * every container gets its own of), Cmd (Entrypoint kept when args start
 * with it, else cleared: args are the whole command), WorkingDir, User,
 * Labels and StopSignal.
 */
void commit_settings_apply(struct build_stage *st, const struct commit_settings *cs,
			   const char *init_path);

/*
 * Apply one --change: a Cubofile instruction of those docker allows (CMD,
 * ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR), parsed by the
 * Cubofile parser. Errors name the change.
 */
struct cubo_error *commit_change_apply(struct build_stage *st, const char *change);

#endif
