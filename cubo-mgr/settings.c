/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <string.h>

#include "cubo-mgr/settings.h"

/* The value of name in envp; NULL when unset or empty, as each setting's default. */
static const char *lookup(char *const *envp, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, len) && envp[i][len] == '=')
			return envp[i][len + 1] ? envp[i] + len + 1 : NULL;
	return NULL;
}

void mgr_settings_read(char *const *envp, struct mgr_settings *out)
{
	const char *net_cni = lookup(envp, "CUBO_NET_CNI");
	*out = (struct mgr_settings){
		.runtime = lookup(envp, "CUBO_RUNTIME"),
		.storage_driver = lookup(envp, "CUBO_STORAGE_DRIVER"),
		.cni_path = lookup(envp, "CUBO_CNI_PATH"),
		.cni_for_bridge = net_cni && !strcmp(net_cni, "1"),
		.auth_file = lookup(envp, "REGISTRY_AUTH_FILE"),
		.home = lookup(envp, "HOME"),
		.xdg_state_home = lookup(envp, "XDG_STATE_HOME"),
	};
}
