/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compose file as a tree of YAML nodes, each with the file and line it came
 * from, so that every error of the loader can say `FILE:LINE: services.web.ports[1]: ...`.
 *
 * Scalars stay text (compose interpolates them before typing); a mapping keeps
 * its keys in file order. Anchors and aliases are expanded into copies, and
 * `<<` merge keys applied, with a bound on the nodes made: a few lines of
 * aliases (a "billion laughs") fail cleanly instead of eating the memory.
 */
#ifndef CUBO_MGR_COMPOSE_CTREE_H
#define CUBO_MGR_COMPOSE_CTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

/* The most nodes one file may expand into, aliases counted as copies. */
#define CTREE_MAX_NODES 200000
/* The longest key: even with every byte escaped it fits a YAML implicit key (1024). */
#define CTREE_MAX_KEY 200
/* The deepest nesting a file may have. */
#define CTREE_MAX_DEPTH 64

enum ctree_kind { CTREE_SCALAR, CTREE_MAP, CTREE_SEQ };

struct cnode {
	enum ctree_kind kind;
	const char *file; /* the file's name, shared by its nodes (owned by the caller) */
	unsigned line;	  /* 1-based */
	bool plain;	  /* a plain (unquoted) scalar: may be null, a bool or a number */
	char *str;	  /* CTREE_SCALAR */
	size_t n;	  /* CTREE_MAP / CTREE_SEQ: number of members */
	char **keys;	  /* CTREE_MAP: n keys */
	struct cnode **v; /* n values (members of a sequence) */
};

/*
 * Parse one YAML document (an empty file is an empty mapping). file names it in errors
 * and in the nodes (it must outlive them).
 */
struct cubo_error *ctree_load(const char *text, size_t len, const char *file, struct cnode **out);
void ctree_free(struct cnode *n);
struct cnode *ctree_copy(const struct cnode *n);

struct cnode *ctree_scalar(const char *file, unsigned line, const char *s, bool plain);
struct cnode *ctree_new(enum ctree_kind kind, const char *file, unsigned line);
/* Append (a sequence: key NULL) or set a member, taking v; a map's existing key is replaced. */
void ctree_set(struct cnode *map, const char *key, struct cnode *v);
void ctree_push(struct cnode *seq, struct cnode *v);
/* Remove and free a map's member; nothing when it is absent. */
void ctree_del(struct cnode *map, const char *key);

/* A map's member, or NULL (also when map is NULL or not a map). */
struct cnode *ctree_get(const struct cnode *map, const char *key);
/* A plain scalar spelling null (null, ~, Null, NULL, nothing). */
bool ctree_is_null(const struct cnode *n);

/* Write as YAML (two-space indent, as docker compose config) or as indented JSON. */
struct cubo_error *ctree_to_yaml(const struct cnode *n, char **out, size_t *len);
struct cubo_error *ctree_to_json(const struct cnode *n, char **out, size_t *len);

/* Where a node is and what it is, for errors: "FILE:LINE: PATH: ". */
struct cpath {
	size_t len;
	char buf[512];
};
void cpath_push_key(struct cpath *p, const char *key);
void cpath_push_index(struct cpath *p, size_t i);
/* Back to a length saved before a push. */
static inline void cpath_pop(struct cpath *p, size_t len)
{
	p->len = len;
	p->buf[len] = 0;
}
/* "FILE:LINE: PATH: message" */
struct cubo_error *cnode_error(const struct cnode *n, const struct cpath *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
