/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The containers under the root directory:
 *
 *   <id>/              one OCI bundle per container (64 hex digits):
 *     config.json        the runtime config the monitor hands to the runtime
 *     state.json         the record (record.h)
 *     rootfs/ upper/ work/  overlay mount point, the container's changes
 *     ctr.log            its output (logfile.h)
 *     hostname hosts resolv.conf  bind-mounted over /etc
 *   .tmp-ctr-<id>/     a container being made; flock'd by its maker
 *   names/<name>       symlink -> <id>: a name is taken by making the link
 *   runc/              the --root given to the runtime (a rootless manager's is
 *                      $XDG_RUNTIME_DIR/cubo/runc-<hash of the root>)
 *   locks/containers.lock  held while names and directories change
 *
 * A container appears whole or not at all: its directory is written under a
 * temp name, then the name link is made and the directory renamed into place
 * while holding containers.lock. Reconciliation (reconcile.c) removes what a
 * killed maker left: temp dirs nobody holds, name links to nothing.
 */
#ifndef CUBO_MGR_CONTAINER_CTR_STORE_H
#define CUBO_MGR_CONTAINER_CTR_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/container/record.h"
#include "cubo-mgr/settings.h"
#include "shared/error.h"

struct ctr_store {
	char *root;	    /* the manager's root directory */
	char *names_dir;    /* <root>/names */
	char *runtime_root; /* <root>/runc; rootless: under $XDG_RUNTIME_DIR/cubo (ctr_store.c) */
	/* what its containers are made and run with; NULL: the defaults (set by the opener) */
	const struct mgr_settings *settings;
};

struct cubo_error *ctr_store_open(const char *root, struct ctr_store *out);
void ctr_store_close(struct ctr_store *s);

/* <root>/<id>; caller frees. */
char *ctr_store_dir(const struct ctr_store *s, const char *id);

/* The store-wide lock: name and directory changes. */
struct cubo_error *ctr_store_lock_all(const struct ctr_store *s, int *fd);
/* One container's lock: read-change-write of its record. */
struct cubo_error *ctr_store_lock(const struct ctr_store *s, const char *id, int *fd);

/* A new random container ID. */
struct cubo_error *ctr_new_id(char id[CTR_ID_LEN + 1]);
/* A name like docker's ("brave_turing"), not in use at the moment of asking. */
struct cubo_error *ctr_store_pick_name(const struct ctr_store *s, char **name);

/*
 * Begin a container: a fresh temp directory, locked, for the caller to fill
 * (config.json, state.json, ...). *tmp_dir is caller-freed; keep *lock_fd
 * open until ctr_store_commit or ctr_store_abort.
 */
struct cubo_error *ctr_store_begin(const struct ctr_store *s, const char *id, char **tmp_dir,
				   int *lock_fd);
/*
 * Take the name and move the temp directory into place. Fails with "the
 * container name "/x" is already in use by container ID" when it is taken,
 * leaving the temp dir for ctr_store_abort. Closes nothing.
 *
 * The caller fills the temp directory with plain (cubo_write_file_replace)
 * writes. durable: the files, the directory, the name and the move are
 * fsync'd before this returns. Not durable (a --rm container): nothing is,
 * and CTR_VOLATILE_MARK goes into the directory, so that what a power cut
 * left of it (an empty or torn state.json) is removed by
 * ctr_reconcile_store rather than kept as a damaged record holding its
 * name.
 */
#define CTR_VOLATILE_MARK "volatile"
struct cubo_error *ctr_store_commit(const struct ctr_store *s, const char *tmp_dir, const char *id,
				    const char *name, bool durable);
void ctr_store_abort(const char *tmp_dir, int lock_fd);

/*
 * Full ID, unique ID prefix, or name -> ID. Errors: "no such container: X",
 * "container ID prefix X is ambiguous".
 */
struct cubo_error *ctr_store_resolve(const struct ctr_store *s, const char *arg,
				     char id[CTR_ID_LEN + 1]);

/* Every container's record, newest first. Unreadable records are skipped with a warning
 * on stderr. */
struct cubo_error *ctr_store_list(const struct ctr_store *s, struct ctr_record **out, size_t *n);
void ctr_records_free(struct ctr_record *v, size_t n);

/*
 * Remove a container that is not running: its name link, then its
 * directory (the record goes first so a kill in between leaves nothing that
 * looks like a container). Takes the store lock.
 */
struct cubo_error *ctr_store_remove(const struct ctr_store *s, const char *id, const char *name);
/*
 * The same in two halves, for a monitor with work left in the directory
 * once the container is gone (the rest of its networks' release): unlist
 * removes the record and frees the name, with *dir_lock (a flock of the
 * directory, taken first) held; remove_dir then removes the directory and
 * releases the lock. A directory without a record whose lock nobody holds
 * (its monitor died in between) is finished by ctr_reconcile_store.
 */
struct cubo_error *ctr_store_unlist(const struct ctr_store *s, const char *id, const char *name,
				    int *dir_lock);
struct cubo_error *ctr_store_remove_dir(const struct ctr_store *s, const char *id, int dir_lock);
/* Whether <dirfd>/<id>, a directory without a record, is held by ctr_store_unlist's caller. */
bool ctr_store_dir_held(int dirfd, const char *id);

/*
 * Give container id the name new_name (docker's rules): taken under the
 * store lock, so of two renames to one name one wins and the other gets
 * "is already in use". The record is rewritten durably; *old_name (caller
 * frees) is the name it had.
 */
struct cubo_error *ctr_store_rename(const struct ctr_store *s, const char *id, const char *new_name,
				    char **old_name);

/*
 * Reconciliation (reconcile.c). A record whose monitor is gone is brought
 * up to date: a container still running without its monitor is killed
 * (nobody would log it or record its exit), the record becomes exited with
 * a finish time and the reason in its error, and a --rm container goes.
 * *removed tells the caller the record is gone.
 */
struct cubo_error *ctr_reconcile_one(const struct ctr_store *s, struct ctr_record *r,
				     bool *removed);
/* Store-wide leftovers of killed commands: temp dirs nobody holds, names of nothing. */
struct cubo_error *ctr_reconcile_store(const struct ctr_store *s);

#endif
