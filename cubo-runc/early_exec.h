/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The static runtime's entry point (early_exec.c): create, run and exec
 * execute the binary again through a private overlay before the C library
 * starts, so that it starts once.
 */
#ifndef CUBO_RUNC_EARLY_EXEC_H
#define CUBO_RUNC_EARLY_EXEC_H

#include <stdbool.h>

/*
 * Is argv's command create, run or exec (and no --help)? Read as main
 * reads it, with the global options that take a value skipped; a wrong
 * answer costs an exec or leaves the re-exec to main, nothing else.
 */
bool early_exec_wanted(int argc, char **argv);

#endif
