/*
 * config.c: the rules' configuration: Vapi hosts and addresses (with their
 * defaults), rule switches and severities, known credentials, and the
 * parsers of the configuration and credentials files.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "rules.h"

/* Vapi's documented SIP hosts. */
static const char *const config_default_hosts[] = {
	"sip.vapi.ai",
	"sip.eu.vapi.ai",
	"*.sip.vapi.ai",
};

/* Vapi's documented signalling addresses (US, US, EU). */
static const char *const config_default_addrs[] = {
	"44.229.228.186",
	"44.238.177.138",
	"63.182.83.170",
};

/* Wipe a string's bytes before it is freed (passwords). */
static void
config_wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

/* Fill cfg with the defaults (Vapi hosts, addresses, rules on); 0 or -1. */
int
config_init_defaults(struct config *cfg)
{
	size_t	i, n;

	memset(cfg, 0, sizeof *cfg);
	for (i = 0; i < CONFIG_MAX_RULES; i++) {
		cfg->rule_enabled[i] = 1;
		cfg->rule_severity[i] = -1;
	}
	cfg->udp_max = CONFIG_UDP_MAX;
	n = sizeof config_default_hosts / sizeof *config_default_hosts;
	for (i = 0; i < n; i++)
		if (config_add_vapi_host(cfg, config_default_hosts[i]) == -1)
			goto fail;
	n = sizeof config_default_addrs / sizeof *config_default_addrs;
	for (i = 0; i < n; i++)
		if (config_add_vapi_address(cfg, config_default_addrs[i]) == -1)
			goto fail;
	return 0;
fail:
	config_free(cfg);
	return -1;
}

/* Free the credentials, wiping the passwords. */
static void
config_clear_credentials(struct config *cfg)
{
	int	i;

	for (i = 0; i < cfg->n_creds; i++) {
		config_wipe(cfg->creds[i].password);
		free(cfg->creds[i].password);
		free(cfg->creds[i].user);
		free(cfg->creds[i].realm);
	}
	free(cfg->creds);
	cfg->creds = NULL;
	cfg->n_creds = 0;
}

/* Forget the Vapi hosts (to replace the defaults). */
void
config_clear_vapi_hosts(struct config *cfg)
{
	int	i;

	for (i = 0; i < cfg->n_vapi_hosts; i++)
		free(cfg->vapi_hosts[i]);
	free(cfg->vapi_hosts);
	cfg->vapi_hosts = NULL;
	cfg->n_vapi_hosts = 0;
}

/* Forget the Vapi addresses (to replace the defaults). */
void
config_clear_vapi_addresses(struct config *cfg)
{
	free(cfg->vapi_addrs);
	cfg->vapi_addrs = NULL;
	cfg->n_vapi_addrs = 0;
}

/* Free what cfg holds, wiping the passwords. */
void
config_free(struct config *cfg)
{
	config_clear_vapi_hosts(cfg);
	config_clear_vapi_addresses(cfg);
	config_clear_credentials(cfg);
}

/* Add a Vapi host name ("*.example" matches its subdomains); 0 or -1. */
int
config_add_vapi_host(struct config *cfg, const char *host)
{
	char	**v, *h;
	size_t	  len, i;

	len = strlen(host);
	while (len > 0 && host[len - 1] == '.')
		len--;
	if (len == 0 || len > 253 || strcmp(host, "*.") == 0 ||
	    (len == 1 && host[0] == '*'))
		return -1;
	for (i = 0; i < len; i++)
		if (isspace((unsigned char)host[i]) || host[i] == '@' ||
		    host[i] == ':' || host[i] == ';' ||
		    (host[i] == '*' && i != 0))
			return -1;
	if (host[0] == '*' && host[1] != '.')
		return -1;
	if ((h = strndup(host, len)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	v = reallocarray(cfg->vapi_hosts, cfg->n_vapi_hosts + 1, sizeof *v);
	if (v == NULL) {
		free(h);
		return -1;
	}
	v[cfg->n_vapi_hosts++] = h;
	cfg->vapi_hosts = v;
	return 0;
}

/* Parse "1.2.3.4", "::1", "10.0.0.0/8" into a block; 0 or -1. */
int
config_parse_net(const char *spec, struct config_net *n)
{
	char		 buf[64], *slash, *end;
	long		 prefix;
	size_t		 len;

	len = strlen(spec);
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, spec, len + 1);
	memset(n, 0, sizeof *n);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (buf[0] == '[' && buf[strlen(buf) - 1] == ']') {
		buf[strlen(buf) - 1] = '\0';
		memmove(buf, buf + 1, strlen(buf));
	}
	if (inet_pton(AF_INET, buf, n->ip) == 1) {
		n->af = 4;
		n->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, n->ip) == 1) {
		n->af = 6;
		n->prefix = 128;
	} else
		return -1;
	if (slash != NULL) {
		if (*slash == '\0' || !isdigit((unsigned char)*slash))
			return -1;
		errno = 0;
		prefix = strtol(slash, &end, 10);
		if (errno != 0 || *end != '\0' || prefix < 0 ||
		    prefix > n->prefix)
			return -1;
		n->prefix = (uint8_t)prefix;
	}
	return 0;
}

/* Whether an address lies in a block: 1 or 0. */
int
config_net_contains(const struct config_net *n, const struct sv_addr *a)
{
	int	full, rest;
	uint8_t	mask;

	if (a == NULL || a->af != n->af)
		return 0;
	full = n->prefix / 8;
	rest = n->prefix % 8;
	if (memcmp(n->ip, a->ip, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (n->ip[full] & mask) == (a->ip[full] & mask);
}

/* Add a Vapi address or CIDR block; 0, or -1 when unparsable. */
int
config_add_vapi_address(struct config *cfg, const char *spec)
{
	struct config_net	 n, *v;

	if (config_parse_net(spec, &n) == -1)
		return -1;
	v = reallocarray(cfg->vapi_addrs, cfg->n_vapi_addrs + 1, sizeof *v);
	if (v == NULL)
		return -1;
	v[cfg->n_vapi_addrs++] = n;
	cfg->vapi_addrs = v;
	return 0;
}

/* Turn a rule (or "all") on or off; 0, or -1 for an unknown id. */
int
config_set_rule(struct config *cfg, const char *id, int enabled)
{
	int	i;

	if (strcmp(id, "all") == 0) {
		for (i = 0; i < CONFIG_MAX_RULES; i++)
			cfg->rule_enabled[i] = enabled ? 1 : 0;
		return 0;
	}
	if ((i = rules_find(id)) < 0 || i >= CONFIG_MAX_RULES)
		return -1;
	cfg->rule_enabled[i] = enabled ? 1 : 0;
	return 0;
}

/* Override a rule's severity (-1: its own); 0, or -1 for an unknown id. */
int
config_set_severity(struct config *cfg, const char *id, int severity)
{
	int	i;

	if (severity < -1 || severity > RULES_INFO)
		return -1;
	if ((i = rules_find(id)) < 0 || i >= CONFIG_MAX_RULES)
		return -1;
	cfg->rule_severity[i] = (signed char)severity;
	return 0;
}

/* Whether a host is one of Vapi's (enum config_host). */
int
config_is_vapi_host(const struct config *cfg, struct sv_str host)
{
	const char	*h;
	size_t		 len, hl;
	int		 i, best = CONFIG_HOST_NONE;

	if (host.s == NULL)
		return CONFIG_HOST_NONE;
	len = host.len;
	while (len > 0 && host.s[len - 1] == '.')
		len--;
	if (len == 0)
		return CONFIG_HOST_NONE;
	for (i = 0; i < cfg->n_vapi_hosts; i++) {
		h = cfg->vapi_hosts[i];
		hl = strlen(h);
		if (h[0] == '*') {
			/* "*.x" matches "a.x", "b.a.x", never "x" itself. */
			hl--;
			h++;
			if (len > hl && strncasecmp(host.s + len - hl, h, hl)
			    == 0 && best == CONFIG_HOST_NONE)
				best = CONFIG_HOST_WILDCARD;
		} else if (hl == len && strncasecmp(host.s, h, len) == 0)
			return CONFIG_HOST_EXACT;
	}
	return best;
}

/* Whether an address is one of Vapi's signalling addresses: 1 or 0. */
int
config_is_vapi_addr(const struct config *cfg, const struct sv_addr *a)
{
	int	i;

	if (a == NULL)
		return 0;
	for (i = 0; i < cfg->n_vapi_addrs; i++)
		if (config_net_contains(&cfg->vapi_addrs[i], a))
			return 1;
	return 0;
}

/* Add a known credential (realm may be NULL); 0 or -1. */
int
config_add_credential(struct config *cfg, const char *user, const char *realm,
    const char *password)
{
	struct config_cred	*v, c;

	memset(&c, 0, sizeof c);
	if ((c.user = strdup(user)) == NULL ||
	    (realm != NULL && *realm != '\0' &&
	    (c.realm = strdup(realm)) == NULL) ||
	    (c.password = strdup(password)) == NULL)
		goto fail;
	v = reallocarray(cfg->creds, cfg->n_creds + 1, sizeof *v);
	if (v == NULL)
		goto fail;
	v[cfg->n_creds++] = c;
	cfg->creds = v;
	return 0;
fail:
	config_wipe(c.password);
	free(c.password);
	free(c.user);
	free(c.realm);
	return -1;
}

/* Whether a NUL-terminated string equals a slice exactly. */
static int
config_eq(const char *s, struct sv_str v)
{
	return v.s != NULL && strlen(s) == v.len && memcmp(s, v.s, v.len) == 0;
}

/* The known password for a user in a realm (exact realm first), or NULL. */
const char *
config_password_for(const struct config *cfg, struct sv_str user,
    struct sv_str realm)
{
	const char	*any = NULL;
	int		 i;

	for (i = 0; i < cfg->n_creds; i++) {
		if (!config_eq(cfg->creds[i].user, user))
			continue;
		if (cfg->creds[i].realm == NULL) {
			if (any == NULL)
				any = cfg->creds[i].password;
		} else if (config_eq(cfg->creds[i].realm, realm))
			return cfg->creds[i].password;
	}
	return any;
}

/* Strip a line's end and surrounding blanks in place; returns the start. */
static char *
config_trim(char *line)
{
	size_t	len;

	while (isspace((unsigned char)*line))
		line++;
	len = strlen(line);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	return line;
}

/* Read a credentials file (mode 0600 or stricter); 0, or -1 with a message. */
int
config_load_credentials(struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct stat	 st;
	FILE		*f;
	char		*line = NULL, *p, *c1, *c2;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 fd, lineno = 0, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "%s: credentials file is accessible by "
		    "group or others (mode %03o); run: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return -1;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		p = config_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		/* Never quote the line: it holds a password. */
		if ((c1 = strchr(p, ':')) == NULL || c1 == p) {
			snprintf(err, errlen, "%s:%d: expected user:password "
			    "or user:realm:password", path, lineno);
			goto out;
		}
		*c1++ = '\0';
		if ((c2 = strchr(c1, ':')) != NULL) {
			*c2++ = '\0';
			if (config_add_credential(cfg, p, c1, c2) == -1)
				goto nomem;
		} else if (config_add_credential(cfg, p, NULL, c1) == -1)
			goto nomem;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
out:
	if (line != NULL) {
		explicit_bzero(line, cap);
		free(line);
	}
	fclose(f);
	return rc;
}

/* Parse an on/off word: 1, 0, or -1. */
static int
config_bool(const char *w)
{
	if (strcasecmp(w, "on") == 0 || strcasecmp(w, "yes") == 0 ||
	    strcasecmp(w, "enable") == 0 || strcmp(w, "1") == 0)
		return 1;
	if (strcasecmp(w, "off") == 0 || strcasecmp(w, "no") == 0 ||
	    strcasecmp(w, "disable") == 0 || strcmp(w, "0") == 0)
		return 0;
	return -1;
}

/* Parse a severity word ("default" is -1); -2 when unknown. */
static int
config_severity_word(const char *w)
{
	int	i;

	if (strcasecmp(w, "default") == 0)
		return -1;
	for (i = RULES_ERROR; i <= RULES_INFO; i++)
		if (strcasecmp(w, rules_severity_name(i)) == 0)
			return i;
	return -2;
}

/* Apply one configuration line split into words; 0, or -1 with a message. */
static int
config_line(struct config *cfg, const char *path, char **w, int nw,
    char *err, size_t errlen)
{
	char	 sub[4096], *end;
	const char *slash;
	long	 v;
	int	 b, s;

	if (strcmp(w[0], "vapi-host") == 0 && nw == 2) {
		if (config_add_vapi_host(cfg, w[1]) == -1) {
			snprintf(err, errlen, "bad host name '%s'", w[1]);
			return -1;
		}
	} else if (strcmp(w[0], "vapi-address") == 0 && nw == 2) {
		if (config_add_vapi_address(cfg, w[1]) == -1) {
			snprintf(err, errlen, "bad address '%s' (expected "
			    "IPv4 or IPv6, optionally /prefix)", w[1]);
			return -1;
		}
	} else if (strcmp(w[0], "clear") == 0 && nw == 2) {
		if (strcmp(w[1], "vapi-hosts") == 0)
			config_clear_vapi_hosts(cfg);
		else if (strcmp(w[1], "vapi-addresses") == 0)
			config_clear_vapi_addresses(cfg);
		else if (strcmp(w[1], "credentials") == 0)
			config_clear_credentials(cfg);
		else {
			snprintf(err, errlen, "clear what: '%s' (vapi-hosts, "
			    "vapi-addresses or credentials)", w[1]);
			return -1;
		}
	} else if (strcmp(w[0], "rule") == 0 && nw == 3) {
		if ((b = config_bool(w[2])) == -1) {
			snprintf(err, errlen, "expected on or off, not '%s'",
			    w[2]);
			return -1;
		}
		if (config_set_rule(cfg, w[1], b) == -1) {
			snprintf(err, errlen, "unknown rule '%s'", w[1]);
			return -1;
		}
	} else if (strcmp(w[0], "severity") == 0 && nw == 3) {
		if ((s = config_severity_word(w[2])) == -2) {
			snprintf(err, errlen, "unknown severity '%s' (error, "
			    "warning, info or default)", w[2]);
			return -1;
		}
		if (config_set_severity(cfg, w[1], s) == -1) {
			snprintf(err, errlen, "unknown rule '%s'", w[1]);
			return -1;
		}
	} else if (strcmp(w[0], "credentials") == 0 && nw == 2) {
		if (w[1][0] != '/' && (slash = strrchr(path, '/')) != NULL)
			snprintf(sub, sizeof sub, "%.*s/%s",
			    (int)(slash - path), path, w[1]);
		else
			snprintf(sub, sizeof sub, "%s", w[1]);
		return config_load_credentials(cfg, sub, err, errlen);
	} else if (strcmp(w[0], "udp-max") == 0 && nw == 2) {
		errno = 0;
		v = strtol(w[1], &end, 10);
		if (errno != 0 || *end != '\0' || v < 200 || v > 65535) {
			snprintf(err, errlen, "bad udp-max '%s' (200-65535)",
			    w[1]);
			return -1;
		}
		cfg->udp_max = (size_t)v;
	} else if (strcmp(w[0], "vapi-host") == 0 ||
	    strcmp(w[0], "vapi-address") == 0 || strcmp(w[0], "clear") == 0 ||
	    strcmp(w[0], "rule") == 0 || strcmp(w[0], "severity") == 0 ||
	    strcmp(w[0], "credentials") == 0 || strcmp(w[0], "udp-max") == 0) {
		snprintf(err, errlen, "wrong number of arguments to '%s'",
		    w[0]);
		return -1;
	} else {
		snprintf(err, errlen, "unknown keyword '%s'", w[0]);
		return -1;
	}
	return 0;
}

/* Read a configuration file into cfg; 0, or -1 with a message and line. */
int
config_load_file(struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	char	*line = NULL, *p, *w[8], msg[512];
	size_t	 cap = 0;
	int	 lineno = 0, nw, rc = -1;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		nw = 0;
		for (p = strtok(line, " \t\r\n"); p != NULL;
		    p = strtok(NULL, " \t\r\n")) {
			if (nw == (int)(sizeof w / sizeof *w))
				break;
			w[nw++] = p;
		}
		if (nw == 0)
			continue;
		if (p != NULL) {
			snprintf(err, errlen, "%s:%d: too many words", path,
			    lineno);
			goto out;
		}
		if (config_line(cfg, path, w, nw, msg, sizeof msg) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}
