/*
 * main.c: sipvet's command line: options, signals, and the choice between
 * the batch report (-N, or when standard output is not a terminal), the
 * TUI, and reading a stored capture back.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "engine.h"
#include "report.h"
#include "rules.h"
#include "sipscan.h"
#include "store.h"
#include "ui.h"

#define EXIT_FINDINGS	1	/* at least one error finding */
#define EXIT_USAGE	2	/* usage or input error */

/* The write end of the signal pipe: the one piece of global state. */
static int main_sigpipe[2] = { -1, -1 };

/* Signal handler: wake the loop through the self-pipe. */
static void
main_on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (main_sigpipe[1] >= 0)
		(void)!write(main_sigpipe[1], &c, 1);
	errno = saved;
}

/* Print the usage summary to f. */
static void
main_usage(FILE *f)
{
	fprintf(f,
"usage: sipvet [-N] [--json] [-r FILE]... [-i IFACE]... [--db FILE]\n"
"              [-c COUNT] [--duration SECONDS] [-l CALLS] [filter ...]\n"
"       sipvet -N --db FILE          report a stored capture\n"
"       sipvet -D                    list interfaces\n"
"       sipvet --list-rules | --explain RULE\n"
"  rules: [--config FILE] [--credentials FILE] [--vapi-host HOST]\n"
"         [--vapi-address CIDR] [--rule ID=on|off] [--severity ID=LEVEL]\n"
"\n"
"  -N, --no-interface   print the report instead of opening the TUI\n"
"  -r, --read FILE      read a pcap/pcapng file (- for stdin); repeatable\n"
"  -i, --interface IF   capture live on IF (any for all); repeatable\n"
"      --json           NDJSON report: one line per call, then a summary\n"
"      --db FILE        store calls, messages and counters in SQLite\n"
"  -c, --count N        stop after N packets\n"
"      --duration S     live: stop after S seconds\n"
"  -l, --limit N        calls held at once (default 200000)\n"
"      --memory MB      interface: raw bytes of done calls kept in memory\n"
"                       (default 256, 0 no limit); older ones go to the\n"
"                       store (--db, else a temporary file)\n"
"      --keep-calls     with -N: hold done calls as the interface does and\n"
"                       report the memory budget on stderr\n"
"  -s, --snaplen N      live: bytes captured per packet (default 262144)\n"
"  -B, --buffer-size MB live: kernel buffer (default 32)\n"
"  -p, --no-promiscuous live: do not put the interface in promiscuous mode\n"
"  -q, --quiet          summary only, no call lines\n"
"  -D, --list-interfaces list the interfaces capture can open\n"
"      --config FILE    rules configuration (see sipvet(1), CONFIGURATION)\n"
"      --credentials F  known credentials, user:password or user:realm:password\n"
"      --vapi-host H    add a Vapi host name (*.example for a wildcard)\n"
"      --vapi-address A add a Vapi signalling address or CIDR block\n"
"      --rule ID=on|off enable or disable a rule (all for every rule)\n"
"      --severity ID=L  error, warning, info or default\n"
"      --list-rules     list the rules;  --explain RULE  explain one\n"
"  -V, --version        print the version\n"
"  -h, --help           this help\n"
"Trailing arguments form a capture filter (pcap-filter(7)), as in tcpdump.\n"
"Exit status: 0 no error finding, 1 error findings, 2 usage or input error.\n"
"See sipvet(1).\n");
}

/* One-line error on stderr, prefixed with the program name. */
static void
main_error(const char *msg)
{
	fprintf(stderr, "sipvet: %s\n", msg);
}

/* Batch state: the report and whether calls are printed. */
struct main_batch {
	struct report	 rep;
	int		 quiet;
};

/* on_call callback for the batch report. */
static void
main_batch_call(void *arg, struct call *c)
{
	struct main_batch *b = arg;

	if (b->quiet)
		report_count(&b->rep, c);
	else
		report_call(&b->rep, c);
}

/* Calls read back and not yet judged: enough to see a retry's call. */
#define MAIN_STORED_AHEAD	256
/* Timer B: how far ahead of a call its retry on a new Call-ID may come. */
#define MAIN_STORED_WINDOW	(32 * 1000000LL)

/* State of reading a stored capture back. */
struct main_stored {
	struct main_batch	*b;
	const struct config	*cfg;
	struct rules_history	*hist;		/* as the live engine keeps it */
	struct call		*q[MAIN_STORED_AHEAD];	/* read, not judged */
	int			 head, n;
	int			 errors;	/* calls with an error finding */
};

/* Judge, report and free the oldest call waiting. */
static void
main_stored_judge(struct main_stored *ms)
{
	struct call *c = ms->q[ms->head];
	struct diagnosis *d = calloc(1, sizeof *d);
	int i;

	ms->head = (ms->head + 1) % MAIN_STORED_AHEAD;
	ms->n--;
	if (d != NULL && rules_run_hist(ms->cfg, ms->hist, c,
	    c->judged_at > c->last_ts ? c->judged_at : c->last_ts, d) == 0) {
		c->diag = d;
		for (i = 0; i < d->n; i++)
			if (d->f[i].severity == RULES_ERROR) {
				ms->errors++;
				break;
			}
	} else
		free(d);
	main_batch_call(ms->b, c);
	call_free(c);
}

/*
 * store_read callback: let the rules' history see the call's messages, as
 * the live observer did, then judge the calls read far enough before it
 * (a retry on a new Call-ID must be seen before the call it retries is
 * judged, as it is live).
 */
static void
main_stored_call(void *arg, struct call *c)
{
	struct main_stored *ms = arg;
	unsigned char rec[TRACKER_RECORD_MAX];
	struct sip_msg sm;
	int i;

	for (i = 0; ms->hist != NULL && i < c->n_msgs; i++)
		if (c->msgs[i].raw != NULL &&
		    sipscan_parse(c->msgs[i].raw, c->msgs[i].len, &sm) == 0)
			(void)rules_observe(ms->hist, &sm, c, rec, sizeof rec);
	while (ms->n > 0 && (ms->n == MAIN_STORED_AHEAD ||
	    c->first_ts - ms->q[ms->head]->last_ts > MAIN_STORED_WINDOW))
		main_stored_judge(ms);
	ms->q[(ms->head + ms->n) % MAIN_STORED_AHEAD] = c;
	ms->n++;
}

/* List capture interfaces, as tcpdump -D does. */
static int
main_list_ifaces(void)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d;
	int i = 1;

	if (pcap_findalldevs(&all, err) != 0) {
		fprintf(stderr, "sipvet: cannot list interfaces: %s\n", err);
		return EXIT_USAGE;
	}
	for (d = all; d != NULL; d = d->next, i++)
		printf("%d.%s%s%s%s\n", i, d->name, d->description ? " (" : "",
		    d->description ? d->description : "",
		    d->description ? ")" : "");
	pcap_freealldevs(all);
	return 0;
}

/* Report a stored capture read back from the database. */
static int
main_report_db(const char *path, int json, int quiet, const struct config *cfg)
{
	struct main_stored ms;
	struct main_batch b;
	struct sv_stats st;
	struct store *s;
	char err[512];
	int complete = 0, rc;

	s = store_open(path, 0, err, sizeof err);
	if (s == NULL) {
		main_error(err);
		return EXIT_USAGE;
	}
	memset(&st, 0, sizeof st);
	report_init(&b.rep, stdout, json);
	b.quiet = quiet;
	memset(&ms, 0, sizeof ms);
	ms.b = &b;
	ms.cfg = cfg;
	ms.hist = rules_history_new();	/* NULL: judged without it */
	rc = store_read(s, main_stored_call, &ms, &st, &complete);
	while (ms.n > 0)
		main_stored_judge(&ms);
	rules_history_free(ms.hist);
	if (rc != 0) {
		snprintf(err, sizeof err, "%s: cannot read the stored capture: "
		    "%s", path, store_error(s));
		main_error(err);
		store_close(s);
		return EXIT_USAGE;
	}
	report_summary(&b.rep, &st, complete,
	    complete ? NULL : "the stored capture was interrupted");
	store_close(s);
	return ms.errors > 0 ? EXIT_FINDINGS : 0;
}

/* Parse a positive number option or exit with a usage error. */
static long long
main_number(const char *opt, const char *arg, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || v < min || v > max) {
		fprintf(stderr, "sipvet: %s wants a number from %lld to %lld, "
		    "not \"%s\"\n", opt, min, max, arg);
		exit(EXIT_USAGE);
	}
	return v;
}

/* Join trailing arguments into one filter string (NULL when none). */
static char *
main_join(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	if (argc <= 0)
		return NULL;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Install the signal handlers and the self-pipe they write to. */
static int
main_signals(void)
{
	struct sigaction sa;
	int i;

	if (pipe(main_sigpipe) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(main_sigpipe[i], F_SETFL,
		    fcntl(main_sigpipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(main_sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

enum {
	OPT_JSON = 256, OPT_DB, OPT_DURATION, OPT_LIST_RULES, OPT_EXPLAIN,
	OPT_CONFIG, OPT_VAPI_HOST, OPT_VAPI_ADDRESS, OPT_RULE, OPT_SEVERITY,
	OPT_CREDENTIALS, OPT_MEMORY, OPT_KEEP_CALLS,
};

/* Split "ID=VALUE" at the '='; exits with a usage error when there is none. */
static char *
main_split(const char *opt, char *arg)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg) {
		fprintf(stderr, "sipvet: %s wants RULE=VALUE, not \"%s\"\n", opt,
		    arg);
		exit(EXIT_USAGE);
	}
	*eq = '\0';
	return eq + 1;
}

/* Apply one rules option to the configuration; exits on a bad value. */
static void
main_rules_option(struct config *cfg, int ch, char *arg)
{
	char err[512] = "";
	char *val;
	int rc = 0, sev;

	switch (ch) {
	case OPT_CONFIG:
		rc = config_load_file(cfg, arg, err, sizeof err);
		break;
	case OPT_CREDENTIALS:
		rc = config_load_credentials(cfg, arg, err, sizeof err);
		break;
	case OPT_VAPI_HOST:
		if ((rc = config_add_vapi_host(cfg, arg)) != 0)
			snprintf(err, sizeof err, "--vapi-host: bad host name "
			    "\"%s\"", arg);
		break;
	case OPT_VAPI_ADDRESS:
		if ((rc = config_add_vapi_address(cfg, arg)) != 0)
			snprintf(err, sizeof err, "--vapi-address: \"%s\" is not "
			    "an IP address or CIDR block", arg);
		break;
	case OPT_RULE:
		val = main_split("--rule", arg);
		if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0)
			snprintf(err, sizeof err, "--rule %s=%s: use on or off",
			    arg, val);
		else if ((rc = config_set_rule(cfg, arg,
		    strcmp(val, "on") == 0)) != 0)
			snprintf(err, sizeof err, "--rule: unknown rule \"%s\" "
			    "(see sipvet --list-rules)", arg);
		break;
	case OPT_SEVERITY:
		val = main_split("--severity", arg);
		if (strcmp(val, "error") == 0)
			sev = RULES_ERROR;
		else if (strcmp(val, "warning") == 0)
			sev = RULES_WARNING;
		else if (strcmp(val, "info") == 0)
			sev = RULES_INFO;
		else if (strcmp(val, "default") == 0)
			sev = -1;
		else {
			snprintf(err, sizeof err, "--severity %s=%s: use error, "
			    "warning, info or default", arg, val);
			break;
		}
		if ((rc = config_set_severity(cfg, arg, sev)) != 0)
			snprintf(err, sizeof err, "--severity: unknown rule "
			    "\"%s\" (see sipvet --list-rules)", arg);
		break;
	}
	if (rc != 0 || err[0] != '\0') {
		main_error(err[0] ? err : "bad option");
		exit(EXIT_USAGE);
	}
}

/* Parse the command line and run the chosen mode with configuration cfg. */
static int
main_run(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "no-interface", no_argument, NULL, 'N' },
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "db", required_argument, NULL, OPT_DB },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "limit", required_argument, NULL, 'l' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "no-promiscuous", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "list-interfaces", no_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-rules", no_argument, NULL, OPT_LIST_RULES },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "vapi-host", required_argument, NULL, OPT_VAPI_HOST },
		{ "vapi-address", required_argument, NULL, OPT_VAPI_ADDRESS },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "severity", required_argument, NULL, OPT_SEVERITY },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		/* Hidden, for tests: keep done calls as the interface does. */
		{ "keep-calls", no_argument, NULL, OPT_KEEP_CALLS },
		{ NULL, 0, NULL, 0 }
	};
	const char *files[CAPTURE_MAX_SOURCES], *ifaces[CAPTURE_MAX_SOURCES];
	const char *db = NULL;
	int n_files = 0, n_ifaces = 0, batch = 0, json = 0, quiet = 0, ch, i;
	int rc = 0, complete, keep_calls = 0;
	struct engine_config ec;
	struct main_batch b;
	struct engine e;
	struct store *store = NULL;
	char err[1024], *filter, *source;
	size_t srclen;

	engine_config_default(&ec);
	ec.rules = cfg;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:Nr:i:c:l:s:B:pqDVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'N':
			batch = 1;
			break;
		case 'r':
			if (n_files >= CAPTURE_MAX_SOURCES) {
				main_error("too many -r files; merge them with "
				    "mergecap first");
				return EXIT_USAGE;
			}
			files[n_files++] = optarg;
			break;
		case 'i':
			if (n_ifaces >= CAPTURE_MAX_SOURCES) {
				main_error("too many -i interfaces");
				return EXIT_USAGE;
			}
			ifaces[n_ifaces++] = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case 'c':
			ec.max_packets = (uint64_t)main_number("-c", optarg, 1,
			    INT64_MAX);
			break;
		case OPT_DURATION:
			ec.duration = main_number("--duration", optarg, 1,
			    86400LL * 365) * 1000000;
			break;
		case 'l':
			ec.trk.max_calls = (size_t)main_number("-l", optarg, 1,
			    100000000);
			break;
		case OPT_MEMORY:
			ec.mem_budget = (size_t)main_number("--memory", optarg,
			    0, 1024 * 1024) * 1024 * 1024;
			break;
		case OPT_KEEP_CALLS:
			keep_calls = 1;
			break;
		case 's':
			ec.snaplen = (int)main_number("-s", optarg, 64, 262144);
			break;
		case 'B':
			ec.bufsize = (int)main_number("-B", optarg, 1, 4096) *
			    1024 * 1024;
			break;
		case 'p':
			ec.promisc = 0;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'D':
			return main_list_ifaces();
		case 'V':
			printf("sipvet %s (%s)\n", SIPVET_VERSION,
			    pcap_lib_version());
			return 0;
		case 'h':
			main_usage(stdout);
			return 0;
		case OPT_LIST_RULES:
			rules_list(stdout);
			return 0;
		case OPT_EXPLAIN:
			if (rules_explain(stdout, optarg) != 0) {
				fprintf(stderr, "sipvet: no rule \"%s\"; see "
				    "sipvet --list-rules\n", optarg);
				return EXIT_USAGE;
			}
			return 0;
		case OPT_CONFIG:
		case OPT_VAPI_HOST:
		case OPT_VAPI_ADDRESS:
		case OPT_RULE:
		case OPT_SEVERITY:
		case OPT_CREDENTIALS:
			main_rules_option(cfg, ch, optarg);
			break;
		case ':':
			fprintf(stderr, "sipvet: option %s needs a value; see "
			    "sipvet -h\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "sipvet: unknown option %s; see sipvet "
			    "-h\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (n_files > 0 && n_ifaces > 0) {
		main_error("give either -r files or -i interfaces, not both");
		return EXIT_USAGE;
	}
	if (!batch && !isatty(STDOUT_FILENO))
		batch = 1;	/* a pipe or a file gets the report */
	if (n_files == 0 && n_ifaces == 0) {
		if (db != NULL && batch)
			return main_report_db(db, json, quiet, cfg);
		if (db != NULL)
			return ui_main_db(db, cfg) < 0 ? EXIT_USAGE : 0;
		main_error("nothing to read: give -r FILE, -i IFACE or --db "
		    "FILE (see sipvet -h)");
		return EXIT_USAGE;
	}
	filter = main_join(argc - optind, argv + optind);
	ec.filter = filter;
	if (main_signals() != 0) {
		main_error("cannot create the signal pipe");
		goto fail;
	}
	ec.sigfd = main_sigpipe[0];
	if (!batch)
		ui_engine_config(&ec, &e);	/* keep calls, follow changes */
	else if (keep_calls) {
		ec.trk.keep_calls = 1;
		ec.trk.keep_raw = 1;
	} else if (db == NULL)
		ec.trk.drop_raw = 1;	/* the report needs no raw bytes */
	if (engine_init(&e, &ec) != 0) {
		main_error("out of memory");
		goto fail;
	}
	for (i = 0; i < n_files; i++)
		if (engine_add_file(&e, files[i]) != 0) {
			main_error(e.err);
			goto fail_engine;
		}
	for (i = 0; i < n_ifaces; i++)
		if (engine_add_iface(&e, ifaces[i]) != 0) {
			main_error(e.err);
			goto fail_engine;
		}
	if (db != NULL) {
		store = store_open(db, 1, err, sizeof err);
		if (store == NULL) {
			main_error(err);
			goto fail_engine;
		}
		srclen = 16;
		for (i = 0; i < n_files; i++)
			srclen += strlen(files[i]) + 5;
		for (i = 0; i < n_ifaces; i++)
			srclen += strlen(ifaces[i]) + 5;
		source = calloc(1, srclen);
		for (i = 0; source != NULL && i < n_files; i++)
			strcat(strcat(source, i ? " -r " : "-r "), files[i]);
		for (i = 0; source != NULL && i < n_ifaces; i++)
			strcat(strcat(source, i ? " -i " : "-i "), ifaces[i]);
		if (store_capture_begin(store, source ? source : "?",
		    0) != 0) {
			snprintf(err, sizeof err, "%s: %s", db, store_error(store));
			main_error(err);
			free(source);
			store_close(store);
			goto fail_engine;
		}
		free(source);
		e.store = store;
	}

	if (!batch) {
		rc = ui_main(&e);
		if (rc != UI_FALLBACK) {
			engine_finish(&e);
			if (store != NULL) {
				store_capture_end(store, &e.st,
				    !e.interrupted && !e.input_failed);
				store_close(store);
			}
			engine_free(&e);
			free(filter);
			return rc < 0 ? EXIT_USAGE : 0;
		}
	}

	if (capture_is_live(&e.cap))
		setvbuf(stdout, NULL, _IOLBF, 0);
	else
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	report_init(&b.rep, stdout, json);
	b.quiet = quiet;
	e.on_call = main_batch_call;
	e.on_call_arg = &b;
	if (engine_run(&e, NULL) != 0)
		rc = EXIT_USAGE;
	engine_finish(&e);
	complete = !e.interrupted && !e.input_failed &&
	    !(e.cfg.max_packets && e.st.packets >= e.cfg.max_packets);
	if (store != NULL) {
		if (store_capture_end(store, &e.st, complete) != 0 && rc == 0) {
			snprintf(e.err, sizeof e.err, "%s: %s", db,
			    store_error(store));
			rc = EXIT_USAGE;
		}
		store_close(store);
	}
	report_summary(&b.rep, &e.st, complete, e.input_failed ? e.err :
	    e.interrupted ? "interrupted by a signal" :
	    !complete ? "stopped by -c" : NULL);
	fflush(stdout);
	if (rc == EXIT_USAGE || e.input_failed)
		main_error(e.err);
	if (keep_calls)
		fprintf(stderr, "sipvet: memory budget: %llu calls (%llu bytes) "
		    "moved to the store, %llu kept over, %zu bytes held\n",
		    (unsigned long long)e.mem_moved_calls,
		    (unsigned long long)e.mem_moved_bytes,
		    (unsigned long long)e.mem_kept_over, e.mem_held);
	if (rc == 0 && e.error_findings > 0)
		rc = EXIT_FINDINGS;
	if (e.input_failed)
		rc = EXIT_USAGE;
	engine_free(&e);
	free(filter);
	return rc;

fail_engine:
	engine_free(&e);
fail:
	free(filter);
	return EXIT_USAGE;
}

/* Set up the rules configuration, run, and free it on every path. */
int
main(int argc, char **argv)
{
	struct config cfg;
	int rc;

	if (config_init_defaults(&cfg) != 0) {
		main_error("out of memory");
		return EXIT_USAGE;
	}
	rc = main_run(argc, argv, &cfg);
	config_free(&cfg);
	return rc;
}
