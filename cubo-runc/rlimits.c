/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/rlimits.h"

#include <errno.h>
#include <sys/resource.h>

#include "cubo-runc/validate.h"

struct cubo_error *rlimits_apply(const struct oci_process *proc)
{
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		const struct oci_rlimit *rl = &proc->rlimits[i];
		struct rlimit lim = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
		int res = rlimit_resource(rl->type);

		if (res < 0)
			return cubo_error_new("process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
					      rl->type);
		if (setrlimit(res, &lim) < 0)
			return cubo_error_errno("process.rlimits[%zu]: set %s to %llu/%llu", i,
						rl->type, (unsigned long long)rl->soft,
						(unsigned long long)rl->hard);
	}
	return NULL;
}
