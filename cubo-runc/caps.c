/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/caps.h"

#include <grp.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The highest capability the kernel knows, from the kernel itself: reading
 * /proc/sys/kernel/cap_last_cap once the container's root is in place would
 * read a file the image may have put there, and a small number would leave
 * the capabilities above it in the bounding set.
 */
int caps_last_cap(void)
{
	int lo = 0, hi = 63;

	/* PR_CAPBSET_READ fails with EINVAL only above the last valid capability */
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static struct cubo_error *names_to_mask(const struct oci_strlist *names, const char *set,
					int last_cap, const struct cubo_log *log, uint64_t *mask)
{
	*mask = 0;
	for (size_t i = 0; i < names->n; i++) {
		char lower[64];
		cap_value_t cap;
		size_t j;

		for (j = 0; names->v[i][j] && j < sizeof(lower) - 1; j++)
			lower[j] = (char)tolower((unsigned char)names->v[i][j]);
		lower[j] = '\0';
		/* the spec: a value that maps to no kernel interface is an error */
		if (cap_from_name(lower, &cap) < 0 || strncmp(lower, "cap_", 4) != 0)
			return cubo_error_new("process.capabilities.%s[%zu]: unknown capability "
					      "\"%s\"",
					      set, i, names->v[i]);
		if (cap > last_cap) {
			cubo_warn(log,
				  "process.capabilities.%s[%zu]: %s is not supported by this "
				  "kernel, ignored",
				  set, i, names->v[i]);
			continue;
		}
		*mask |= 1ULL << cap;
	}
	return NULL;
}

/*
 * Which of wanted this process can still hand on: in its bounding set and
 * its permitted set. Only wanted's bits are asked of the bounding set.
 */
static uint64_t grantable_caps(uint64_t wanted, bool joins_userns)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	uint64_t permitted, bounding = 0;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return ~0ULL; /* cannot tell: let capset decide */
	permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	/* joining a user namespace gives every capability within it */
	if (joins_userns)
		permitted = ~0ULL;
	for (uint64_t left = wanted & permitted; left; left &= left - 1) {
		int cap = __builtin_ctzll(left);
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			bounding |= 1ULL << cap;
	}
	return permitted & bounding;
}

/*
 * A capability the runtime does not hold cannot be given: say so at create
 * (naming it) rather than have the process fail after start.
 */
static struct cubo_error *check_grantable(uint64_t mask, const char *set, uint64_t grantable)
{
	uint64_t missing = mask & ~grantable;

	if (!missing)
		return NULL;
	int cap = __builtin_ctzll(missing);
	char *name = cap_to_name(cap);
	for (char *p = name; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	struct cubo_error *err = cubo_error_new(
		"process.capabilities.%s: %s cannot be granted: the runtime does not hold it "
		"on this host",
		set, name ? name : "a capability");
	cap_free(name);
	return err;
}

struct cubo_error *caps_plan_make(const struct oci_capabilities *caps, const struct cubo_log *log,
				  bool joins_userns, struct caps_plan *out)
{
	int last = caps_last_cap();
	uint64_t grantable;

	memset(out, 0, sizeof(*out));
	out->last_cap = last;
	if (!caps)
		return NULL;
	CUBO_TRY(names_to_mask(&caps->bounding, "bounding", last, log, &out->bounding));
	CUBO_TRY(names_to_mask(&caps->effective, "effective", last, log, &out->effective));
	CUBO_TRY(names_to_mask(&caps->inheritable, "inheritable", last, log, &out->inheritable));
	CUBO_TRY(names_to_mask(&caps->permitted, "permitted", last, log, &out->permitted));
	CUBO_TRY(names_to_mask(&caps->ambient, "ambient", last, log, &out->ambient));
	/* the bounding set can only shrink: asking to keep a missing cap is harmless */
	grantable = grantable_caps(out->permitted | out->effective | out->inheritable, joins_userns);
	CUBO_TRY(check_grantable(out->permitted, "permitted", grantable));
	CUBO_TRY(check_grantable(out->effective, "effective", grantable));
	CUBO_TRY(check_grantable(out->inheritable, "inheritable", grantable));
	return NULL;
}

struct cubo_error *caps_apply_bounding(const struct caps_plan *plan)
{
	int last = plan->last_cap;

	for (int cap = 0; cap <= last; cap++) {
		if (plan->bounding & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return cubo_error_errno("drop capability %d from the bounding set", cap);
	}
	return NULL;
}

struct cubo_error *caps_apply_sets(const struct caps_plan *plan)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	int last = plan->last_cap;

	/* capset directly: two 32-bit words per set, no allocation. */
	data[0].effective = (uint32_t)plan->effective;
	data[1].effective = (uint32_t)(plan->effective >> 32);
	data[0].permitted = (uint32_t)plan->permitted;
	data[1].permitted = (uint32_t)(plan->permitted >> 32);
	data[0].inheritable = (uint32_t)plan->inheritable;
	data[1].inheritable = (uint32_t)(plan->inheritable >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return cubo_error_errno("set capabilities");

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cubo_error_errno("clear ambient capabilities");
	for (int cap = 0; cap <= last; cap++) {
		if (!(plan->ambient & (1ULL << cap)))
			continue;
		/*
		 * The kernel keeps ambient a subset of permitted & inheritable;
		 * configs (runc's default among them) often list ambient caps
		 * without inheritable ones, and runc skips those: so do we.
		 */
		if (!(plan->permitted & plan->inheritable & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return cubo_error_errno("raise ambient capability %d", cap);
	}
	return NULL;
}

struct cubo_error *caps_switch_user(const struct oci_user *u, const struct caps_plan *caps)
{
	if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) < 0 &&
	    !(errno == EPERM && u->n_additional_gids == 0))
		return cubo_error_errno("process.user.additionalGids: setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return cubo_error_errno("process.user.gid: setresgid(%u)", u->gid);
	/* keep the permitted set across the uid change; caps_apply_sets trims it */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cubo_error_errno("prctl(PR_SET_KEEPCAPS)");
	CUBO_TRY(caps_apply_bounding(caps));
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return cubo_error_errno("process.user.uid: setresuid(%u)", u->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cubo_error_errno("prctl(PR_SET_KEEPCAPS)");
	return caps_apply_sets(caps);
}
