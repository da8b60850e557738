/* SPDX-License-Identifier: Apache-2.0 */
/* File helpers. Every state write goes through cubo_write_file_atomic. */
#ifndef CUBO_SHARED_FS_H
#define CUBO_SHARED_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/error.h"

/*
 * Write data to path atomically: a temp file in the same directory, fsync,
 * rename over path, fsync the directory. Readers see the old or the new
 * content, never a torn one; a crash leaves at worst a ".tmp-*" file.
 */
struct cubo_error *cubo_write_file_atomic(const char *path, const void *data, size_t len,
					  mode_t mode);
/* Same, relative to a directory fd. */
struct cubo_error *cubo_write_file_atomic_at(int dirfd, const char *name, const void *data,
					     size_t len, mode_t mode);
/*
 * Atomic (temp file + rename) but not durable: no fsync. For files whose
 * content means nothing after a reboot (what a running container's network
 * holds, its hosts file): a crash of the writer still leaves the old or the
 * new content, and a start is spared two fsyncs per file.
 */
struct cubo_error *cubo_replace_file(const char *path, const void *data, size_t len, mode_t mode);
/*
 * Make a tree written with plain writes durable (an extracted layer, a
 * copied rootfs) before it is renamed into place or marked done: one
 * syncfs of the filesystem holding path, far cheaper than an fsync per file
 * of a tree of thousands.
 */
struct cubo_error *cubo_sync_tree(const char *path);
/*
 * A file of a tree that cubo_sync_tree will make durable has just been
 * written: when it is big, start writing it to the disk now, without
 * waiting, so that the tree's syncfs finds little left to do. Best effort.
 */
void cubo_writeback_start(int fd, off_t size);
/* fsync a directory, so that a rename into it or an entry made in it survives a crash. */
struct cubo_error *cubo_fsync_dir(const char *dir);
/* Read a whole file; *out is NUL-terminated (len excludes the NUL). */
struct cubo_error *cubo_read_file(const char *path, char **out, size_t *len);
/*
 * What a child said on a pipe: read fd until EOF, an error, or cap - 1
 * bytes, into buf, NUL-terminated. Returns the length.
 */
size_t cubo_read_until_eof(int fd, char *buf, size_t cap);
struct cubo_error *cubo_read_file_at(int dirfd, const char *name, char **out, size_t *len);
/* Open path O_WRONLY|O_TRUNC (no create) and write data: for /proc and /sys knobs. */
struct cubo_error *cubo_write_existing(const char *path, const char *data, size_t len);
/* mkdir -p; existing directories are fine, an existing non-directory is an error. */
struct cubo_error *cubo_mkdir_p(const char *path, mode_t mode);
/*
 * Remove a tree without crossing mount points or following symlinks
 * (a state directory, a rootfs copy). A missing path is not an error.
 */
struct cubo_error *cubo_rm_rf(const char *path);
/* Absolute, normalized path of an existing file (realpath with an error). */
struct cubo_error *cubo_realpath(const char *path, char **out);
/* Join two path parts with one '/' between them; never fails (aborts on OOM). */
char *cubo_path_join(const char *a, const char *b);
bool cubo_path_exists(const char *path);
/* Whether the directory open at dirfd has no entries (an unreadable one counts as not empty). */
bool cubo_dir_is_empty(int dirfd);
/* mountinfo's escapes (space, tab, newline, backslash as \ooo) undone, in place. */
void cubo_unescape_octal(char *s);
/* The rest of in into out: copy_file_range, else read and write. */
struct cubo_error *cubo_copy_fd(int in, int out);
/* Make a symlink dname in ddir with the target of the one sname in sdir. */
struct cubo_error *cubo_copy_symlink(int sdir, const char *sname, int ddir, const char *dname);
/* digits random lowercase hex digits and a NUL into out (IDs and names, not secrets). */
struct cubo_error *cubo_random_hex(char *out, size_t digits);

#endif
