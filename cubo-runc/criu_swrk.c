/* SPDX-License-Identifier: Apache-2.0 */
/* criu_run_rpc (criu.h): one request to "criu swrk", its notifications answered. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cubo-runc/criu.h"
#include "cubo-runc/criu_rpc.h"
#include "cubo-runc/terminal.h"
#include "shared/fdpass.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define RPC_CONFIG "criu-rpc.conf"
/* criu_resp is small: a notification name, an error message */
#define RESP_MAX 65536

/* The value of option name in argv ("--tree 123"), NULL when absent. */
static const char *arg_value(char **argv, const char *name)
{
	for (size_t i = 2; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* criu's new pty master goes to the console socket, as runc's restore sends it. */
static struct cubo_error *send_master(int master, const char *console_socket)
{
	struct cubo_error *err;
	int sock;

	if (!console_socket)
		return cubo_error_new("criu restored a terminal but no --console-socket was given");
	CUBO_TRY(terminal_connect(console_socket, &sock));
	err = terminal_send_fd(sock, master, "");
	close(sock);
	return err;
}

/* Send the request; answer each notification until criu's answer to it. */
static struct cubo_error *converse(int sk, const struct criu_rpc_req *req,
				   const char *console_socket, bool *failed)
{
	struct criu_rpc_req ack = {.type = CRIU_REQ_NOTIFY, .notify_success = true};
	struct cubo_error *err = NULL;
	char *msg, *buf = xmalloc(RESP_MAX);
	size_t len;

	criu_rpc_encode(req, &msg, &len);
	if (send(sk, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		err = cubo_error_errno("send criu its request");
	free(msg);
	while (!err) {
		struct criu_rpc_resp resp;
		int fd = -1;

		err = fdpass_recv(sk, buf, RESP_MAX, &len, &fd);
		if (!err)
			err = criu_rpc_decode(buf, len, &resp);
		if (err) {
			if (fd >= 0)
				close(fd);
			break;
		}
		if (resp.type == CRIU_REQ_NOTIFY) {
			if (fd >= 0 && resp.script && !strcmp(resp.script, "orphan-pts-master"))
				err = send_master(fd, console_socket);
			if (fd >= 0)
				close(fd);
			ack.notify_success = !err;
			criu_rpc_encode(&ack, &msg, &len);
			if (send(sk, msg, len, MSG_NOSIGNAL) != (ssize_t)len && !err)
				err = cubo_error_errno("answer criu's notification");
			free(msg);
			criu_rpc_resp_free(&resp);
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (resp.type != req->type)
			err = cubo_error_new("criu answered request type %d with type %d",
					     req->type, resp.type);
		*failed = !resp.success;
		criu_rpc_resp_free(&resp);
		break;
	}
	free(buf);
	return err;
}

struct cubo_error *criu_run_rpc(char **argv, const int *keep, int n_keep,
				struct cgroup_entry *entry, const struct cgroup_set *cg,
				pid_t holder, const char *work_dir, const char *log,
				const char *console_socket)
{
	const char *images = arg_value(argv, "--images-dir"), *tree = arg_value(argv, "--tree");
	struct criu_rpc_req req = {.images_dir_fd = -1};
	struct cubo_error *err = NULL, *werr;
	char *conf = NULL, *conf_path, *fdarg, **cargv = NULL;
	int sk[2], *ckeep;
	size_t cn = 0;
	bool failed = false;
	pid_t pid;

	req.type = !strcmp(argv[1], "dump") ? CRIU_REQ_DUMP : CRIU_REQ_RESTORE;
	if (strcmp(argv[1], "dump") && strcmp(argv[1], "restore"))
		return cubo_error_new("criu %s: not through its RPC", argv[1]);
	if (!images)
		return cubo_error_new("criu %s: no --images-dir", argv[1]);
	req.pid = tree ? (pid_t)atoi(tree) : 0;
	if (req.type == CRIU_REQ_DUMP && req.pid <= 0)
		return cubo_error_new("criu dump: no --tree");
	CUBO_TRY(criu_rpc_config(argv, &conf));
	conf_path = cubo_path_join(work_dir, RPC_CONFIG);
	err = cubo_write_file_atomic(conf_path, conf, strlen(conf), 0600);
	free(conf);
	if (err) {
		free(conf_path);
		return cubo_error_wrap(err, "criu's RPC config file");
	}
	req.config_file = conf_path;
	req.images_dir_fd = open(images, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (req.images_dir_fd < 0) {
		err = cubo_error_errno("open %s", images);
		free(conf_path);
		return err;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0) {
		err = cubo_error_errno("socketpair for criu");
		close(req.images_dir_fd);
		free(conf_path);
		return err;
	}
	fdarg = xasprintf("%d", sk[1]);
	cubo_strv_push(&cargv, &cn, argv[0]);
	cubo_strv_push(&cargv, &cn, "swrk");
	cubo_strv_push(&cargv, &cn, fdarg);
	free(fdarg);
	ckeep = xcalloc((size_t)n_keep + 1, sizeof(int));
	memcpy(ckeep, keep, (size_t)n_keep * sizeof(int));
	ckeep[n_keep] = sk[1];
	err = criu_spawn(cargv, ckeep, n_keep + 1, entry, cg, holder, &pid);
	close(sk[1]);
	free(ckeep);
	cubo_strv_free(cargv);
	if (!err) {
		err = converse(sk[0], &req, console_socket, &failed);
		/* criu swrk ends once we hang up */
		close(sk[0]);
		werr = criu_wait(pid, argv, failed || err, work_dir, log);
		if (err)
			cubo_error_free(werr);
		else
			err = werr;
	} else {
		close(sk[0]);
	}
	close(req.images_dir_fd);
	unlink(conf_path);
	free(conf_path);
	return err;
}
