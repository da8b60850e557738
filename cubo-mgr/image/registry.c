/* SPDX-License-Identifier: Apache-2.0 */
/* The registry client: connections, authentication, manifests. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/image/auth.h"
#include "cubo-mgr/image/cred_policy.h"
#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/registries_conf.h"
#include "cubo-mgr/image/registry_priv.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/xalloc.h"
#include "spec/image.h"

#define MAX_ERROR_BODY 65536
#define MAX_REDIRECTS 10
#define DOCKER_HUB_ENDPOINT "registry-1.docker.io"
#define DEFAULT_CERTS_DIR "/etc/cubo/certs.d"
#define DOCKER_CERTS_DIR "/etc/docker/certs.d"
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

extern char **environ;

struct token {
	char *key; /* "host scope" */
	char *value;
	time_t expires;
};

struct host_creds {
	char *host;
	char *user, *pass; /* NULL: anonymous */
	int use_http;	   /* an insecure registry that answered over HTTP */
};

struct registry_client {
	bool tls_verify;
	char *auth_file, *certs_dir, *user_agent;
	char *cert_dir_flag; /* --cert-dir: these CAs for every registry */
	struct registries_conf conf;
	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	pthread_mutex_t mu; /* tokens and hosts */
	struct token *tokens;
	size_t n_tokens;
	struct host_creds *hosts;
	size_t n_hosts;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *arg)
{
	struct registry_client *c = arg;
	pthread_mutex_lock(&c->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct registry_client *c = arg;
	pthread_mutex_unlock(&c->share_mu[data]);
}

struct cubo_error *registry_client_new(const struct registry_opts *o, struct registry_client **out)
{
	/* not thread-safe, and the first client is made before any thread starts */
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return cubo_error_new("libcurl failed to initialise");
	struct registry_client *c = xcalloc(1, sizeof(*c));
	c->tls_verify = o->tls_verify;
	c->auth_file = xstrdup(o->auth_file);
	c->certs_dir = xstrdup(DEFAULT_CERTS_DIR);
	c->cert_dir_flag = xstrdup(o->certs_dir);
	if (o->user_agent)
		c->user_agent = xstrdup(o->user_agent);
	else
		c->user_agent = xasprintf("cubo-mgr/%s", PACKAGE_VERSION);
	pthread_mutex_init(&c->mu, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_mu[i], NULL);
	c->share = curl_share_init();
	struct cubo_error *err = NULL;
	if (!c->share) {
		err = cubo_error_new("libcurl: no share handle");
	} else {
		curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
		curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
		curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
		curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
		curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	}
	if (!err)
		err = registries_conf_load(o->registries_conf ? o->registries_conf
							      : REGISTRIES_CONF_DEFAULT,
					   o->registries_conf != NULL, &c->conf);
	if (err) {
		registry_client_free(c);
		return err;
	}
	*out = c;
	return NULL;
}

void registry_client_free(struct registry_client *c)
{
	if (!c)
		return;
	if (c->share)
		curl_share_cleanup(c->share);
	for (size_t i = 0; i < c->n_tokens; i++) {
		free(c->tokens[i].key);
		free(c->tokens[i].value);
	}
	free(c->tokens);
	for (size_t i = 0; i < c->n_hosts; i++) {
		free(c->hosts[i].host);
		free(c->hosts[i].user);
		free(c->hosts[i].pass);
	}
	free(c->hosts);
	registries_conf_free(&c->conf);
	pthread_mutex_destroy(&c->mu);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_mu[i]);
	free(c->auth_file);
	free(c->certs_dir);
	free(c->cert_dir_flag);
	free(c->user_agent);
	free(c);
}

const char *registry_client_short_name_domain(const struct registry_client *c)
{
	return c->conf.short_name_domain;
}

/* ---- hosts ---- */

uint64_t registry_range_skip(uint64_t from, long status)
{
	/* the server ignored our Range: drop what we already have */
	return status == 200 ? from : 0;
}

bool registry_host_is_loopback(const char *host)
{
	char h[256];
	if (host[0] == '[') {
		snprintf(h, sizeof(h), "%s", host + 1);
		char *close = strchr(h, ']');
		if (close)
			*close = 0;
		return !strcmp(h, "::1");
	}
	snprintf(h, sizeof(h), "%s", host);
	char *colon = strchr(h, ':');
	if (colon)
		*colon = 0;
	if (!strcmp(h, "localhost"))
		return true;
	struct in_addr a;
	return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static bool is_insecure(struct registry_client *c, const char *host)
{
	const struct registry_conf_entry *e = registries_conf_find(&c->conf, host);
	/* the config decides; without a word from it, loopback registries are insecure */
	if (e && e->insecure_set)
		return !c->tls_verify || e->insecure;
	return !c->tls_verify || registry_host_is_loopback(host);
}

/* The per-host record (credentials looked up once). Called with c->mu held. */
static struct host_creds *host_get(struct registry_client *c, const char *host,
				   struct cubo_error **err)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (!strcmp(c->hosts[i].host, host))
			return &c->hosts[i];
	struct host_creds *v = xrealloc(c->hosts, (c->n_hosts + 1) * sizeof(*v));
	c->hosts = v;
	struct host_creds *h = &c->hosts[c->n_hosts++];
	memset(h, 0, sizeof(*h));
	h->host = xstrdup(host);
	*err = auth_lookup(c->auth_file, environ, host, &h->user, &h->pass);
	return h;
}

static const char *api_endpoint(const char *domain)
{
	return strcmp(domain, "docker.io") ? domain : DOCKER_HUB_ENDPOINT;
}

/* ---- tokens ---- */

static char *token_get(struct registry_client *c, const char *key)
{
	char *v = NULL;
	time_t now = time(NULL);
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n_tokens; i++)
		if (!strcmp(c->tokens[i].key, key) && c->tokens[i].expires > now)
			v = xstrdup(c->tokens[i].value);
	pthread_mutex_unlock(&c->mu);
	return v;
}

static void token_put(struct registry_client *c, const char *key, const char *value, long ttl)
{
	pthread_mutex_lock(&c->mu);
	struct token *t = NULL;
	for (size_t i = 0; i < c->n_tokens && !t; i++)
		if (!strcmp(c->tokens[i].key, key))
			t = &c->tokens[i];
	if (!t) {
		struct token *v = xrealloc(c->tokens, (c->n_tokens + 1) * sizeof(*v));
		if (v) {
			c->tokens = v;
			t = &c->tokens[c->n_tokens++];
			t->key = xstrdup(key);
			t->value = NULL;
		}
	}
	if (t) {
		free(t->value);
		t->value = xstrdup(value);
		/* a little early, so a token never expires mid-request */
		t->expires = time(NULL) + (ttl > 30 ? ttl - 10 : ttl);
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- the engine ---- */

static void append(char **buf, size_t *len, const char *data, size_t n, size_t max)
{
	if (*len + n > max)
		n = max > *len ? max - *len : 0;
	char *p = xrealloc(*buf, *len + n + 1);
	memcpy(p + *len, data, n);
	*len += n;
	p[*len] = 0;
	*buf = p;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct registry_request *r = arg;
	size_t len = size * nmemb;
	long code = 0;
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code >= 300) {
		append(&r->errbody, &r->errbody_len, data, len, MAX_ERROR_BODY);
		return len;
	}
	if (!r->started) {
		r->started = 1;
		r->skip = registry_range_skip(r->range_from, code);
	}
	r->received += len;
	if (r->skip) {
		size_t k = r->skip < len ? (size_t)r->skip : len;
		r->skip -= k;
		data += k;
		len -= k;
		if (!len)
			return size * nmemb;
	}
	if (r->sink) {
		r->sink_err = r->sink(r->sink_arg, data, len);
		if (r->sink_err) {
			r->sink_failed = true;
			return 0;
		}
		r->delivered += len;
		return size * nmemb;
	}
	if (r->body_out_len + len > r->max_body) {
		r->sink_err = cubo_error_new("response larger than %zu bytes", r->max_body);
		return 0;
	}
	append(&r->body_out, &r->body_out_len, data, len, r->max_body);
	return size * nmemb;
}

static void set_header(char **slot, const char *value, size_t n)
{
	while (n > 0 && (value[n - 1] == '\r' || value[n - 1] == '\n' || value[n - 1] == ' '))
		n--;
	while (n > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		n--;
	}
	free(*slot);
	*slot = xstrndup(value, n);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct registry_request *r = arg;
	size_t len = size * nmemb;
	static const struct {
		const char *name;
		size_t offset;
	} wanted[] = {
		{"content-type:", offsetof(struct registry_request, content_type_out)},
		{"docker-content-digest:", offsetof(struct registry_request, docker_digest)},
		{"www-authenticate:", offsetof(struct registry_request, www_auth)},
		{"location:", offsetof(struct registry_request, location)},
		{"link:", offsetof(struct registry_request, link)},
	};
	if (len > 5 && !strncmp(data, "HTTP/", 5)) {
		/* a new response (after a redirect): forget the last one's headers */
		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
			char **slot = (char **)((char *)r + wanted[i].offset);
			free(*slot);
			*slot = NULL;
		}
		return len;
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t n = strlen(wanted[i].name);
		if (len > n && !strncasecmp(data, wanted[i].name, n))
			set_header((char **)((char *)r + wanted[i].offset), data + n, len - n);
	}
	return len;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct registry_request *r = arg;
	ssize_t n;
	do
		n = read(r->body_fd, buf, size * nmemb);
	while (n < 0 && errno == EINTR);
	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static const char *reason(long status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "";
	}
}

/* "GET URL: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown" */
static struct cubo_error *status_error(const struct registry_request *r)
{
	char detail[512] = "";
	yajl_val root;
	struct cubo_error *perr =
		r->errbody_len ? cubo_json_parse(r->errbody, r->errbody_len, "error", &root)
			       : cubo_error_new("no body");
	if (!perr) {
		yajl_val errs = cubo_json_get(root, "errors");
		if (YAJL_IS_ARRAY(errs) && errs->u.array.len > 0) {
			yajl_val e = errs->u.array.values[0];
			yajl_val code = cubo_json_get(e, "code"), msg = cubo_json_get(e, "message");
			snprintf(detail, sizeof(detail), ": %s%s%s",
				 YAJL_IS_STRING(code) ? code->u.string : "",
				 YAJL_IS_STRING(code) && YAJL_IS_STRING(msg) ? ": " : "",
				 YAJL_IS_STRING(msg) ? msg->u.string : "");
		}
		yajl_tree_free(root);
	}
	cubo_error_free(perr);
	return cubo_error_new("%s %s: %ld%s%s%s", r->method, r->url, r->status,
			      *reason(r->status) ? " " : "", reason(r->status), detail);
}

static void reset_response(struct registry_request *r)
{
	free(r->content_type_out);
	free(r->docker_digest);
	free(r->location);
	free(r->link);
	free(r->www_auth);
	free(r->errbody);
	free(r->body_out);
	r->content_type_out = r->docker_digest = r->location = r->link = r->www_auth = NULL;
	r->errbody = r->body_out = NULL;
	r->errbody_len = r->body_out_len = 0;
	r->received = r->skip = 0;
	r->started = 0;
	r->status = 0;
}

/*
 * The CA certificates to trust for host, as one PEM blob: the system's plus
 * every *.crt of --cert-dir, or else of <certs.d>/<host>/ (ours, then
 * docker's). NULL when there is no such directory: curl's defaults apply.
 */
static char *ca_pem(struct registry_client *c, const char *host, size_t *len)
{
	char *dir = xstrdup(c->cert_dir_flag);
	const char *roots[] = {c->certs_dir, DOCKER_CERTS_DIR};
	for (size_t i = 0; !dir && i < 2; i++) {
		char *p = cubo_path_join(roots[i], host);
		if (cubo_path_exists(p))
			dir = p;
		else
			free(p);
	}
	if (!dir)
		return NULL;
	char *pem = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&pem, &n);
	char *text;
	size_t tl;
	struct cubo_error *err = cubo_read_file(SYSTEM_CA_BUNDLE, &text, &tl);
	if (!err) {
		fwrite(text, 1, tl, f);
		fputc('\n', f);
		free(text);
	}
	cubo_error_free(err);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 4, ".crt"))
			continue;
		char *p = cubo_path_join(dir, e->d_name);
		if (!(err = cubo_read_file(p, &text, &tl))) {
			fwrite(text, 1, tl, f);
			fputc('\n', f);
			free(text);
		}
		cubo_error_free(err);
		free(p);
	}
	if (d)
		closedir(d);
	fclose(f);
	free(dir);
	*len = n;
	return pem;
}

/* One HTTP exchange with the given Authorization header (or none). */
static struct cubo_error *perform(struct registry_client *c, struct registry_request *r,
				  const char *host, const char *authorization, CURLcode *cc)
{
	struct curl_slist *hdrs = NULL;
	char line[8192];
	CURL *h = r->curl;
	curl_easy_reset(h);
	reset_response(r);
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	r->curl_error[0] = 0;
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_error);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	/*
	 * Redirects are followed by perform_following, not by curl: curl sends
	 * a header set here (our Authorization) wherever it is redirected.
	 */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(h, CURLOPT_DISALLOW_USERNAME_IN_URL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled transfer fails instead of hanging: under 1 kB/s for a minute */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	/* insecure registries (and --tls-verify=false) skip certificate checks, as in docker */
	if (!c->tls_verify || (*host && is_insecure(c, host))) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	size_t pem_len = 0;
	char *cas = *host ? ca_pem(c, host, &pem_len) : NULL;
	if (cas) {
		struct curl_blob blob = {.data = cas, .len = pem_len, .flags = CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (r->accept) {
		snprintf(line, sizeof(line), "Accept: %s", r->accept);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (authorization) {
		snprintf(line, sizeof(line), "Authorization: %s", authorization);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (r->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", r->content_type);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (!strcmp(r->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(r->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
	} else if (!strcmp(r->method, "PUT")) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		if (r->body_fd >= 0) {
			if (lseek(r->body_fd, 0, SEEK_SET) < 0) {
				curl_slist_free_all(hdrs);
				free(cas);
				return cubo_error_errno("rewinding the upload");
			}
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, r);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_size);
		} else {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
			curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		}
	}
	/*
	 * A retry (another endpoint, plain HTTP, new credentials) resumes where
	 * the sink stopped, so it never sees a byte twice.
	 */
	r->range_from = r->offset + r->delivered;
	if (r->range_from) {
		snprintf(line, sizeof(line), "%llu-", (unsigned long long)r->range_from);
		curl_easy_setopt(h, CURLOPT_RANGE, line);
	}
	/* Expect: 100-continue costs a round trip per upload */
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	*cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	free(cas);
	if (r->sink_err) {
		struct cubo_error *e = r->sink_err;
		r->sink_err = NULL;
		return e;
	}
	return NULL;
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* A Location (absolute, or relative to base) as an absolute URL. */
static struct cubo_error *resolve_location(const char *base, const char *location, char *out,
					   size_t size)
{
	CURLU *u = curl_url();
	char *full = NULL;
	struct cubo_error *err = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK)
		err = cubo_error_new("redirect from %s to \"%s\": not a URL", base, location);
	else if ((size_t)snprintf(out, size, "%s", full) >= size)
		err = cubo_error_new("redirect from %s: the URL is too long", base);
	curl_free(full);
	curl_url_cleanup(u);
	return err;
}

/*
 * perform, following a GET's or HEAD's redirects here rather than in curl:
 * authorization goes along only to the same scheme, host and port
 * (cred_may_follow), and each hop gets the TLS settings of its own host.
 * host: the host[:port] of r->url for those settings ("" for curl's).
 */
static struct cubo_error *perform_following(struct registry_client *c, struct registry_request *r,
					    const char *host, const char *authorization,
					    CURLcode *cc)
{
	char hop_host[300];
	snprintf(hop_host, sizeof(hop_host), "%s", host);
	bool follow = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	for (int hops = 0;; hops++) {
		CUBO_TRY(perform(c, r, hop_host, authorization, cc));
		if (*cc != CURLE_OK || !follow || !is_redirect(r->status) || !r->location)
			return NULL;
		if (hops == MAX_REDIRECTS)
			return cubo_error_new("%s %s: more than %d redirects", r->method, r->url,
					      MAX_REDIRECTS);
		char next[sizeof(r->url)];
		CUBO_TRY(resolve_location(r->url, r->location, next, sizeof(next)));
		/* the same place keeps its host's name (docker.io's certs.d, say) */
		if (!cred_may_follow(r->url, next)) {
			authorization = NULL;
			if (!cred_url_authority(next, hop_host, sizeof(hop_host)))
				return cubo_error_new("redirect from %s to \"%s\": not an http "
						      "or https URL",
						      r->url, next);
		}
		memcpy(r->url, next, sizeof(next));
	}
}

/*
 * Fetch a bearer token for ch's realm, with the host's credentials when
 * cred_policy.h lets them go there (*withheld: they did not; why says why).
 */
/* The Authorization header value for HTTP Basic authentication. */
static char *basic_authorization(const char *user, const char *pass)
{
	char *plain = xasprintf("%s:%s", user, pass ? pass : "");
	char *b64 = auth_base64_encode(plain, strlen(plain));
	char *value = xasprintf("Basic %s", b64);

	free(plain);
	free(b64);
	return value;
}

static struct cubo_error *fetch_token(struct registry_client *c, const struct auth_challenge *ch,
				      const struct cred_origin *origin, const char *scope,
				      const char *user, const char *pass, char **token, long *ttl,
				      const char **withheld)
{
	*withheld = NULL;
	if (user && !cred_may_send(origin, ch->realm, CRED_TO_REALM, withheld))
		user = pass = NULL;
	CURL *h = curl_easy_init();
	if (!h)
		return cubo_error_new("libcurl: no handle");
	char *svc = ch->service ? curl_easy_escape(h, ch->service, 0) : NULL;
	const char *want = ch->scope ? ch->scope : scope;
	char *sc = want ? curl_easy_escape(h, want, 0) : NULL;
	struct registry_request r = {
		.method = "GET", .curl = h, .body_fd = -1, .max_body = 1 << 20};
	snprintf(r.url, sizeof(r.url), "%s%s%s%s%s%s", ch->realm,
		 strchr(ch->realm, '?') ? "&" : "?", svc ? "service=" : "", svc ? svc : "",
		 sc ? (svc ? "&scope=" : "scope=") : "", sc ? sc : "");
	curl_free(svc);
	curl_free(sc);
	char *auth = user ? basic_authorization(user, pass) : NULL;
	CURLcode cc;
	char realm_host[300];
	if (!cred_url_authority(ch->realm, realm_host, sizeof(realm_host)))
		realm_host[0] = '\0';
	struct cubo_error *err = perform_following(c, &r, realm_host, auth, &cc);
	free(auth);
	if (!err && cc != CURLE_OK)
		err = cubo_error_new("GET %s: %s", r.url, curl_easy_strerror(cc));
	if (!err && r.status == 401 && *withheld)
		err = cubo_error_new(
			"token service %s: authentication required; the credentials for %s "
			"are not sent to it: %s",
			ch->realm, origin->endpoint, *withheld);
	else if (!err && r.status == 401)
		err = cubo_error_new("token service %s: %s", ch->realm,
				     user ? "wrong username or password"
					  : "authentication required (run cubo-mgr login)");
	if (!err && (r.status < 200 || r.status >= 300))
		err = status_error(&r);
	yajl_val root = NULL;
	if (!err)
		err = cubo_json_parse(r.body_out ? r.body_out : "", r.body_out_len, "token reply",
				      &root);
	if (!err) {
		yajl_val t = cubo_json_get(root, "token");
		if (!YAJL_IS_STRING(t))
			t = cubo_json_get(root, "access_token");
		yajl_val e = cubo_json_get(root, "expires_in");
		*ttl = YAJL_IS_INTEGER(e) && YAJL_GET_INTEGER(e) > 0 ? (long)YAJL_GET_INTEGER(e)
								     : 60;
		if (YAJL_IS_STRING(t) && *t->u.string)
			*token = xstrdup(t->u.string);
		else
			err = cubo_error_new("token service %s: no token in the reply", ch->realm);
		yajl_tree_free(root);
	}
	registry_request_clear(&r);
	curl_easy_cleanup(h);
	return err;
}

static bool connection_failed(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING || cc == CURLE_SEND_ERROR ||
	       cc == CURLE_PEER_FAILED_VERIFICATION;
}

/* One endpoint: scheme choice, then the request with authentication. */
static struct cubo_error *try_endpoint(struct registry_client *c, struct registry_request *r,
				       const char *host)
{
	struct cubo_error *err = NULL;
	pthread_mutex_lock(&c->mu);
	struct host_creds *hc = host_get(c, host, &err);
	int use_http = hc ? hc->use_http : 0;
	char *user = r->user ? xstrdup(r->user) : hc ? xstrdup(hc->user) : NULL;
	char *pass = r->user	      ? xstrdup(r->pass ? r->pass : "")
		     : hc && hc->pass ? xstrdup(hc->pass)
				      : NULL;
	pthread_mutex_unlock(&c->mu);
	if (err)
		goto out;
	/* what the registry's answers name gets credentials only as cred_policy.h says */
	const struct cred_origin origin = {
		.endpoint = api_endpoint(host), .insecure = is_insecure(c, host), .conf = &c->conf};
	const char *withheld = NULL;
	char key[1024];
	snprintf(key, sizeof(key), "%s %s", host, r->scope ? r->scope : "");
	char *token = r->user ? NULL : token_get(c, key);
	char *authz = token ? xasprintf("Bearer %s", token) : NULL;
	free(token);
	for (int attempt = 0; attempt < 3; attempt++) {
		if (strncmp(r->path, "http", 4))
			snprintf(r->url, sizeof(r->url), "%s://%s%s", use_http ? "http" : "https",
				 api_endpoint(host), r->path);
		else
			snprintf(r->url, sizeof(r->url), "%s", r->path);
		CURLcode cc;
		cubo_error_free(err);
		err = NULL;
		const char *why = NULL;
		bool may_auth = cred_may_send(&origin, r->url, CRED_TO_REGISTRY, &why);
		/* TLS settings: the registry's, or those of the host a Location names */
		char url_host[300];
		snprintf(url_host, sizeof(url_host), "%s", host);
		if (!strncmp(r->path, "http", 4) && !may_auth &&
		    !cred_url_authority(r->url, url_host, sizeof(url_host))) {
			err = cubo_error_new("%s %s: not an http or https URL", r->method, r->url);
			break;
		}
		if ((err = perform_following(c, r, url_host, may_auth ? authz : NULL, &cc)))
			break;
		if (cc != CURLE_OK) {
			if (!use_http && connection_failed(cc) && is_insecure(c, host) &&
			    strncmp(r->path, "http", 4)) {
				use_http = 1; /* an insecure registry without TLS */
				pthread_mutex_lock(&c->mu);
				if ((hc = host_get(c, host, &err)))
					hc->use_http = 1;
				pthread_mutex_unlock(&c->mu);
				continue;
			}
			err = cubo_error_new("%s %s: %s%s", r->method, r->url,
					     r->curl_error[0] ? r->curl_error
							      : curl_easy_strerror(cc),
					     cc == CURLE_PEER_FAILED_VERIFICATION
						     ? " (trust its CA with --cert-dir or "
						       "/etc/cubo/certs.d/HOST/, "
						       "or use --tls-verify=false)"
						     : "");
			break;
		}
		if (r->status == 401 && !may_auth) {
			err = cubo_error_new("%s %s: 401 Unauthorized; credentials for %s are not "
					     "sent there: %s",
					     r->method, r->url, host, why);
			break;
		}
		if (r->status != 401 || !r->www_auth || attempt == 2 || (authz && attempt > 0)) {
			if (r->status == 401 && withheld)
				err = cubo_error_new("%s %s: 401 Unauthorized; the credentials "
						     "for %s were not sent to its token "
						     "service: %s",
						     r->method, r->url, host, withheld);
			else if (r->status < 200 || r->status >= 300)
				err = r->status == 401 && user
					      ? cubo_error_new("%s %s: 401 Unauthorized: wrong "
							       "username or password",
							       r->method, r->url)
					      : status_error(r);
			break;
		}
		/* 401: answer the challenge and try once more */
		struct auth_challenge ch;
		if ((err = auth_challenge_parse(r->www_auth, &ch)))
			break;
		free(authz);
		authz = NULL;
		if (!strcasecmp(ch.scheme, "Bearer") && ch.realm) {
			char *tok = NULL;
			long ttl = 60;
			err = fetch_token(c, &ch, &origin, r->scope, user, pass, &tok, &ttl,
					  &withheld);
			if (!err) {
				if (!r->user)
					token_put(c, key, tok, ttl);
				authz = xasprintf("Bearer %s", tok);
			}
			free(tok);
		} else if (!strcasecmp(ch.scheme, "Basic") && user) {
			authz = basic_authorization(user, pass);
		} else {
			err = cubo_error_new(
				"%s %s: authentication required (run cubo-mgr login %s)", r->method,
				r->url, host);
		}
		auth_challenge_free(&ch);
		if (err)
			break;
	}
	free(authz);
out:
	free(user);
	free(pass);
	return err;
}

struct cubo_error *registry_do(struct registry_client *c, struct registry_request *r)
{
	struct cubo_error *err = NULL;
	if (!r->curl && !(r->curl = curl_easy_init()))
		return cubo_error_new("libcurl: no handle");
	/* pulls try the mirrors first; anything else goes to the registry */
	const struct registry_conf_entry *e = registries_conf_find(&c->conf, r->domain);
	/* login's credentials are the registry's: a mirror never sees them */
	bool pull =
		!r->push && !r->user && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"));
	for (size_t i = 0; pull && e && i < e->n_mirrors; i++) {
		err = try_endpoint(c, r, e->mirrors[i]);
		if (!err || r->sink_failed)
			return err;
		cubo_error_free(err);
	}
	return try_endpoint(c, r, r->domain);
}

void registry_request_clear(struct registry_request *r)
{
	reset_response(r);
	cubo_error_free(r->sink_err);
	r->sink_err = NULL;
}

/* ---- manifests ---- */

char *registry_repo_scope(const struct image_ref *ref, bool push)
{
	return xasprintf("repository:%s:%s", ref->path, push ? "pull,push" : "pull");
}

struct cubo_error *registry_get_manifest(struct registry_client *c, const struct image_ref *ref,
					 const char *reference, struct registry_manifest *out)
{
	memset(out, 0, sizeof(*out));
	char path[1024];
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", ref->path, reference);
	char *scope = registry_repo_scope(ref, false);
	struct registry_request r = {.method = "GET",
				     .domain = ref->domain,
				     .path = path,
				     .scope = scope,
				     .accept = OCI_MANIFEST_ACCEPT,
				     .body_fd = -1,
				     .max_body = MAX_MANIFEST_BYTES};
	struct cubo_error *err = registry_do(c, &r);
	if (!err)
		err = cubo_sha256_buffer(r.body_out ? r.body_out : "", r.body_out_len, out->digest);
	if (!err && cubo_digest_valid(reference) && strcmp(reference, out->digest))
		err = cubo_error_new("manifest %s: digest mismatch (got %s)", reference,
				     out->digest);
	if (!err && r.docker_digest && cubo_digest_valid(r.docker_digest) &&
	    strcmp(r.docker_digest, out->digest))
		err = cubo_error_new("manifest %s: the registry says %s but the content is %s",
				     reference, r.docker_digest, out->digest);
	if (!err) {
		out->body = r.body_out ? r.body_out : xstrdup("");
		out->len = r.body_out_len;
		out->content_type = r.content_type_out;
		r.body_out = NULL;
		r.content_type_out = NULL;
	}
	registry_request_clear(&r);
	curl_easy_cleanup(r.curl);
	free(scope);
	return err;
}

void registry_manifest_free(struct registry_manifest *m)
{
	free(m->body);
	free(m->content_type);
	memset(m, 0, sizeof(*m));
}

struct cubo_error *registry_put_manifest(struct registry_client *c, const struct image_ref *ref,
					 const char *reference, const char *media_type,
					 const char *body, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", ref->path, reference);
	char *scope = registry_repo_scope(ref, true);
	struct registry_request r = {.method = "PUT",
				     .domain = ref->domain,
				     .path = path,
				     .scope = scope,
				     .content_type = media_type,
				     .body = body,
				     .body_len = len,
				     .body_fd = -1,
				     .max_body = MAX_ERROR_BODY};
	struct cubo_error *err = registry_do(c, &r);
	registry_request_clear(&r);
	curl_easy_cleanup(r.curl);
	free(scope);
	return err;
}

struct cubo_error *registry_ping(struct registry_client *c, const char *domain,
				 const char *username, const char *password)
{
	struct registry_request r = {.method = "GET",
				     .domain = domain,
				     .path = "/v2/",
				     .body_fd = -1,
				     .max_body = MAX_ERROR_BODY,
				     .user = username,
				     .pass = password};
	struct cubo_error *err = registry_do(c, &r);
	registry_request_clear(&r);
	curl_easy_cleanup(r.curl);
	return err ? cubo_error_wrap(err, "login to %s", domain) : NULL;
}
