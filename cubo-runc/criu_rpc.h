/* SPDX-License-Identifier: Apache-2.0 */
/*
 * criu's RPC, the little of it criu_run_rpc (criu.h) speaks: criu_req and
 * criu_resp of criu's images/rpc.proto (protobuf, proto2) encoded and
 * decoded by hand, as Debian ships no libcriu, and the config file that
 * carries the same options as the command line.
 */
#ifndef CUBO_RUNC_CRIU_RPC_H
#define CUBO_RUNC_CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/error.h"

/*
 * The RPC config file for argv's options (argv[0] the binary, argv[1] the
 * command): one "name value" line each, values quoted, but for
 * --images-dir (criu_rpc_req's images_dir_fd). A value criu's
 * config parser cannot carry (a quote, a newline, a trailing backslash) is
 * refused.
 */
struct cubo_error *criu_rpc_config(char *const *argv, char **text);

/* criu_req: type (1 dump, 2 restore, 6 notify), the opts it needs; the protobuf bytes. */
enum { CRIU_REQ_DUMP = 1, CRIU_REQ_RESTORE = 2, CRIU_REQ_NOTIFY = 6 };
struct criu_rpc_req {
	int type;
	int images_dir_fd;
	pid_t pid; /* dump: the tree; 0 for none */
	const char *config_file;
	bool notify_success; /* NOTIFY: the reply to a notification */
};
void criu_rpc_encode(const struct criu_rpc_req *req, char **buf, size_t *len);

/* What criu_resp says that we use. */
struct criu_rpc_resp {
	int type;
	bool success;
	pid_t restored_pid; /* 0 when absent */
	int cr_errno;
	char *script; /* notification name; NULL when none */
	char *errmsg; /* cr_errmsg; NULL when none */
};
struct cubo_error *criu_rpc_decode(const char *buf, size_t len, struct criu_rpc_resp *resp);
void criu_rpc_resp_free(struct criu_rpc_resp *resp);

#endif
