/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extracted layers reach the disk after the command that made them: the
 * "unsynced" marks and the background sync. See "Durable layers" in store.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/image/store_priv.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/testpoint.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

void store_boot_id_read(char out[STORE_BOOT_ID_LEN])
{
	out[0] = '\0';
	int fd = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, out, STORE_BOOT_ID_LEN - 1);
	close(fd);
	/* a UUID: 36 characters and a newline */
	if (n < 36) {
		out[0] = '\0';
		return;
	}
	out[36] = '\0';
}

static char *mark_path(const char *root, const char *chain_id)
{
	char *dir = cubo_path_join(root, STORE_UNSYNCED_DIR);
	char *p = store_hex_path(dir, chain_id, NULL);
	free(dir);
	return p;
}

enum mark { MARK_NONE, MARK_THIS_BOOT, MARK_OTHER_BOOT };

/*
 * What the layer's mark says. No mark: the layer is on the disk. A mark
 * that cannot be read whole (its data lost to the power cut that made it
 * matter) is another boot's.
 */
static enum mark mark_read(const char *path, const char *boot_id)
{
	char buf[STORE_BOOT_ID_LEN] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? MARK_NONE : MARK_OTHER_BOOT;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 36)
		return MARK_OTHER_BOOT;
	buf[36] = '\0';
	return strcmp(buf, boot_id) ? MARK_OTHER_BOOT : MARK_THIS_BOOT;
}

/* Without a boot ID (boot ""), every layer was synced before its commit. */
static bool stale_in(const char *root, const char *boot_id, const char *chain_id)
{
	if (!boot_id[0])
		return false;
	char *p = mark_path(root, chain_id);
	bool stale = p && mark_read(p, boot_id) == MARK_OTHER_BOOT;
	free(p);
	return stale;
}

bool store_layer_stale_at(const char *root, const char *chain_id)
{
	char boot[STORE_BOOT_ID_LEN];
	store_boot_id_read(boot);
	return stale_in(root, boot, chain_id);
}

bool store_layer_stale(struct store *s, const char *chain_id)
{
	return stale_in(s->root, s->boot_id, chain_id);
}

void store_layer_unmark(struct store *s, const char *chain_id)
{
	char *p = mark_path(s->root, chain_id);
	if (p)
		unlink(p);
	free(p);
}

struct cubo_error *store_layer_mark_unsynced(struct store *s, const char *chain_id)
{
	if (!s->boot_id[0])
		return NULL;
	char *p = mark_path(s->root, chain_id);
	if (!p)
		return cubo_error_new("layer \"%s\": not a chain ID", chain_id);
	struct cubo_error *err = NULL;
	/* durable before the layer's rename can be: fsync'd file and directory */
	if (mark_read(p, s->boot_id) != MARK_THIS_BOOT)
		err = cubo_write_file_atomic(p, s->boot_id, strlen(s->boot_id), 0600);
	free(p);
	if (!err)
		atomic_store(&s->marked_unsynced, true);
	return err ? cubo_error_wrap(err, "layer %s", chain_id) : NULL;
}

/*
 * The marks of this boot whose layer is committed: all its files were
 * written before its rename, so a syncfs started after this look covers
 * them, whoever committed them (also a command whose own sync was killed).
 * A layer still being extracted has its mark but no directory yet.
 */
static char **committed_marks(struct store *s)
{
	char *dir = cubo_path_join(s->root, STORE_UNSYNCED_DIR);
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char digest[CUBO_DIGEST_LEN + 1];
		if (snprintf(digest, sizeof(digest), "sha256:%s", e->d_name) != CUBO_DIGEST_LEN ||
		    !cubo_digest_valid(digest))
			continue;
		char *mark = cubo_path_join(dir, e->d_name);
		char *layer = store_layer_path(s, digest);
		struct stat st;
		if (mark_read(mark, s->boot_id) == MARK_THIS_BOOT && layer &&
		    lstat(layer, &st) == 0 && S_ISDIR(st.st_mode))
			cubo_strv_push(&v, &n, digest);
		free(layer);
		free(mark);
	}
	if (d)
		closedir(d);
	free(dir);
	return v;
}

/* One syncfs for the store's filesystem, then the marks it made true go. */
static void sync_and_unmark(struct store *s)
{
	char **marks = committed_marks(s);
	int fd = open(s->layers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* on failure the marks stay: after a reboot the layers are extracted again */
	if (fd >= 0 && syncfs(fd) == 0) {
		cubo_test_point("layer-sync-before-unmark");
		for (size_t i = 0; marks && marks[i]; i++)
			store_layer_unmark(s, marks[i]);
	}
	if (fd >= 0)
		close(fd);
	cubo_strv_free(marks);
}

/*
 * The syncer: a grandchild (nobody has to reap it), in a session of its own
 * (the terminal's signals are the command's). It holds gc.lock shared, so
 * a collection cannot remove a layer and let another command extract and
 * mark it again before this one removes the mark; the command learns that
 * it holds it before giving up its own.
 */
static _Noreturn void syncer_main(struct store *s, int ready)
{
	if (fork() != 0)
		_exit(0);
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/*
	 * Nothing of the command's: a pipe held open here would keep a shell's
	 * $(cubo pull ...) waiting for the sync.
	 */
	int high = fcntl(ready, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; null >= 0 && fd < 3; fd++)
		dup2(null, fd);
	if (high < 0)
		_exit(1);
	if (high != 3 && dup3(high, 3, O_CLOEXEC) < 0)
		_exit(1);
	ready = 3;
	close_range(4, ~0U, 0);
	int lock = -1;
	struct cubo_error *err = store_lock(s, "gc", NULL, false, &lock);
	(void)!write(ready, err ? "F" : "U", 1);
	close(ready);
	if (!err)
		sync_and_unmark(s);
	cubo_error_free(err);
	_exit(0);
}

void store_sync_later(struct store *s)
{
	if (!atomic_load(&s->marked_unsynced))
		return;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return; /* the marks stay: extracted again after a reboot */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		syncer_main(s, p[1]);
	}
	close(p[1]);
	if (pid > 0) {
		char c;
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(p[0]);
}

void store_sync_now(struct store *s)
{
	sync_and_unmark(s);
	atomic_store(&s->marked_unsynced, false);
}
