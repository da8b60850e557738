/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The files of a rotated container log (logfile.h), opened together:
 * ctr.log.N ... ctr.log.1, ctr.log, oldest first. The monitor may rotate
 * while they are opened: a file seen twice (by its inode) means names moved
 * under us, and the set is opened again.
 */
#ifndef CUBO_MGR_CONTAINER_LOGSET_H
#define CUBO_MGR_CONTAINER_LOGSET_H

#include <stddef.h>
#include <sys/types.h>

#include "shared/error.h"

struct log_file {
	int fd;
	dev_t dev;
	ino_t ino;
};

/* *n is 0 when path does not exist. */
struct cubo_error *log_set_open(const char *path, struct log_file **out, size_t *n);
void log_set_close(struct log_file *v, size_t n);
/* The index of the file with that identity, or n. */
size_t log_set_find(const struct log_file *v, size_t n, dev_t dev, ino_t ino);

#endif
