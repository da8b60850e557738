/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File helpers. Every state write goes through cubo_write_file_atomic, or
 * cubo_write_file_replace where a power cut makes the state moot anyway.
 */
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
 * The same temp file and rename, without the two fsyncs: readers still see
 * the old or the new content, never a torn one, but after a power cut the
 * file may hold either, or be empty. For state that cannot outlive a reboot
 * (the runtime's under /run, a pid file) or that its reader rebuilds or
 * drops when damaged; never for data a user would lose. The fsyncs cost a
 * disk flush each, 0.5 to 2 ms on the machines we measured.
 */
struct cubo_error *cubo_write_file_replace(const char *path, const void *data, size_t len,
					   mode_t mode);
struct cubo_error *cubo_write_file_replace_at(int dirfd, const char *name, const void *data,
					      size_t len, mode_t mode);
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
/*
 * Make a directory of a few small files written with cubo_write_file_replace
 * durable in one go: start the writeback of every regular file, then fsync
 * each and the directory. For a private directory about to be renamed into
 * place, where a temp-file-and-fsync per file would cost twice the flushes.
 */
#define FSYNC_DIR_MAX_FILES 64
struct cubo_error *cubo_fsync_dir_files(const char *dir);
/* Read a whole file; *out is NUL-terminated (len excludes the NUL). */
struct cubo_error *cubo_read_file(const char *path, char **out, size_t *len);
/*
 * What a child said on a pipe: read fd until EOF, an error, or cap - 1
 * bytes, into buf, NUL-terminated. Returns the length.
 */
size_t cubo_read_until_eof(int fd, char *buf, size_t cap);
struct cubo_error *cubo_read_file_at(int dirfd, const char *name, char **out, size_t *len);
/*
 * A file a user names (a profile, a compose or env file): a regular file (a FIFO is
 * refused without waiting for a writer, a device or /dev/zero without reading it) of at
 * most max bytes, the size read counting (it may grow meanwhile). *out is
 * NUL-terminated. Errors: "open PATH" (with errno), "PATH: not a regular file",
 * "PATH: larger than MAX bytes".
 */
struct cubo_error *cubo_read_regular_file(const char *path, size_t max, char **out, size_t *len);
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
