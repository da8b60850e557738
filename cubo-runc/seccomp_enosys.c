/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/seccomp_enosys.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "shared/xalloc.h"

#define X32_SYSCALL_BIT 0x40000000u

static struct sock_filter stmt(uint16_t code, uint32_t k)
{
	return (struct sock_filter){.code = code, .k = k};
}

static struct sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	return (struct sock_filter){.code = code, .jt = jt, .jf = jf, .k = k};
}

/* jeq, ld nr, jgt; x86_64 also jge for x32 */
static uint8_t block_len(const struct enosys_arch *a)
{
	return a->audit_arch == AUDIT_ARCH_X86_64 ? 4 : 3;
}

/*
 * The layout, with E the index of the ENOSYS return and E + 1 the first
 * instruction of the filter proper:
 *
 *   ld arch
 *   per arch:  jeq ARCH (else the next arch's jeq); ld nr;
 *              [x86_64: jge X32_BIT -> E + 1]; jgt MAX -> E, else -> E + 1
 *   ja E + 1           (an architecture the stub does not know)
 *   E: ret ERRNO(ENOSYS)
 *
 * Every jump is forward and short (4 instructions an arch at most), so the
 * 8-bit offsets of conditional jumps always reach.
 */
void seccomp_enosys_prepend(struct sock_filter **insns, size_t *n, const struct enosys_arch *arches,
			    size_t n_arches)
{
	struct sock_filter stub[1 + 32 * 4 + 2];
	size_t len = 0, e;
	struct sock_filter *all;

	if (!n_arches || n_arches > 32)
		return;
	/* Where E lands: each arch block is 3 instructions, 4 for x86_64. */
	e = 1;
	for (size_t i = 0; i < n_arches; i++)
		e += block_len(&arches[i]);
	e += 1;

	stub[len++] = stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < n_arches; i++) {
		bool x86_64 = arches[i].audit_arch == AUDIT_ARCH_X86_64;
		uint8_t block = block_len(&arches[i]);

		stub[len] = jump(BPF_JMP | BPF_JEQ | BPF_K, arches[i].audit_arch, 0, block - 1);
		len++;
		stub[len++] = stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		if (x86_64) {
			stub[len] = jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
					 (uint8_t)(e + 1 - (len + 1)), 0);
			len++;
		}
		stub[len] = jump(BPF_JMP | BPF_JGT | BPF_K, arches[i].max_nr,
				 (uint8_t)(e - (len + 1)), (uint8_t)(e + 1 - (len + 1)));
		len++;
	}
	stub[len++] = stmt(BPF_JMP | BPF_JA, 1);
	stub[len++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));

	all = xreallocarray(NULL, *n + len, sizeof(*all));
	memcpy(all, stub, len * sizeof(*all));
	memcpy(all + len, *insns, *n * sizeof(*all));
	free(*insns);
	*insns = all;
	*n += len;
}
