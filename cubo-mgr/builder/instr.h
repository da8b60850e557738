/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a build file says, whichever format it was written in: the text
 * Cubofile (both the BASE and the FROM dialect) and Cubofile.toml (both the
 * [[run]] and the [[config.run]] dialect) parse into this one list, and one
 * executor (builder.c) runs it.
 *
 * Words are kept as written: $VAR / ${VAR} references are expanded by the
 * executor (build_expand), because their values depend on the ARGs and ENVs
 * before them and on --build-arg.
 */
#ifndef CUBO_MGR_BUILDER_INSTR_H
#define CUBO_MGR_BUILDER_INSTR_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"
#include "spec/image.h"

enum build_op {
	BUILD_FROM,	  /* image, stage_name (FROM/BASE image [AS name]) */
	BUILD_RUN,	  /* args, shell_form */
	BUILD_COPY,	  /* sources, dest, from_stage, chown, chmod */
	BUILD_ADD,	  /* sources, dest, chown, chmod: local files, and local tars unpacked */
	BUILD_ENV,	  /* kv (every pair has a value) */
	BUILD_ARG,	  /* kv (has_value: a default was given) */
	BUILD_LABEL,	  /* kv */
	BUILD_WORKDIR,	  /* value */
	BUILD_USER,	  /* value */
	BUILD_STOPSIGNAL, /* value */
	BUILD_EXPOSE,	  /* list ("8080/tcp", "53/udp", "80": the executor adds /tcp) */
	BUILD_VOLUME,	  /* list */
	BUILD_CMD,	  /* args, shell_form */
	BUILD_ENTRYPOINT, /* args, shell_form */
	BUILD_SHELL,	  /* args (JSON form only): the shell of later shell forms */

	BUILD_HEALTHCHECK, /* health: the image's check, or Test ["NONE"] */
	BUILD_ONBUILD,	   /* value: the trigger as one instruction's text ("RUN make") */
};

struct build_kv {
	char *key;
	char *value; /* "" when !has_value */
	bool has_value;
};

struct build_instr {
	enum build_op op;
	int line; /* 1-based line of the build file where the instruction starts */
	/*
	 * The instruction as one line, continuations joined, comments dropped,
	 * the keyword upper-case ("RUN mkdir /a && echo hi > /a/b"): part of
	 * the cache key and the history's created_by. A RUN's heredocs follow
	 * on lines of their own. TOML steps get the text of the equivalent
	 * Cubofile instruction.
	 */
	char *text;

	/* FROM */
	char *image;	  /* reference, a previous stage's name, or "scratch" */
	char *stage_name; /* AS name, lower-cased; NULL without one */

	/* RUN, CMD, ENTRYPOINT, SHELL */
	char **args;	 /* NULL-terminated; shell form: one element, the command line */
	bool shell_form; /* run args[0] with the SHELL (default /bin/sh -c) */

	/* COPY, ADD */
	char **sources;	  /* NULL-terminated, at least one, relative to the context (or stage) */
	char *dest;	  /* as written; a trailing '/' means "into this directory" */
	char *from_stage; /* COPY --from=NAME|INDEX|IMAGE; NULL: the build context */
	char *chown;	  /* --chown=USER[:GROUP]; NULL when absent */
	char *chmod;	  /* --chmod=OCTAL; NULL when absent */

	/* ENV, ARG, LABEL */
	struct build_kv *kv;
	size_t n_kv;

	/* WORKDIR, USER, STOPSIGNAL */
	char *value;

	/* EXPOSE, VOLUME */
	char **list; /* NULL-terminated */

	/* HEALTHCHECK: Test ["CMD", ...], ["CMD-SHELL", line] or ["NONE"]; durations in ns */
	struct oci_healthcheck *health;
};

struct build_file {
	char *path; /* as given, for messages: "Cubofile:3: ..." */
	struct build_instr *v;
	size_t n;
	/* ARGs before the first FROM (usable in FROM lines only), as in docker */
	struct build_kv *global_args;
	size_t n_global_args;
};

void build_file_free(struct build_file *f); /* NULL is fine */
void build_instr_clear(struct build_instr *in);

/*
 * Parse a text Cubofile. path names it in errors, which read
 * "Cubofile:7: unknown instruction \"RUNN\"". Checks: a FROM/BASE first
 * (after global ARGs and comments), every instruction known, arguments
 * present and well-formed (JSON arrays for the exec form, KEY=VALUE pairs),
 * COPY flags known.
 */
struct cubo_error *cubofile_parse(const char *text, size_t len, const char *path,
				  struct build_file **out);

/*
 * One ONBUILD trigger (an image's OnBuild entry, commit -c 'ONBUILD ...',
 * a TOML onbuild entry) parsed as the instruction it is, into *out (clear
 * it with build_instr_clear). Refused: more than one line, ONBUILD,
 * FROM/BASE and MAINTAINER, as docker refuses them. source names it in
 * errors ("image x: ONBUILD trigger 2: ...").
 */
struct cubo_error *cubofile_parse_trigger(const char *trigger, const char *source,
					  struct build_instr *out);

/*
 * Parse a Cubofile.toml (either dialect) into the same list. Errors give
 * "Cubofile.toml:4:12: ..." (line and column), also for TOML syntax errors
 * and for keys the format does not know.
 */
struct cubo_error *cubofile_toml_parse(const char *text, size_t len, const char *path,
				       struct build_file **out);

/*
 * Expand $NAME and ${NAME} (also ${NAME:-default} and ${NAME:+alt}) in word
 * with the values of vars ("KEY=VALUE" entries, the last one of a key
 * wins); \$ is a literal dollar. An unknown name expands to "". Errors:
 * an unterminated "${".
 */
struct cubo_error *build_expand(const char *word, char *const *vars, size_t n_vars, char **out);

#endif
