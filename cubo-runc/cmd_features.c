/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "spec/features.h"

int cmd_features(struct runc_globals *g, int argc, char **argv)
{
	bool help;
	char *json;
	size_t len;
	int first;
	struct cubo_error *err = opts_parse_anywhere(argc, argv, NULL, 0, &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc features",
				"Print the features this runtime supports as JSON.", NULL, 0);
		return 0;
	}
	err = oci_features_to_json(&json, &len);
	if (err)
		return runc_fail(g, err);
	runc_print_json(json, len);
	return 0;
}
