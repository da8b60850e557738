/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's record: <root>/<id>/state.json. It holds what `ps` and
 * `inspect` show without opening config.json, and the monitor's view of the
 * container's life (times, pids, exit code). The runtime's own state lives
 * under <root>/runc; this file is the manager's.
 *
 * Every write replaces the file atomically; writers that read, change and
 * write it hold the container's lock (ctr_store_lock).
 */
#ifndef CUBO_MGR_CONTAINER_RECORD_H
#define CUBO_MGR_CONTAINER_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/error.h"
#include "spec/image.h"

#define CTR_ID_LEN 64

enum ctr_status {
	CTR_CREATED, /* made (create, or run before its monitor started it) */
	CTR_RUNNING, /* its monitor started it */
	CTR_PAUSED,
	CTR_EXITED, /* stopped, with an exit code and a finish time */
	CTR_REMOVING,
};

const char *ctr_status_name(enum ctr_status s);

struct ctr_record {
	char id[CTR_ID_LEN + 1];
	char *name;
	char *image;	/* as the user gave it: "busybox", "127.0.0.1:5000/x:1" */
	char *image_id; /* the image's config digest "sha256:..." */
	char *command;	/* entrypoint + cmd, shell-quoted, for ps */
	char **layers;	/* the image's layer chain IDs, bottom first: the overlay's lowerdirs */
	char *runtime;	/* path of the OCI runtime that runs it */
	char *cgroup_manager; /* "systemd" (the runtime gets --systemd-cgroup); NULL: cgroupfs */
	char **ports;	      /* "127.0.0.1:8080:80/tcp" as parsed; NULL-terminated or NULL */
	char **volumes;	      /* named volumes it uses; NULL-terminated or NULL */
	/*
	 * Networking (all NULL-terminated or NULL). networks: the CNI networks
	 * it joins, first one first ("cubo" by default), or just "none" or
	 * "host"; NULL in records made before networking: the config decides.
	 */
	char **networks;
	char **net_aliases;		       /* --network-alias: more names peers know it by */
	char **net_endpoints;		       /* --ip, --mac-address, ... (net/endpoint.h) */
	char **dns, **dns_search, **add_hosts; /* --dns, --dns-search, --add-host */
	char **published;  /* while it runs: ports as bound ("0.0.0.0:32768->80/tcp") */
	char *user;	   /* -u as given, resolved in the rootfs at start; NULL: the image's */
	char *stop_signal; /* "SIGTERM" unless the image says otherwise */
	int stop_timeout;  /* seconds stop waits by default; -1: 10 */
	char **labels;	   /* "key=value": the image's, then --label; NULL-terminated or NULL */
	char *log_driver;  /* --log-driver (logconf.h); NULL: k8s-file */
	char **log_opts;   /* --log-opt "key=value"; NULL-terminated or NULL */
	char **tmpfs;	   /* --tmpfs as given ("DEST" or "DEST:OPTS"); NULL-terminated or NULL */
	int64_t shm_size;  /* --shm-size in bytes; 0: 64m */
	char **group_add;  /* --group-add: names (resolved in the rootfs at start) or gids */
	bool init;	   /* --init: an init runs as PID 1, the command under it */
	bool privileged;   /* --privileged (config.json has what it means) */
	/* --device ("HOST:CTR:PERMS" or a CDI name), --device-cgroup-rule: as given */
	char **devices, **device_cgroup_rules;
	char **exposed; /* "80/tcp": the image's EXPOSE, then --expose's; NULL-terminated or NULL */
	char **dns_options; /* --dns-option; NULL-terminated or NULL */
	/* --pid, --ipc, --uts, --cgroupns: "host", "container:ID", ...; NULL: private */
	char *pid_mode, *ipc_mode, *uts_mode, *cgroupns_mode;
	/* the per-device blkio flags, "FLAG=PATH:VALUE" (no "--"); NULL-terminated or NULL */
	char **blkio_devices;
	char *cgroup_parent; /* --cgroup-parent; NULL: none */
	int64_t nano_cpus;   /* --cpus in billionths; 0: not given (or an older record) */
	/* where its volumes and binds are (-v, --mount, VOLUME), for --volumes-from */
	char **volume_dests;
	char **volumes_from;	 /* --volumes-from as given */
	char **borrowed_volumes; /* volumes of --volumes-from: not its own to remove */
	bool auto_remove;	 /* --rm */
	bool tty;
	bool interactive; /* keep stdin open */
	enum ctr_status status;
	char created[40]; /* RFC 3339; "" when not yet */
	char started[40];
	char finished[40];
	int exit_code;		     /* valid when status is CTR_EXITED */
	pid_t pid;		     /* the container's init on the host; 0 when not running */
	pid_t monitor_pid;	     /* 0 when no monitor */
	uint64_t monitor_start_time; /* /proc/PID/stat starttime: tells a reused pid apart */
	unsigned restart_count;	     /* restarts by its policy since the user last started it */
	char *restart_policy;	     /* --restart: restart.h's names; NULL: "no" */
	unsigned restart_max;	     /* on-failure:N; 0: no limit */
	bool restarting;	     /* exited; its monitor waits the backoff to restart it */
	bool stopped_by_user;	     /* stop or kill: no restart until the next start */
	char *error;		     /* why the last start failed; NULL */

	/* the image's HEALTHCHECK under the --health-* flags (health.h); NULL: none */
	struct oci_healthcheck *healthcheck;
};

/* Docker's State.Status: the status, or "restarting" while a restart waits. */
const char *ctr_record_state(const struct ctr_record *r);

/* The name of r's volume whose data directory source is, or NULL (a bind). */
const char *ctr_record_volume_of(const struct ctr_record *r, const char *source);

/* Volume name goes with the container (when anonymous): not one --volumes-from lent it. */
bool ctr_record_owns_volume(const struct ctr_record *r, const char *name);

/* The record says the runtime runs the container with --systemd-cgroup. */
bool ctr_record_systemd(const struct ctr_record *r);

void ctr_record_free(struct ctr_record *r); /* frees members, not r */

/* Parse state.json text; source names it in errors. */
struct cubo_error *ctr_record_parse(const char *json, size_t len, const char *source,
				    struct ctr_record *out);
struct cubo_error *ctr_record_to_json(const struct ctr_record *r, bool pretty, char **out,
				      size_t *len);

/*
 * Read and write <dir>/state.json, atomically. Saving is durable (fsync'd)
 * unless the container is --rm: a power cut removes such a container
 * anyway (ctr_store.h, CTR_VOLATILE_MARK), so its record is not worth a disk
 * flush at each change of state. ctr_record_write chooses.
 */
struct cubo_error *ctr_record_load(const char *dir, struct ctr_record *out);
struct cubo_error *ctr_record_save(const char *dir, const struct ctr_record *r);
struct cubo_error *ctr_record_write(const char *dir, const struct ctr_record *r, bool durable);

/* Whether a valid 64-hex container ID. */
bool ctr_id_valid(const char *s);
/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 bytes. */
struct cubo_error *ctr_name_check(const char *name);

#endif
