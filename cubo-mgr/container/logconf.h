/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's log driver and its options (--log-driver, --log-opt), as
 * docker and podman name them:
 *
 *   k8s-file   (the default) <id>/ctr.log in the CRI format (logfile.h)
 *   json-file  <id>/ctr.log as docker writes it: {"log":..,"stream":..,"time":..}
 *   journald   the systemd journal, with CONTAINER_ID and CONTAINER_NAME fields
 *   none       nothing is kept; `logs` refuses
 *
 * The file drivers rotate: when the current file would grow past max-size,
 * ctr.log becomes ctr.log.1 (and .1 becomes .2, ...), keeping at most
 * max-file files in all. Unless told otherwise a container keeps at most
 * LOG_DEFAULT_MAX_SIZE x LOG_DEFAULT_MAX_FILE bytes of output (the cap of
 * docker's "local" driver), so a chatty container cannot fill the disk;
 * max-size=-1 lifts the cap.
 */
#ifndef CUBO_MGR_CONTAINER_LOGCONF_H
#define CUBO_MGR_CONTAINER_LOGCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/error.h"

enum log_driver { LOG_DRIVER_K8S_FILE, LOG_DRIVER_JSON_FILE, LOG_DRIVER_JOURNALD, LOG_DRIVER_NONE };

#define LOG_DEFAULT_MAX_SIZE ((int64_t)20 * 1024 * 1024)
#define LOG_DEFAULT_MAX_FILE 5u
/* more files than this are a typo, not a plan */
#define LOG_MAX_FILES 1000u
/* the socket journald listens on: no socket, no journald driver */
#define LOG_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Every driver, as `info` lists them, separated by spaces. */
#define LOG_DRIVER_NAMES "k8s-file json-file journald none"

struct log_config {
	enum log_driver driver;
	int64_t max_size;  /* bytes a file may hold; -1: no limit */
	unsigned max_file; /* files kept, the current one included (>= 1) */
	char *tag;	   /* journald's CONTAINER_TAG / SYSLOG_IDENTIFIER; NULL: the name */
};

const char *log_driver_name(enum log_driver d);
/* The driver keeps a file that `logs` reads (k8s-file, json-file). */
bool log_driver_is_file(enum log_driver d);

/*
 * driver (NULL: k8s-file) and opts ("key=value", NULL-terminated or NULL)
 * -> *out, checked: unknown drivers and options, and bad values, are errors
 * naming the flag, the option and the value. Free with log_config_free.
 */
struct cubo_error *log_config_parse(const char *driver, char *const *opts, struct log_config *out);
void log_config_free(struct log_config *c);

struct cubo_json_gen;
/* key: docker's LogConfig, {"Type": driver, "Config": {opt: value}} (inspect's HostConfig). */
void log_config_gen_json(struct cubo_json_gen *g, const char *key, const char *driver,
			 char *const *opts);

#endif
