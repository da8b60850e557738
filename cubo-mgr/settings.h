/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The settings cubo-mgr takes from its environment, read once by main
 * (mgr_settings_read) and handed down: leaf code does not getenv them. The
 * processes cubo-mgr starts -- a container's monitor (forked), the
 * cubo-mgr-image helper (executed with the same environment) -- end up with
 * the same values.
 *
 * A NULL struct mgr_settings pointer, or a NULL member, means the default.
 */
#ifndef CUBO_MGR_SETTINGS_H
#define CUBO_MGR_SETTINGS_H

#include <stdbool.h>

/* Where CNI plugins are looked for when $CUBO_CNI_PATH is not set. */
#define MGR_CNI_PATH_DEFAULT "/usr/lib/cni:/opt/cni/bin"

struct mgr_settings {
	const char *runtime;	    /* $CUBO_RUNTIME: the default OCI runtime */
	const char *storage_driver; /* $CUBO_STORAGE_DRIVER: "vfs" copies layers, no overlay */
	const char *cni_path;	    /* $CUBO_CNI_PATH: "DIR:DIR" of CNI plugins */
	bool cni_for_bridge;	    /* $CUBO_NET_CNI=1: the bridge through its plugins too */
	const char *auth_file;	    /* $REGISTRY_AUTH_FILE: where login stores credentials */
	const char *home;	    /* $HOME: the REPL's ~/.cubo_history */
	const char *xdg_state_home; /* $XDG_STATE_HOME: the REPL's history is under it when set */
};

/* Fill *out from envp (NULL-terminated "KEY=VALUE"); the strings point into envp. */
void mgr_settings_read(char *const *envp, struct mgr_settings *out);

#endif
