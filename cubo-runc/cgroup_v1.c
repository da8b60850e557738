/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup v1 writers: which file of which hierarchy gets which string. */
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup_priv.h"

struct cubo_error *cgroup_v1_plan(const char *key, const char *dir, const struct oci_resources *res,
				  struct cgroup_plan *out)
{
	(void)key;
	(void)dir;
	(void)res;
	(void)out;
	return NULL;
}

struct cubo_error *cgroup_v1_apply(const char *key, const char *dir,
				   const struct oci_resources *res)
{
	struct cgroup_plan p = {0};
	struct cubo_error *err = cgroup_v1_plan(key, dir, res, &p);

	if (!err)
		err = cgroup_plan_run(&p, dir);
	cgroup_plan_free(&p);
	return err;
}
