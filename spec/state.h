/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime state (what `state` prints) and the runtime's own state
 * file, which is the same object with private fields added. Only the OCI
 * fields are printed to users; the private ones let start/state/kill/delete
 * work without re-reading config.json.
 *
 * On disk the private fields sit in one extra member, "cubo": {"pidStartTime",
 * "created", "rootfs", "owner", "cgroupPaths", "ownPidNs", "hostMounts", "systemdCgroup",
 * "extra"}, so any reader of the OCI state can still parse the file.
 */
#ifndef CUBO_SPEC_STATE_H
#define CUBO_SPEC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/config.h"

struct oci_state {
	/* OCI fields */
	char *oci_version;
	char *id;
	char *status; /* creating created running stopped paused */
	int pid;      /* 0 when absent */
	char *bundle;
	struct oci_map annotations;

	/* runtime-private fields (written only when `internal`) */
	uint64_t pid_start_time; /* /proc/PID/stat field 22: detects pid reuse */
	char *created;           /* RFC 3339 with nanoseconds */
	char *rootfs;            /* absolute path */
	char *owner;             /* "" or user name, for `list` */
	struct oci_strlist cgroup_paths; /* "controller:path" per line, part 2 */
	bool own_pid_ns;         /* container has its own pid namespace */
	bool host_mounts;        /* no mount namespace: its mounts sit under rootfs in ours */
	bool systemd_cgroup;
	struct oci_map extra;    /* more private key/value strings */
};

struct cubo_error *oci_state_parse(const char *json, size_t len, const char *source,
				   struct oci_state **out);
/* internal=false prints only the OCI fields, as `state` must. */
struct cubo_error *oci_state_to_json(const struct oci_state *st, bool internal, bool pretty,
				     char **out, size_t *out_len);
/*
 * What `runc state` prints: the OCI fields, then rootfs, created and owner
 * (callers such as containerd's shim read them). The owner is "" as in runc's
 * state; `list` names it.
 */
struct cubo_error *oci_state_to_runc_json(const struct oci_state *st, bool pretty, char **out,
					  size_t *out_len);
void oci_state_free(struct oci_state *st);

#endif
