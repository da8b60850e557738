/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entry point of the static runtime on x86-64 (-e cubo_runc_entry), in
 * front of the C library's _start. create, run and exec execute the binary
 * again before doing anything (cloned_binary.h); done from main, the C
 * library's start-up would run twice, and on a virtual machine, where each
 * cpuid instruction of its cache probing traps to the hypervisor, one
 * start-up costs about 0.7 ms. Here that second exec happens first, with
 * system calls only (exe_overlay_exec), so the C library starts once.
 * Whatever this does not do (the sealed copy, judging a binary that is
 * already on an overlay), main's cloned_binary_ensure still does; a wrong
 * guess here costs one exec, never the defence.
 */
#include "cubo-runc/early_exec.h"
#include "cubo-runc/exe_overlay.h"

#define EARLY_SAFE __attribute__((no_stack_protector))

__attribute__((visibility("hidden"))) void cubo_runc_early(long *sp);

static EARLY_SAFE bool eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* a global option that takes its value from the next argument (main.c's global_opts) */
static EARLY_SAFE bool takes_value(const char *a)
{
	return eq(a, "--root") || eq(a, "--log") || eq(a, "--log-format") || eq(a, "--criu") ||
	       eq(a, "--rootless");
}

EARLY_SAFE bool early_exec_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if (eq(argv[i], "--"))
			return false;
		else if (takes_value(argv[i]))
			i++;
	if (i >= argc || !(eq(argv[i], "create") || eq(argv[i], "run") || eq(argv[i], "exec")))
		return false;
	for (i++; i < argc; i++)
		if (eq(argv[i], "--help") || eq(argv[i], "-h"))
			return false;
	return true;
}

/* sp: the stack as the kernel made it: argc, argv[], NULL, envp[], NULL, auxv */
EARLY_SAFE void cubo_runc_early(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;

	if (early_exec_wanted(argc, argv) && exe_overlay_worth_trying())
		exe_overlay_exec(argv, envp);
}

#if defined(__x86_64__)
/*
 * The kernel's registers for _start kept (rsp, and rdx: a function for
 * atexit), the stack aligned for the call.
 */
__asm__(".text\n"
	".globl cubo_runc_entry\n"
	".type cubo_runc_entry, @function\n"
	"cubo_runc_entry:\n"
	"	mov %rsp, %r12\n"
	"	mov %rdx, %r13\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call cubo_runc_early\n"
	"	mov %r12, %rsp\n"
	"	mov %r13, %rdx\n"
	"	jmp _start\n"
	".size cubo_runc_entry, .-cubo_runc_entry\n");
#endif
