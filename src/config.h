/*
 * config.h: what the rules know of the world beyond the wire: Vapi's host
 * names and signalling addresses, which rules run and at what severity, the
 * known credentials (passwords are never printed) and the UDP size limit.
 *
 * config_init_defaults() gives the common case with no file: Vapi's
 * documented hosts and addresses, every rule on at its default severity.
 * config_load_file() reads a line-oriented file:
 *
 *	# comment
 *	vapi-host sip.lab.example	(also "*.trunk.example")
 *	vapi-address 10.1.2.3/32	(IPv4 or IPv6, CIDR prefix optional)
 *	clear vapi-hosts|vapi-addresses|credentials
 *	rule wrong-username off		(on|off; "rule all off" too)
 *	severity digest-uri-mismatch error	(error|warning|info|default)
 *	credentials /path/file		(relative to the file's directory)
 *	udp-max 1300
 *
 * A credentials file holds "user:password" or "user:realm:password" per line
 * (with two or more colons the second field is the realm); it must not be
 * readable by group or others.
 *
 * This file is the engine's src/config.h, not autoconf's: include it from
 * files in src/ (or through rules.h) so the right one is found.
 */
#ifndef SV_CONFIG_H
#define SV_CONFIG_H

#include <stddef.h>

#include "sv.h"

#define CONFIG_MAX_RULES	64
#define CONFIG_UDP_MAX		1300	/* RFC 3261 18.1.1 */

/* How a host name matched the Vapi hosts. */
enum config_host {
	CONFIG_HOST_NONE = 0,	/* not a Vapi host */
	CONFIG_HOST_EXACT,	/* a listed name: SIP numbers (sip.vapi.ai) */
	CONFIG_HOST_WILDCARD,	/* under "*.": BYO trunks (<id>.sip.vapi.ai) */
};

/* An address block, "44.229.228.186" or "10.0.0.0/8" or "2001:db8::/32". */
struct config_net {
	uint8_t		 af;		/* 4 or 6 */
	uint8_t		 prefix;
	uint8_t		 ip[16];
};

/* A known credential; realm NULL matches any realm. */
struct config_cred {
	char		*user;
	char		*realm;
	char		*password;	/* never printed */
};

struct config {
	char		**vapi_hosts;	/* lower case, "*.x" for wildcards */
	int		 n_vapi_hosts;
	struct config_net *vapi_addrs;
	int		 n_vapi_addrs;
	signed char	 rule_enabled[CONFIG_MAX_RULES];	/* by index */
	signed char	 rule_severity[CONFIG_MAX_RULES];	/* -1: own */
	struct config_cred *creds;
	int		 n_creds;
	size_t		 udp_max;	/* larger UDP requests are flagged */
};

/* Fill cfg with the defaults (Vapi hosts, addresses, rules on); 0 or -1. */
int	 config_init_defaults(struct config *cfg);
/* Free what cfg holds, wiping the passwords. */
void	 config_free(struct config *cfg);
/* Read a configuration file into cfg; 0, or -1 with a message and line. */
int	 config_load_file(struct config *cfg, const char *path, char *err,
	    size_t errlen);
/* Read a credentials file (mode 0600 or stricter); 0, or -1 with a message. */
int	 config_load_credentials(struct config *cfg, const char *path,
	    char *err, size_t errlen);
/* Add a known credential (realm may be NULL); 0 or -1. */
int	 config_add_credential(struct config *cfg, const char *user,
	    const char *realm, const char *password);
/* Add a Vapi host name ("*.example" matches its subdomains); 0 or -1. */
int	 config_add_vapi_host(struct config *cfg, const char *host);
/* Add a Vapi address or CIDR block; 0, or -1 when unparsable. */
int	 config_add_vapi_address(struct config *cfg, const char *spec);
/* Forget the Vapi hosts (to replace the defaults). */
void	 config_clear_vapi_hosts(struct config *cfg);
/* Forget the Vapi addresses (to replace the defaults). */
void	 config_clear_vapi_addresses(struct config *cfg);
/* Turn a rule (or "all") on or off; 0, or -1 for an unknown id. */
int	 config_set_rule(struct config *cfg, const char *id, int enabled);
/* Override a rule's severity (-1: its own); 0, or -1 for an unknown id. */
int	 config_set_severity(struct config *cfg, const char *id, int severity);
/* Whether a host is one of Vapi's (enum config_host). */
int	 config_is_vapi_host(const struct config *cfg, struct sv_str host);
/* Whether an address is one of Vapi's signalling addresses: 1 or 0. */
int	 config_is_vapi_addr(const struct config *cfg, const struct sv_addr *a);
/* The known password for a user in a realm (exact realm first), or NULL. */
const char *config_password_for(const struct config *cfg, struct sv_str user,
	    struct sv_str realm);
/* Parse "1.2.3.4", "::1", "10.0.0.0/8" into a block; 0 or -1. */
int	 config_parse_net(const char *spec, struct config_net *n);
/* Whether an address lies in a block: 1 or 0. */
int	 config_net_contains(const struct config_net *n,
	    const struct sv_addr *a);

#endif
