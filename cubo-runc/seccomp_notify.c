/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handing a seccomp notification fd to the supervisor at listenerPath, as
 * the runtime spec's containerProcessState describes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "shared/fdpass.h"
#include "cubo-runc/seccomp.h"
#include "cubo-runc/sync.h"
#include "shared/json.h"

struct cubo_error *seccomp_notify_message(const char *oci_version, pid_t pid, const char *metadata,
					  const char *state_json, char **out, size_t *len)
{
	yajl_val state;
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_parse(state_json, strlen(state_json), "state", &state));
	struct cubo_error *err = cubo_json_gen_new(false, &g);
	if (err) {
		yajl_tree_free(state);
		return err;
	}
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "ociVersion");
	cubo_json_gen_string(g, oci_version ? oci_version : "1.2.0");
	cubo_json_gen_key(g, "fds");
	cubo_json_gen_array_open(g);
	cubo_json_gen_string(g, "seccompFd");
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "pid");
	cubo_json_gen_int(g, pid);
	if (metadata) {
		cubo_json_gen_key(g, "metadata");
		cubo_json_gen_string(g, metadata);
	}
	cubo_json_gen_key(g, "state");
	cubo_json_gen_value(g, state);
	cubo_json_gen_map_close(g);
	yajl_tree_free(state);
	return cubo_json_gen_finish(g, out, len);
}

struct cubo_error *seccomp_notify_send(const char *listener_path, const char *message, size_t len,
				       int fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(listener_path) >= sizeof(sa.sun_path))
		return cubo_error_new("linux.seccomp.listenerPath \"%s\": too long for a socket",
				      listener_path);
	strcpy(sa.sun_path, listener_path);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return cubo_error_errno("linux.seccomp.listenerPath: socket");
	struct cubo_error *err = NULL;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = cubo_error_errno("linux.seccomp.listenerPath: connect to %s", listener_path);
	else
		err = fdpass_send(sock, fd, message, len);
	close(sock);
	return err ? cubo_error_wrap(err, "seccomp notification listener") : NULL;
}

struct cubo_error *seccomp_notify_forward(int sync_fd, const struct oci_seccomp *sc,
					  const char *oci_version, pid_t pid,
					  const char *state_json)
{
	char *msg = NULL;
	size_t len = 0;
	int fd = -1;
	struct cubo_error *err = sync_recv_fd(sync_fd, &fd);
	if (!err)
		err = seccomp_notify_message(oci_version, pid, sc->listener_metadata, state_json,
					     &msg, &len);
	if (!err)
		err = seccomp_notify_send(sc->listener_path, msg, len, fd);
	if (fd >= 0)
		close(fd);
	free(msg);
	return err;
}
