/* SPDX-License-Identifier: Apache-2.0 */
/* Freeing a config, also a partly parsed one: every pointer is NULL or owned. */
#include <stdlib.h>

#include "spec/config.h"
#include "spec/spec_json.h"

static void mount_free(struct oci_mount *m)
{
	free(m->destination);
	free(m->source);
	free(m->type);
	spec_strlist_free(&m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	free(p->console_size);
	free(p->user.additional_gids);
	free(p->user.username);
	spec_strlist_free(&p->args);
	free(p->command_line);
	spec_strlist_free(&p->env);
	free(p->cwd);
	if (p->capabilities) {
		spec_strlist_free(&p->capabilities->bounding);
		spec_strlist_free(&p->capabilities->effective);
		spec_strlist_free(&p->capabilities->inheritable);
		spec_strlist_free(&p->capabilities->permitted);
		spec_strlist_free(&p->capabilities->ambient);
		free(p->capabilities);
	}
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	if (p->scheduler) {
		free(p->scheduler->policy);
		spec_strlist_free(&p->scheduler->flags);
		free(p->scheduler);
	}
	free(p->selinux_label);
	if (p->io_priority) {
		free(p->io_priority->klass);
		free(p->io_priority);
	}
	if (p->exec_cpu_affinity) {
		free(p->exec_cpu_affinity->initial);
		free(p->exec_cpu_affinity->final);
		free(p->exec_cpu_affinity);
	}
	free(p);
}

static void hook_list_free(struct oci_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		spec_strlist_free(&l->v[i].args);
		spec_strlist_free(&l->v[i].env);
	}
	free(l->v);
}

static void hooks_free(struct oci_hooks *h)
{
	if (!h)
		return;
	hook_list_free(&h->prestart);
	hook_list_free(&h->create_runtime);
	hook_list_free(&h->create_container);
	hook_list_free(&h->start_container);
	hook_list_free(&h->poststart);
	hook_list_free(&h->poststop);
	free(h);
}

void oci_resources_free(struct oci_resources *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_devices; i++) {
		free(r->devices[i].type);
		free(r->devices[i].access);
	}
	free(r->devices);
	free(r->memory);
	if (r->cpu) {
		free(r->cpu->cpus);
		free(r->cpu->mems);
		free(r->cpu);
	}
	if (r->block_io) {
		free(r->block_io->weight_device);
		free(r->block_io->throttle_read_bps.v);
		free(r->block_io->throttle_write_bps.v);
		free(r->block_io->throttle_read_iops.v);
		free(r->block_io->throttle_write_iops.v);
		free(r->block_io);
	}
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	if (r->network) {
		for (size_t i = 0; i < r->network->n_priorities; i++)
			free(r->network->priorities[i].name);
		free(r->network->priorities);
		free(r->network);
	}
	free(r->pids);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	spec_map_free(&r->unified);
	free(r);
}

void oci_seccomp_free(struct oci_seccomp *s)
{
	if (!s)
		return;
	free(s->default_action);
	spec_strlist_free(&s->architectures);
	spec_strlist_free(&s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		struct oci_seccomp_syscall *sc = &s->syscalls[i];
		spec_strlist_free(&sc->names);
		free(sc->action);
		for (size_t j = 0; j < sc->n_args; j++)
			free(sc->args[j].op);
		free(sc->args);
	}
	free(s->syscalls);
	free(s);
}

static void linux_free(struct oci_linux *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		free(l->namespaces[i].type);
		free(l->namespaces[i].path);
	}
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	free(l->time_offsets);
	for (size_t i = 0; i < l->n_devices; i++) {
		free(l->devices[i].type);
		free(l->devices[i].path);
	}
	free(l->devices);
	free(l->cgroups_path);
	oci_resources_free(l->resources);
	if (l->intel_rdt) {
		free(l->intel_rdt->clos_id);
		free(l->intel_rdt->l3_cache_schema);
		free(l->intel_rdt->mem_bw_schema);
		free(l->intel_rdt);
	}
	spec_map_free(&l->sysctl);
	oci_seccomp_free(l->seccomp);
	free(l->rootfs_propagation);
	spec_strlist_free(&l->masked_paths);
	spec_strlist_free(&l->readonly_paths);
	free(l->mount_label);
	if (l->personality) {
		free(l->personality->domain);
		spec_strlist_free(&l->personality->flags);
		free(l->personality);
	}
	if (l->memory_policy) {
		free(l->memory_policy->mode);
		free(l->memory_policy->nodes);
		spec_strlist_free(&l->memory_policy->flags);
		free(l->memory_policy);
	}
	for (size_t i = 0; i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
	free(l);
}

void oci_config_free(struct oci_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->oci_version);
	if (cfg->root) {
		free(cfg->root->path);
		free(cfg->root);
	}
	for (size_t i = 0; i < cfg->n_mounts; i++)
		mount_free(&cfg->mounts[i]);
	free(cfg->mounts);
	oci_process_free(cfg->process);
	free(cfg->hostname);
	free(cfg->domainname);
	hooks_free(cfg->hooks);
	spec_map_free(&cfg->annotations);
	linux_free(cfg->linux_);
	free(cfg);
}
