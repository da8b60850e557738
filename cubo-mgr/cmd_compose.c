/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr compose [-f FILE]... [-p NAME] [--env-file F] [--profile P] COMMAND: compose files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cmd_compose.h"
#include "cubo-mgr/compose/interp.h"
#include "cubo-mgr/compose/project.h"
#include "cubo-mgr/compose/run_args.h"
#include "cubo-mgr/container/health.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/mgr.h"
#include "cubo-mgr/net/store.h"
#include "shared/json.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/tabwriter.h"
#include "shared/xalloc.h"

/* How long up waits for a dependency to be healthy or to complete. */
#define DEPENDENCY_TIMEOUT_S 300

typedef int (*compose_fn)(struct mgr *m, struct compose_cli *c, int argc, char **argv);

int compose_load(struct mgr *m, struct compose_cli *c, struct compose_project *p)
{
	extern char **environ;
	char *cwd = c->project_dir ? realpath(c->project_dir, NULL) : getcwd(NULL, 0);
	if (!cwd)
		return mgr_fail(m,
				cubo_error_errno("%s", c->project_dir ? c->project_dir
								      : "the working directory"));
	const struct compose_opts o = {
		.files = c->files,
		.name = c->name,
		.env_files = c->env_files,
		.profiles = c->profiles,
		.environ = environ,
		.cwd = cwd,
	};
	struct cubo_error *err = compose_project_load(&o, p);
	free(cwd);
	if (err) {
		compose_project_free(p);
		return mgr_fail(m, err);
	}
	for (size_t i = 0; p->unset && p->unset[i]; i++)
		fprintf(stderr,
			"%s: warning: the \"%s\" variable is not set. Defaulting to a blank "
			"string.\n",
			m->prog, p->unset[i]);
	return -1;
}

int compose_parse_load(struct mgr *m, struct compose_cli *c, const struct mgr_cmd_spec *spec,
		       int argc, char **argv, struct cli_args *args, struct compose_project *p)
{
	int rc = mgr_parse_args(m, spec, argc, argv, args);
	return rc >= 0 ? rc : compose_load(m, c, p);
}

/*
 * The SERVICE arguments and the services they depend on, as compose takes them; NULL when
 * there are none (every service). Error: a service the model does not have.
 */
static struct cubo_error *selected(const struct cnode *svcs, const struct cli_args *args,
				   char ***out)
{
	char **keep = NULL;
	size_t n = 0;
	*out = NULL;
	for (int i = 0; i < args->n; i++) {
		if (!ctree_get(svcs, args->v[i])) {
			cubo_strv_free(keep);
			return cubo_error_new("no such service: %s", args->v[i]);
		}
		cubo_strv_push(&keep, &n, args->v[i]);
	}
	for (size_t i = 0; i < n; i++) {
		char **deps = compose_service_deps(ctree_get(svcs, keep[i]));
		for (size_t j = 0; deps[j]; j++)
			if (ctree_get(svcs, deps[j]) && !cubo_strv_contains(keep, deps[j]))
				cubo_strv_push(&keep, &n, deps[j]);
		cubo_strv_free(deps);
	}
	*out = keep;
	return NULL;
}

static void print_names(const struct cnode *map)
{
	for (size_t i = 0; map && i < map->n; i++)
		printf("%s\n", map->keys[i]);
}

static int config_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, services = false, volumes = false, profiles = false, networks = false;
	const char *format = "yaml", *output = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "only check the files, print nothing"},
		{"services", 0, CLI_BOOL, &services, NULL, "print the services' names"},
		{"volumes", 0, CLI_BOOL, &volumes, NULL, "print the volumes' names"},
		{"networks", 0, CLI_BOOL, &networks, NULL, "print the networks' names"},
		{"profiles", 0, CLI_BOOL, &profiles, NULL, "print the profiles services name"},
		{"format", 0, CLI_STRING, &format, "yaml|json", "the output's format"},
		{"output", 'o', CLI_STRING, &output, "FILE", "write to FILE instead of stdout"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose config",
		.usage = "compose config [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Check the compose files and print the resolved model: files "
			       "merged, variables replaced, every short syntax in its long form.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (strcmp(format, "yaml") && strcmp(format, "json"))
		return mgr_usage_error(m, "compose config",
				       cubo_error_new("--format: \"%s\": yaml or json", format));
	struct compose_project p;
	if ((rc = compose_load(m, c, &p)) >= 0)
		return rc;
	struct cnode *svcs = ctree_get(p.model, "services");
	char **keep;
	struct cubo_error *serr = selected(svcs, &args, &keep);
	if (serr) {
		compose_project_free(&p);
		return mgr_fail(m, serr);
	}
	for (size_t i = 0; keep && i < svcs->n;) {
		if (!cubo_strv_contains(keep, svcs->keys[i]))
			ctree_del(svcs, svcs->keys[i]);
		else
			i++;
	}
	cubo_strv_free(keep);
	rc = 0;
	if (quiet) {
	} else if (services) {
		print_names(svcs);
	} else if (volumes) {
		print_names(ctree_get(p.model, "volumes"));
	} else if (networks) {
		print_names(ctree_get(p.model, "networks"));
	} else if (profiles) {
		/* the profiles every service names, whether active or not, from the files */
		char **all = NULL;
		size_t n = 0;
		for (size_t i = 0; svcs && i < svcs->n; i++) {
			const struct cnode *pr = ctree_get(svcs->v[i], "profiles");
			for (size_t j = 0; pr && j < pr->n; j++)
				if (!cubo_strv_contains(all, pr->v[j]->str))
					cubo_strv_push(&all, &n, pr->v[j]->str);
		}
		for (size_t i = 0; i < n; i++)
			printf("%s\n", all[i]);
		cubo_strv_free(all);
	} else {
		char *text;
		size_t len;
		/* as docker compose: the output is a compose file that reads back the same */
		compose_escape_dollars(p.model);
		struct cubo_error *err = !strcmp(format, "json")
						 ? ctree_to_json(p.model, &text, &len)
						 : ctree_to_yaml(p.model, &text, &len);
		if (!err && output) {
			FILE *f = fopen(output, "w");
			if (!f || fwrite(text, 1, len, f) != len || fclose(f))
				err = cubo_error_errno("%s", output);
		} else if (!err) {
			fwrite(text, 1, len, stdout);
			if (!strcmp(format, "json"))
				putchar('\n');
		}
		if (!err)
			free(text);
		if (err)
			rc = mgr_fail(m, err);
	}
	compose_project_free(&p);
	return rc;
}

/*
 * What compose makes goes through exactly the code and checks of run, network create, ...
 * It runs in a fork whose stdout is /dev/null (unless kept), so that nothing of ours (our
 * stdout, a pipe to a reader) is inherited by the container monitors run leaves behind.
 */
struct cubo_error *compose_dispatch_start(struct mgr *m, char **argv, bool keep_stdout, pid_t *out)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return cubo_error_errno("fork");
	if (pid == 0) {
		int null = keep_stdout ? STDOUT_FILENO : open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(MGR_EXIT_FAILURE);
		if (null != STDOUT_FILENO)
			close(null);
		/* a command handed to the image helper runs as if main had been given it */
		m->argv = mgr_full_argv(m, argv);
		int rc = mgr_dispatch(m, (int)cubo_strv_len(argv), argv);
		fflush(NULL);
		_exit(rc);
	}
	*out = pid;
	return NULL;
}

int compose_dispatch(struct mgr *m, char **argv, bool keep_stdout)
{
	pid_t pid;
	struct cubo_error *err = compose_dispatch_start(m, argv, keep_stdout, &pid);
	if (err)
		return mgr_fail(m, err);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return mgr_fail(m, cubo_error_errno("wait for %s", argv[0]));
	return WIFEXITED(status) ? WEXITSTATUS(status) : MGR_EXIT_FAILURE;
}

static int quietly(struct mgr *m, char **argv)
{
	return compose_dispatch(m, argv, false);
}

static int quietly3(struct mgr *m, const char *a, const char *b, const char *c)
{
	char *argv[] = {(char *)a, (char *)b, (char *)c, NULL};
	return quietly(m, argv);
}

const char *compose_label(const struct ctr_record *r, const char *key)
{
	return cubo_strv_env_get(r->labels, key);
}

struct cubo_error *compose_containers(struct ctr_ctx *c, const char *project,
				      struct ctr_record **out, size_t *n)
{
	struct ctr_record *v;
	size_t all;
	CUBO_TRY(ctr_store_list(&c->store, &v, &all));
	size_t k = 0;
	for (size_t i = 0; i < all; i++) {
		const char *pr = compose_label(&v[i], COMPOSE_LABEL_PROJECT);
		if (pr && !strcmp(pr, project)) {
			if (k != i) {
				struct ctr_record t = v[k];
				v[k] = v[i];
				v[i] = t;
			}
			k++;
		}
	}
	/* the others go; the project's stay at the front */
	for (size_t i = k; i < all; i++)
		ctr_record_free(&v[i]);
	*out = v;
	*n = k;
	return NULL;
}

static int by_number(const void *a, const void *b)
{
	const char *x = compose_label(a, COMPOSE_LABEL_NUMBER),
		   *y = compose_label(b, COMPOSE_LABEL_NUMBER);
	long d = (x ? strtol(x, NULL, 10) : 0) - (y ? strtol(y, NULL, 10) : 0);
	return d < 0 ? -1 : d > 0;
}

int compose_check_services(struct mgr *m, const struct compose_project *p,
			   const struct cli_args *args)
{
	const struct cnode *svcs = ctree_get(p->model, "services");
	for (int i = 0; i < args->n; i++)
		if (!ctree_get(svcs, args->v[i]))
			return mgr_fail(m, cubo_error_new("no such service: %s", args->v[i]));
	return 0;
}

int compose_targets(struct mgr *m, const struct compose_project *p, const struct cli_args *args,
		    enum compose_which which, char ***names)
{
	*names = NULL;
	int bad = compose_check_services(m, p, args);
	if (bad)
		return bad;
	char **order = NULL;
	struct ctr_ctx c;
	struct ctr_record *v = NULL;
	size_t n = 0, k = 0;
	struct cubo_error *err = compose_service_order(p->model, &order);
	if (!err && !(err = ctr_ctx_open(m, &c))) {
		err = compose_containers(&c, p->name, &v, &n);
		ctr_ctx_close(&c);
	}
	if (err) {
		cubo_strv_free(order);
		return mgr_fail(m, err);
	}
	if (n)
		qsort(v, n, sizeof(*v), by_number);
	char **out = xcalloc(1, sizeof(char *));
	for (size_t j = 0; order[j]; j++) {
		if (args->n && !cubo_strv_contains(args->v, order[j]))
			continue;
		for (size_t i = 0; i < n; i++) {
			const char *s = compose_label(&v[i], COMPOSE_LABEL_SERVICE),
				   *oneoff = compose_label(&v[i], COMPOSE_LABEL_ONEOFF);
			enum ctr_status st = v[i].status;
			bool up = st == CTR_RUNNING || st == CTR_PAUSED;
			bool as_which = which == COMPOSE_ALL || (which == COMPOSE_UP && up) ||
					(which == COMPOSE_STOPPED && !up) ||
					(which == COMPOSE_RUNNING && st == CTR_RUNNING) ||
					(which == COMPOSE_PAUSED && st == CTR_PAUSED);
			/* run's one-off containers are not the service's */
			if (s && !strcmp(s, order[j]) && as_which &&
			    !(oneoff && !strcmp(oneoff, "True")))
				cubo_strv_push(&out, &k, v[i].name);
		}
	}
	ctr_records_free(v, n);
	cubo_strv_free(order);
	*names = out;
	return -1;
}

const char *compose_short_name(const struct compose_project *p, const char *name)
{
	size_t len = strlen(p->name);
	if (!strncmp(name, p->name, len) && name[len] == '-' && name[len + 1])
		return name + len + 1;
	return name;
}

static bool is_external(const struct cnode *res)
{
	const struct cnode *e = ctree_get(res, "external");
	return e && !strcmp(e->str, "true");
}

/* The networks and volumes services use, made unless they exist (or are external). */
static int make_resources(struct mgr *m, const struct compose_project *p)
{
	const struct cnode *nets = ctree_get(p->model, "networks");
	struct net_store ns;
	struct cubo_error *err = net_store_open(m->root, &ns);
	if (err)
		return mgr_fail(m, err);
	int rc = 0;
	for (size_t i = 0; !rc && nets && i < nets->n; i++) {
		const char *name = ctree_get(nets->v[i], "name")->str;
		struct cubo_error *missing = net_store_get(&ns, name, NULL, NULL, NULL);
		if (!missing)
			continue;
		cubo_error_free(missing);
		if (is_external(nets->v[i])) {
			rc = mgr_fail(m,
				      cubo_error_new("network %s declared as external, but could "
						     "not be found",
						     name));
			break;
		}
		rc = quietly3(m, "network", "create", name);
		if (!rc)
			fprintf(stderr, " Network %s  Created\n", name);
	}
	net_store_close(&ns);
	const struct cnode *vols = ctree_get(p->model, "volumes");
	for (size_t i = 0; !rc && vols && i < vols->n; i++) {
		const char *name = ctree_get(vols->v[i], "name")->str;
		struct ctr_volume vol;
		struct cubo_error *missing = volume_get(m->root, name, &vol);
		if (!missing) {
			ctr_volume_free(&vol);
			continue;
		}
		cubo_error_free(missing);
		if (is_external(vols->v[i])) {
			rc = mgr_fail(m, cubo_error_new("external volume \"%s\" not found", name));
			break;
		}
		char *l1 = xasprintf("%s=%s", COMPOSE_LABEL_PROJECT, p->name);
		char *l2 = xasprintf("%s=%s", COMPOSE_LABEL_VOLUME, vols->keys[i]);
		char *argv[] = {"volume",  "create", "--label",	   l1,
				"--label", l2,	     (char *)name, NULL};
		rc = quietly(m, argv);
		free(l1);
		free(l2);
		if (!rc)
			fprintf(stderr, " Volume \"%s\"  Created\n", name);
	}
	return rc;
}

/* Wait until what svc depends on is as its condition says. */
static struct cubo_error *wait_dependencies(struct mgr *m, const struct compose_project *p,
					    const struct cnode *svc)
{
	const struct cnode *deps = ctree_get(svc, "depends_on");
	for (size_t i = 0; deps && i < deps->n; i++) {
		const char *cond = ctree_get(deps->v[i], "condition")->str;
		if (!strcmp(cond, "service_started"))
			continue;
		const struct cnode *dsvc =
			ctree_get(ctree_get(p->model, "services"), deps->keys[i]);
		if (!dsvc)
			continue;
		char *name = compose_container_name(p, deps->keys[i], dsvc, 1);
		struct ctr_ctx c;
		struct cubo_error *err = ctr_ctx_open(m, &c);
		for (int tries = 0; !err; tries++) {
			struct ctr_record r;
			if ((err = ctr_find(&c, name, &r)))
				break;
			bool done = false;
			if (!strcmp(cond, "service_healthy")) {
				enum health_status h = ctr_health(&c.store, &r);
				if (h == HEALTH_HEALTHY)
					done = true;
				else if (h == HEALTH_UNHEALTHY || r.status == CTR_EXITED)
					err = cubo_error_new(
						"dependency failed to start: container "
						"%s is unhealthy",
						name);
				else if (h == HEALTH_NONE)
					err = cubo_error_new(
						"dependency failed to start: container "
						"%s has no healthcheck configured",
						name);
			} else if (r.status == CTR_EXITED) {
				done = true;
				if (r.exit_code)
					err = cubo_error_new("service \"%s\" didn't complete "
							     "successfully: exit %d",
							     deps->keys[i], r.exit_code);
			}
			ctr_record_free(&r);
			if (done || err)
				break;
			if (tries * CTR_POLL_MS >= DEPENDENCY_TIMEOUT_S * 1000) {
				err = cubo_error_new("%s: not %s after %d s", name,
						     strcmp(cond, "service_healthy") ? "completed"
										     : "healthy",
						     DEPENDENCY_TIMEOUT_S);
				break;
			}
			ctr_poll_sleep();
		}
		ctr_ctx_close(&c);
		free(name);
		if (err)
			return err;
	}
	return NULL;
}

struct up_flags {
	bool force_recreate, no_recreate, remove_orphans;
	char **scale; /* --scale SERVICE=N */
};

/*
 * Remove containers by name: stopped (their stop signal, then SIGKILL after timeout
 * seconds, or NULL: their own stop timeout), then removed.
 */
static int remove_containers(struct mgr *m, char **names, bool volumes, const char *timeout)
{
	if (!names || !names[0])
		return 0;
	char **stop = NULL, **rm = NULL;
	size_t n_stop = 0, n_rm = 0;
	cubo_strv_push(&stop, &n_stop, "stop");
	if (timeout) {
		cubo_strv_push(&stop, &n_stop, "--time");
		cubo_strv_push(&stop, &n_stop, timeout);
	}
	cubo_strv_push(&rm, &n_rm, "rm");
	for (size_t i = 0; names[i]; i++) {
		cubo_strv_push(&stop, &n_stop, names[i]);
		cubo_strv_push(&rm, &n_rm, names[i]);
	}
	/* rm NAME... -v: "-v" after the names is a flag too */
	if (volumes)
		cubo_strv_push(&rm, &n_rm, "-v");
	int rc = quietly(m, stop);
	int rc2 = quietly(m, rm);
	for (size_t i = 0; !rc2 && names[i]; i++)
		fprintf(stderr, " Container %s  Removed\n", names[i]);
	cubo_strv_free(stop);
	cubo_strv_free(rm);
	return rc2 ? rc2 : rc;
}

/* One service's container: made, kept, started or made again as its hash says. */
static int up_service(struct mgr *m, const struct compose_project *p, const char *service,
		      const struct cnode *svc, int number, const struct up_flags *f)
{
	char hash[65];
	struct cubo_error *err = compose_config_hash(svc, hash);
	if (err)
		return mgr_fail(m, err);
	if ((err = wait_dependencies(m, p, svc)))
		return mgr_fail(m, err);
	char *name = compose_container_name(p, service, svc, number);
	struct ctr_ctx c;
	if ((err = ctr_ctx_open(m, &c))) {
		free(name);
		return mgr_fail(m, err);
	}
	struct ctr_record r;
	struct cubo_error *ferr = ctr_find(&c, name, &r);
	bool exists = !ferr, same = false, running = false;
	cubo_error_free(ferr); /* none yet: made below */
	if (exists) {
		const char *h = compose_label(&r, COMPOSE_LABEL_HASH);
		/* as compose: a container whose image was built or pulled anew is made again */
		same = h && !strcmp(h, hash) && !compose_image_changed(m, r.image, r.image_id);
		running = r.status == CTR_RUNNING || r.status == CTR_PAUSED;
		ctr_record_free(&r);
	}
	ctr_ctx_close(&c);
	int rc = 0;
	if (exists && (f->no_recreate || (same && !f->force_recreate))) {
		if (!running)
			rc = quietly3(m, "start", name, NULL);
		if (!rc)
			fprintf(stderr, " Container %s  %s\n", name,
				running ? "Running" : "Started");
		free(name);
		return rc;
	}
	if (exists) {
		char *one[] = {name, NULL};
		if ((rc = remove_containers(m, one, false, NULL))) {
			free(name);
			return rc;
		}
	}
	char **argv, **ignored;
	if ((err = compose_run_args(p, service, svc, number, hash, &argv, &ignored))) {
		free(name);
		return mgr_fail(m, err);
	}
	for (size_t i = 0; ignored && ignored[i]; i++)
		fprintf(stderr, "%s: warning: service %s: %s is not supported by up yet: ignored\n",
			m->prog, service, ignored[i]);
	rc = quietly(m, argv);
	if (!rc)
		fprintf(stderr, " Container %s  Started\n", name);
	cubo_strv_free(argv);
	cubo_strv_free(ignored);
	free(name);
	return rc;
}

/* The service's containers numbered above keep: removed, the highest first. */
static int remove_extra(struct mgr *m, const struct compose_project *p, const char *service,
			long keep)
{
	struct ctr_ctx c;
	struct ctr_record *v;
	size_t n;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err) {
		err = compose_containers(&c, p->name, &v, &n);
		ctr_ctx_close(&c);
	}
	if (err)
		return mgr_fail(m, err);
	char **names = xcalloc(1, sizeof(char *));
	size_t k = 0;
	for (size_t i = n; i-- > 0;) {
		const char *s = compose_label(&v[i], COMPOSE_LABEL_SERVICE),
			   *num = compose_label(&v[i], COMPOSE_LABEL_NUMBER),
			   *oneoff = compose_label(&v[i], COMPOSE_LABEL_ONEOFF);
		if (s && !strcmp(s, service) && num && strtol(num, NULL, 10) > keep &&
		    !(oneoff && !strcmp(oneoff, "True")))
			cubo_strv_push(&names, &k, v[i].name);
	}
	ctr_records_free(v, n);
	int rc = remove_containers(m, names, false, NULL);
	cubo_strv_free(names);
	return rc;
}

/* up --wait: each container running, and healthy if it has a health check. */
static int wait_ready(struct mgr *m, char **names)
{
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	for (size_t i = 0; !err && names[i]; i++) {
		for (int tries = 0; !err; tries++) {
			struct ctr_record r;
			if ((err = ctr_find(&c, names[i], &r)))
				break;
			enum health_status h = ctr_health(&c.store, &r);
			bool done = r.status == CTR_RUNNING &&
				    (h == HEALTH_NONE || h == HEALTH_HEALTHY);
			if (r.status == CTR_EXITED)
				err = cubo_error_new("container %s exited (%d)", names[i],
						     r.exit_code);
			else if (h == HEALTH_UNHEALTHY)
				err = cubo_error_new("container %s is unhealthy", names[i]);
			else if (!done && tries * CTR_POLL_MS >= DEPENDENCY_TIMEOUT_S * 1000)
				err = cubo_error_new("container %s: not ready after %d s", names[i],
						     DEPENDENCY_TIMEOUT_S);
			ctr_record_free(&r);
			if (done) {
				fprintf(stderr, " Container %s  %s\n", names[i],
					h == HEALTH_HEALTHY ? "Healthy" : "Running");
				break;
			}
			if (!err)
				ctr_poll_sleep();
		}
	}
	ctr_ctx_close(&c);
	return err ? mgr_fail(m, err) : 0;
}

/* Containers of the project whose service is not in the model. */
static char **orphans(struct mgr *m, const struct compose_project *p)
{
	struct ctr_ctx c;
	struct ctr_record *v;
	size_t n, k = 0;
	char **out = xcalloc(1, sizeof(char *));
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err && !(err = compose_containers(&c, p->name, &v, &n))) {
		const struct cnode *svcs = ctree_get(p->model, "services");
		for (size_t i = 0; i < n; i++) {
			const char *s = compose_label(&v[i], COMPOSE_LABEL_SERVICE);
			if (!s || !ctree_get(svcs, s))
				cubo_strv_push(&out, &k, v[i].name);
		}
		ctr_records_free(v, n);
	}
	if (!err)
		ctr_ctx_close(&c);
	cubo_error_free(err);
	return out;
}

static int up_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	struct up_flags f = {0};
	bool detach = false, wait = false, build = false, no_build = false;
	const struct cli_opt opts[] = {
		{"detach", 'd', CLI_BOOL, &detach, NULL,
		 "run in the background (else: follow the logs, Ctrl-C stops)"},
		{"wait", 0, CLI_BOOL, &wait, NULL,
		 "wait until the containers are running and healthy (implies -d)"},
		{"build", 0, CLI_BOOL, &build, NULL, "build the images first"},
		{"no-build", 0, CLI_BOOL, &no_build, NULL,
		 "do not build missing images (they must exist)"},
		{"scale", 0, CLI_LIST, &f.scale, "SERVICE=N",
		 "run N containers of the service (deploy.replicas otherwise)"},
		{"force-recreate", 0, CLI_BOOL, &f.force_recreate, NULL,
		 "make the containers again even if their configuration did not change"},
		{"no-recreate", 0, CLI_BOOL, &f.no_recreate, NULL,
		 "keep existing containers even if their configuration changed"},
		{"remove-orphans", 0, CLI_BOOL, &f.remove_orphans, NULL,
		 "remove containers of services no longer in the files"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose up",
		.usage = "compose up [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Make and start the project's networks, volumes and containers "
			       "(PROJECT-SERVICE-1), dependencies first; only what changed is made "
			       "again.",
		MGR_OPTS(opts),
	};
	struct timespec since;
	clock_gettime(CLOCK_REALTIME, &since);
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(f.scale);
		return rc;
	}
	if (f.force_recreate && f.no_recreate) {
		cubo_strv_free(f.scale);
		return mgr_usage_error(m, "compose up",
				       cubo_error_new("--force-recreate and --no-recreate are "
						      "incompatible"));
	}
	struct compose_project p;
	if ((rc = compose_load(m, c, &p)) >= 0) {
		cubo_strv_free(f.scale);
		return rc;
	}
	const struct cnode *svcs = ctree_get(p.model, "services");
	char **want;
	struct cubo_error *err = compose_check_scale(svcs, f.scale);
	if (err || (err = selected(svcs, &args, &want))) {
		cubo_strv_free(f.scale);
		compose_project_free(&p);
		return mgr_fail(m, err);
	}
	char **order = NULL, **gone = orphans(m, &p);
	err = compose_service_order(p.model, &order);
	rc = err ? mgr_fail(m, err) : 0;
	if (!rc && gone[0] && f.remove_orphans)
		rc = remove_containers(m, gone, false, NULL);
	else if (!rc && gone[0])
		fprintf(stderr,
			"%s: warning: found orphan containers (%s%s) for this project. If you "
			"removed or renamed this service in your compose file, you can run this "
			"command with the --remove-orphans flag to clean it up.\n",
			m->prog, gone[0], gone[1] ? ", ..." : "");
	/* as compose: what has build: is built when asked to or when its image is missing */
	if (!rc && !no_build)
		rc = compose_build_services(m, &p, want, build);
	if (!rc)
		rc = make_resources(m, &p);
	for (size_t i = 0; !rc && order[i]; i++) {
		if (want && !cubo_strv_contains(want, order[i]))
			continue;
		/* --force-recreate SERVICE: that service, not what it depends on */
		struct up_flags sf = f;
		sf.force_recreate =
			f.force_recreate && (!args.n || cubo_strv_contains(args.v, order[i]));
		const struct cnode *svc = ctree_get(svcs, order[i]);
		long replicas;
		if ((err = compose_replicas(order[i], svc, f.scale, &replicas))) {
			rc = mgr_fail(m, err);
			break;
		}
		for (long k = 1; !rc && k <= replicas; k++)
			rc = up_service(m, &p, order[i], svc, (int)k, &sf);
		if (!rc)
			rc = remove_extra(m, &p, order[i], replicas);
	}
	if (!rc && wait) {
		char **names;
		if ((rc = compose_targets(m, &p, &args, COMPOSE_ALL, &names)) < 0)
			rc = wait_ready(m, names);
		cubo_strv_free(names);
	} else if (!rc && !detach) {
		rc = compose_attach(m, &p, &args, &since);
	}
	cubo_strv_free(f.scale);
	cubo_strv_free(want);
	cubo_strv_free(order);
	cubo_strv_free(gone);
	compose_project_free(&p);
	return rc;
}

int compose_up_dependencies(struct mgr *m, const struct compose_project *p, const char *service,
			    bool deps)
{
	const struct cnode *svcs = ctree_get(p->model, "services");
	char *one[] = {(char *)service, NULL};
	const struct cli_args a = {.n = 1, .v = one};
	char **want, **order = NULL;
	struct cubo_error *err = selected(svcs, &a, &want);
	if (!err)
		err = compose_service_order(p->model, &order);
	int rc = err ? mgr_fail(m, err) : make_resources(m, p);
	const struct up_flags f = {0};
	for (size_t i = 0; !rc && order[i]; i++)
		if (deps && strcmp(order[i], service) && cubo_strv_contains(want, order[i]))
			rc = up_service(m, p, order[i], ctree_get(svcs, order[i]), 1, &f);
	cubo_strv_free(want);
	cubo_strv_free(order);
	return rc;
}

static int down_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool volumes = false, remove_orphans = false;
	const char *rmi = NULL, *timeout = NULL;
	const struct cli_opt opts[] = {
		{"timeout", 't', CLI_STRING, &timeout, "SECONDS",
		 "SIGKILL after that long (default: each container's stop timeout)"},
		{"rmi", 0, CLI_STRING, &rmi, "local|all",
		 "remove the services' images too: all, or those built without an image: name"},
		{"volumes", 'v', CLI_BOOL, &volumes, NULL,
		 "remove the named volumes of the files and anonymous ones too"},
		{"remove-orphans", 0, CLI_BOOL, &remove_orphans, NULL,
		 "remove containers of services no longer in the files"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose down",
		.usage = "compose down [OPTIONS]",
		MGR_ARGS(0, 0, "accepts no arguments"),
		.description = "Stop and remove the project's containers and the networks it "
			       "made (-v: its volumes too).",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (rmi && strcmp(rmi, "local") && strcmp(rmi, "all"))
		return mgr_usage_error(m, "compose down",
				       cubo_error_new("--rmi \"%s\": local or all", rmi));
	char *end;
	errno = 0;
	if (timeout && (strtol(timeout, &end, 10) < 0 || errno || end == timeout || *end))
		return mgr_usage_error(
			m, "compose down",
			cubo_error_new("--timeout \"%s\": a number of seconds", timeout));
	struct compose_project p;
	if ((rc = compose_load(m, c, &p)) >= 0)
		return rc;
	struct ctr_ctx cc;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &cc);
	if (!err) {
		err = compose_containers(&cc, p.name, &v, &n);
		ctr_ctx_close(&cc);
	}
	if (err) {
		compose_project_free(&p);
		return mgr_fail(m, err);
	}
	/* dependents first: the reverse of up's order, orphans (unknown services) first */
	char **order = NULL, **names = NULL;
	size_t k = 0;
	err = compose_service_order(p.model, &order);
	const struct cnode *svcs = ctree_get(p.model, "services");
	for (size_t i = 0; !err && i < n; i++) {
		const char *s = compose_label(&v[i], COMPOSE_LABEL_SERVICE);
		if (!s || !ctree_get(svcs, s)) {
			if (remove_orphans)
				cubo_strv_push(&names, &k, v[i].name);
		}
	}
	for (size_t j = cubo_strv_len(order); !err && j-- > 0;)
		for (size_t i = 0; i < n; i++) {
			const char *s = compose_label(&v[i], COMPOSE_LABEL_SERVICE);
			if (s && !strcmp(s, order[j]))
				cubo_strv_push(&names, &k, v[i].name);
		}
	ctr_records_free(v, n);
	cubo_strv_free(order);
	rc = err ? mgr_fail(m, err) : remove_containers(m, names, volumes, timeout);
	cubo_strv_free(names);
	const struct cnode *nets = ctree_get(p.model, "networks");
	struct net_store ns;
	if (!rc && !(err = net_store_open(m->root, &ns))) {
		for (size_t i = 0; !rc && nets && i < nets->n; i++) {
			const char *name = ctree_get(nets->v[i], "name")->str;
			struct cubo_error *missing = net_store_get(&ns, name, NULL, NULL, NULL);
			if (missing || is_external(nets->v[i])) {
				cubo_error_free(missing);
				continue;
			}
			rc = quietly3(m, "network", "rm", name);
			if (!rc)
				fprintf(stderr, " Network %s  Removed\n", name);
		}
		net_store_close(&ns);
	} else if (err) {
		rc = mgr_fail(m, err);
	}
	const struct cnode *vols = ctree_get(p.model, "volumes");
	for (size_t i = 0; !rc && volumes && vols && i < vols->n; i++) {
		const char *name = ctree_get(vols->v[i], "name")->str;
		struct ctr_volume vol;
		struct cubo_error *missing = volume_get(m->root, name, &vol);
		if (missing || is_external(vols->v[i])) {
			cubo_error_free(missing);
			if (!missing)
				ctr_volume_free(&vol);
			continue;
		}
		ctr_volume_free(&vol);
		rc = quietly3(m, "volume", "rm", name);
		if (!rc)
			fprintf(stderr, " Volume %s  Removed\n", name);
	}
	if (!rc && rmi)
		rc = compose_remove_images(m, &p, !strcmp(rmi, "all"));
	compose_project_free(&p);
	return rc;
}

static int ps_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool all = false, quiet = false, services = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL, "stopped containers too"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "only the IDs"},
		{"services", 0, CLI_BOOL, &services, NULL, "only the services' names"},
		{"format", 0, CLI_STRING, &format, "table|json", "the output's format"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose ps",
		.usage = "compose ps [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "List the project's containers.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	bool json = format && !strcmp(format, "json");
	if (format && !json && strcmp(format, "table"))
		return mgr_usage_error(m, "compose ps",
				       cubo_error_new("--format \"%s\": table or json", format));
	struct compose_project p;
	if ((rc = compose_load(m, c, &p)) >= 0)
		return rc;
	struct ctr_ctx cc;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &cc);
	if (!err && (err = compose_containers(&cc, p.name, &v, &n)))
		ctr_ctx_close(&cc);
	if (err) {
		compose_project_free(&p);
		return mgr_fail(m, err);
	}
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS\n");
	time_t now = time(NULL);
	if (json)
		printf("[");
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		struct ctr_record *r = &v[i];
		const char *svc = compose_label(r, COMPOSE_LABEL_SERVICE);
		bool up = r->status == CTR_RUNNING || r->status == CTR_PAUSED;
		if ((!all && !up) || (args.n && !(svc && cubo_strv_contains(args.v, svc))))
			continue;
		if (quiet) {
			printf("%s\n", r->id);
			continue;
		}
		if (services) {
			printf("%s\n", svc ? svc : "");
			continue;
		}
		char status[128];
		enum health_status health = ctr_health(&cc.store, r);
		ctr_status_text_health(r, health, now, status, sizeof(status));
		char *ports = mgr_format_join(ctr_shown_ports(r), ", ");
		if (json) {
			struct cubo_json_gen *g;
			if (!cubo_json_gen_new(false, &g)) {
				cubo_json_gen_map_open(g);
				mgr_json_kv(g, "ID", r->id);
				mgr_json_kv(g, "Name", r->name);
				mgr_json_kv(g, "Image", r->image);
				mgr_json_kv(g, "Command", r->command);
				mgr_json_kv(g, "Project", p.name);
				mgr_json_kv(g, "Service", svc);
				mgr_json_kv(g, "Created", r->created);
				mgr_json_kv(g, "State", ctr_status_name(r->status));
				mgr_json_kv(g, "Status", status);
				/* as docker compose: "" without a check, else its state */
				mgr_json_kv(g, "Health",
					    health == HEALTH_NONE ? ""
								  : health_status_name(health));
				cubo_json_gen_key(g, "ExitCode");
				cubo_json_gen_int(g, r->status == CTR_EXITED ? r->exit_code : 0);
				mgr_json_kv(g, "Ports", ports);
				cubo_json_gen_map_close(g);
				char *line;
				size_t len;
				if (!cubo_json_gen_finish(g, &line, &len)) {
					printf("%s%s", first ? "" : ",", line);
					free(line);
				}
				first = false;
			}
		} else {
			char created[64];
			snprintf(created, sizeof(created), "%s", r->created);
			char *row = xasprintf("%s\t%s\t\"%s\"\t%s\t%s\t%s\t%s\n", r->name, r->image,
					      r->command ? r->command : "", svc ? svc : "", created,
					      status, ports);
			cubo_strbuf_adds(&b, row);
			free(row);
		}
		free(ports);
	}
	if (json)
		printf("]\n");
	else if (!quiet && !services) {
		char *t = tabwriter_align(b.s, b.len, 0, 3);
		fputs(t, stdout);
		free(t);
	}
	free(b.s);
	ctr_records_free(v, n);
	ctr_ctx_close(&cc);
	compose_project_free(&p);
	return 0;
}

struct compose_sub {
	const char *name;
	compose_fn fn;
	const char *summary;
};

static const struct compose_sub subs[] = {
	{"config", config_cmd, "check the files and print the resolved model"},
	{"up", up_cmd, "make and start the project's containers, networks and volumes"},
	{"down", down_cmd, "stop and remove them (-v: volumes too)"},
	{"ps", ps_cmd, "list the project's containers"},
	{"logs", compose_logs_cmd, "print the containers' output, NAME  | LINE (-f: follow)"},
	{"start", compose_start_cmd, "start the stopped containers"},
	{"stop", compose_stop_cmd, "stop the running containers"},
	{"restart", compose_restart_cmd, "restart the containers"},
	{"kill", compose_kill_cmd, "send a signal to the running containers"},
	{"rm", compose_rm_cmd, "remove the stopped containers"},
	{"pause", compose_pause_cmd, "freeze the running containers"},
	{"unpause", compose_unpause_cmd, "thaw the paused containers"},
	{"top", compose_top_cmd, "the processes of the running containers"},
	{"port", compose_port_cmd, "the host address a service's port is published on"},
	{"exec", compose_exec_cmd, "run a command in a service's running container"},
	{"run", compose_run_cmd, "run a one-off container of a service"},
	{"build", compose_build_cmd, "build the services' images"},
	{"pull", compose_pull_cmd, "pull the services' images"},
	{"images", compose_images_cmd, "the images of the containers"},
	{"events", compose_events_cmd, "what happens to the containers"},
	{"ls", compose_ls_cmd, "list the projects (of the containers' labels)"},
};

int cmd_compose(struct mgr *m, int argc, char **argv)
{
	struct compose_cli c = {0};
	struct cli_args args;
	const struct cli_opt opts[] = {
		{"file", 'f', CLI_LIST, &c.files, "FILE",
		 "a compose file (- for stdin); repeat to merge"},
		{"project-name", 'p', CLI_STRING, &c.name, "NAME", "the project's name"},
		{"env-file", 0, CLI_LIST, &c.env_files, "FILE",
		 "variables from FILE instead of .env"},
		{"profile", 0, CLI_LIST, &c.profiles, "NAME", "enable the services of a profile"},
		{"project-directory", 0, CLI_STRING, &c.project_dir, "DIR",
		 "look for the files in DIR (default: the working directory)"},
	};
	struct cubo_error *err = cli_parse(argc, argv, opts, CLI_N(opts), true, &args);
	int rc;
	if (err) {
		rc = mgr_usage_error(m, "compose", err);
	} else if (args.help || !args.n) {
		FILE *out = args.help ? stdout : stderr;
		cli_print_help(
			out, m->prog, "compose [OPTIONS] COMMAND",
			"Run multi-container applications from compose files (compose.yaml, "
			"compose.yml, docker-compose.yml, docker-compose.yaml in the working "
			"directory or a parent).",
			opts, CLI_N(opts));
		fprintf(out, "\nCommands:\n");
		for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
			fprintf(out, "  %-10s %s\n", subs[i].name, subs[i].summary);
		rc = args.help ? 0 : MGR_EXIT_FAILURE;
	} else {
		rc = -1;
		for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
			if (!strcmp(subs[i].name, args.v[0]))
				rc = subs[i].fn(m, &c, args.n, args.v);
		if (rc < 0)
			rc = mgr_usage_error(m, "compose",
					     cubo_error_new("unknown command \"%s\"", args.v[0]));
	}
	cubo_strv_free(c.files);
	cubo_strv_free(c.env_files);
	cubo_strv_free(c.profiles);
	return rc;
}
