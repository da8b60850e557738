/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime binary through a private overlayfs, CVE-2019-5736's defence
 * without a copy. An overlay made of two lower layers and no upper one has
 * a read-only superblock that no remount can make writable, and overlayfs
 * clones its lower layers as private read-only mounts: no name a process
 * can reach (the file, /proc/PID/exe, /proc/PID/map_files, an fd held and
 * reopened later) opens the host's binary for writing. The mount is never
 * attached anywhere: the exec that runs from it is its only holder.
 */
#ifndef CUBO_RUNC_EXE_OVERLAY_H
#define CUBO_RUNC_EXE_OVERLAY_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * The environment variable through which exe_overlay_exec tells the program
 * it executes the pid of the child that dissolves the overlay's mount, and
 * the most variables it copies to add it.
 */
#define EXE_OVERLAY_DISSOLVER_ENV "CUBO_RUNC_DISSOLVER"
#define EXE_OVERLAY_ENV_MAX 4096

enum exe_overlay_kind {
	EXE_NOT_OVERLAY,     /* not on a read-only overlayfs */
	EXE_PRIVATE_OVERLAY, /* on a read-only overlayfs that no mount namespace holds */
	EXE_OTHER_OVERLAY,   /* on a read-only overlayfs in reach (or unproven): not ours */
};

/* Where the running binary (fd: /proc/self/exe opened) comes from. */
enum exe_overlay_kind exe_overlay_kind(int fd);

/*
 * Executes the running binary again, with argv and envp, through a new
 * detached overlay of its directory; returns when this kernel, these
 * privileges or that filesystem do not allow one. Safe to call before the
 * C library has started (it calls none of it).
 */
void exe_overlay_exec(char **argv, char **envp);

/*
 * The overlay's "lowerdir" for the binary at path into out
 * (EXE_OVERLAY_LOWERDIR_MAX bytes): path's directory ("/" for a file in the
 * root) with overlayfs's layer separator and escape character escaped, then
 * the second layer. Returns the file's name within path, or NULL when path
 * is not absolute or names no file.
 */
#define EXE_OVERLAY_LOWERDIR_MAX (2 * 4096 + 8)
const char *exe_overlay_lowerdir(const char *path, char *out);

/*
 * Whether exe_overlay_exec is worth a try: false for a binary already on
 * an overlay or in memory (a copy), which cloned_binary_ensure judges.
 * Safe before the C library has started.
 */
bool exe_overlay_worth_trying(void);

/*
 * The dissolving child exe_overlay_exec left (its variable taken out of the
 * environment): its pid when it is this process's child, else 0. Call it
 * before making any child.
 */
pid_t exe_overlay_take_dissolver(void);
/* Wait for that child (its wait is an RCU grace period at most); 0: nothing. */
void exe_overlay_reap(pid_t pid);

#endif
