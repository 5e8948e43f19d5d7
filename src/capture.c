/*
 * capture.c: capture sources through libpcap (see capture.h).
 *
 * Workload: a few sources, millions of packets; capture_next() is called
 * once per packet of the files and does a linear pick of the earliest of at
 * most CAPTURE_MAX_SOURCES waiting packets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode.h"

#define CAPTURE_FILE_BUFSIZE	(256 * 1024)	/* stdio buffer of a file */

/* Initialise an empty set of sources. */
void
capture_init(struct capture *c)
{
	memset(c, 0, sizeof *c);
}

/* Close every source. */
void
capture_close(struct capture *c)
{
	int i;

	for (i = 0; i < c->n; i++) {
		if (c->src[i].p != NULL)
			pcap_close(c->src[i].p);
		free(c->src[i].name);
	}
	c->n = 0;
}

/* Compile and install a BPF filter on a handle; 0 or -1 with err. */
static int
capture_filter(pcap_t *p, const char *name, const char *filter, char *err,
    size_t errlen)
{
	struct bpf_program prog;

	if (filter == NULL || *filter == '\0')
		return 0;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad capture filter \"%s\": %s; check the "
		    "pcap-filter(7) syntax", filter, pcap_geterr(p));
		return -1;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		snprintf(err, errlen, "%s: cannot install the filter: %s", name,
		    pcap_geterr(p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

/* Check the link type is one the decoder knows; 0 or -1 with err. */
static int
capture_check_dlt(pcap_t *p, const char *name, char *err, size_t errlen)
{
	int dlt = pcap_datalink(p);
	const char *dn;

	if (decode_dlt_supported(dlt))
		return 0;
	dn = pcap_datalink_val_to_name(dlt);
	snprintf(err, errlen, "%s: unsupported link type %s (%d); sipvet reads "
	    "Ethernet, 802.1Q, Linux SLL/SLL2, raw IP and BSD loopback "
	    "captures", name, dn != NULL ? dn : "unknown", dlt);
	return -1;
}

/* Add a source for an opened handle. */
static struct capture_source *
capture_add(struct capture *c, pcap_t *p, const char *name, int live)
{
	struct capture_source *s = &c->src[c->n++];

	memset(s, 0, sizeof *s);
	s->p = p;
	s->name = strdup(name);
	s->dlt = pcap_datalink(p);
	s->live = live;
	s->fd = -1;
	return s;
}

/* Open a capture file ("-" is standard input) with an optional BPF filter; 0 or -1 with err. */
int
capture_open_file(struct capture *c, const char *path, const char *filter,
    char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	FILE *f;

	if (c->n >= CAPTURE_MAX_SOURCES) {
		snprintf(err, errlen, "too many capture sources (at most %d); "
		    "merge files with mergecap first", CAPTURE_MAX_SOURCES);
		return -1;
	}
	if (strcmp(path, "-") == 0) {
		p = pcap_fopen_offline_with_tstamp_precision(stdin,
		    PCAP_TSTAMP_PRECISION_MICRO, perr);
		path = "standard input";
	} else {
		f = fopen(path, "rb");
		if (f == NULL) {
			snprintf(err, errlen, "cannot read %s: %s; check the "
			    "path and its permissions", path, strerror(errno));
			return -1;
		}
		/* Fewer, larger reads than stdio's default 4 KB buffer. */
		setvbuf(f, NULL, _IOFBF, CAPTURE_FILE_BUFSIZE);
		p = pcap_fopen_offline_with_tstamp_precision(f,
		    PCAP_TSTAMP_PRECISION_MICRO, perr);
		if (p == NULL)
			fclose(f);
	}
	if (p == NULL) {
		if (strstr(perr, "unknown file format") != NULL ||
		    strstr(perr, "bad dump file format") != NULL)
			snprintf(err, errlen, "%s is not a pcap or pcapng "
			    "capture (%s); give a file written by tcpdump, "
			    "dumpcap or Wireshark", path, perr);
		else if (strstr(perr, "truncated") != NULL ||
		    strstr(perr, "too short") != NULL)
			snprintf(err, errlen, "%s is empty or truncated before "
			    "its first packet (%s)", path, perr);
		else
			snprintf(err, errlen, "cannot read %s as a capture: %s",
			    path, perr);
		return -1;
	}
	if (capture_check_dlt(p, path, err, errlen) != 0 ||
	    capture_filter(p, path, filter, err, errlen) != 0) {
		pcap_close(p);
		return -1;
	}
	capture_add(c, p, path, 0);
	return 0;
}

/* Open a live interface ("any" included) with an optional filter; 0 or -1 with err. */
int
capture_open_live(struct capture *c, const char *iface, const char *filter,
    int snaplen, int promisc, int bufsize, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct capture_source *s;
	pcap_t *p;
	int rc;

	if (c->n >= CAPTURE_MAX_SOURCES) {
		snprintf(err, errlen, "too many capture sources (at most %d)",
		    CAPTURE_MAX_SOURCES);
		return -1;
	}
	p = pcap_create(iface, perr);
	if (p == NULL) {
		snprintf(err, errlen, "cannot capture on %s: %s", iface, perr);
		return -1;
	}
	pcap_set_snaplen(p, snaplen);
	pcap_set_promisc(p, promisc);
	/*
	 * Not immediate mode: on Linux that means TPACKET_V2, whose ring has
	 * fixed frames of snaplen bytes (some 128 frames in 32 MB at the
	 * default snaplen: a 10 ms pause at 10k packets/s drops packets).
	 * TPACKET_V3 packs packets into blocks handed over when full or
	 * after this timeout, so the same buffer holds seconds of traffic
	 * and a packet waits at most 50 ms, less than a screen refresh.
	 */
	pcap_set_timeout(p, 50);
	pcap_set_immediate_mode(p, 0);
	if (bufsize > 0)
		pcap_set_buffer_size(p, bufsize);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(p);
	if (rc < 0) {
		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "no such interface %s; list "
			    "them with 'sipvet -D' or 'ip link'", iface);
			break;
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen, "no permission to capture on %s: "
			    "run as root, or give the binary CAP_NET_RAW and "
			    "CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip "
			    "sipvet)", iface);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "interface %s is down; bring it "
			    "up with 'ip link set %s up'", iface, iface);
			break;
		default:
			snprintf(err, errlen, "cannot capture on %s: %s", iface,
			    pcap_geterr(p));
		}
		pcap_close(p);
		return -1;
	}
	if (capture_check_dlt(p, iface, err, errlen) != 0 ||
	    capture_filter(p, iface, filter, err, errlen) != 0) {
		pcap_close(p);
		return -1;
	}
	if (pcap_setnonblock(p, 1, perr) != 0) {
		snprintf(err, errlen, "%s: cannot make the capture "
		    "non-blocking: %s", iface, perr);
		pcap_close(p);
		return -1;
	}
	s = capture_add(c, p, iface, 1);
	s->fd = pcap_get_selectable_fd(p);
	return 0;
}

/* Read the next packet of a file source into its lookahead; -1 on error. */
static int
capture_fill(struct capture *c, struct capture_source *s, char *err,
    size_t errlen)
{
	int rc;

	if (s->have || s->eof || s->live)
		return 0;
	rc = pcap_next_ex(s->p, &s->hdr, &s->data);
	if (rc == 1) {
		s->have = 1;
		s->frame++;
		return 0;
	}
	s->eof = 1;
	if (rc == PCAP_ERROR) {
		c->truncated = 1;
		snprintf(err, errlen, "%s: capture damaged or truncated after "
		    "packet %llu (%s); the report covers the packets before it",
		    s->name, (unsigned long long)s->frame, pcap_geterr(s->p));
		return -1;
	}
	return 0;
}

/* The next packet of the files, earliest capture time first. */
int
capture_next(struct capture *c, int *idx, struct pcap_pkthdr **hdr,
    const u_char **data, char *err, size_t errlen)
{
	struct capture_source *best = NULL;
	int i, failed = 0;

	for (i = 0; i < c->n; i++) {
		struct capture_source *s = &c->src[i];
		if (capture_fill(c, s, err, errlen) != 0)
			failed = 1;
		if (!s->have)
			continue;
		if (best == NULL ||
		    timercmp(&s->hdr->ts, &best->hdr->ts, <))
			best = s;
	}
	if (failed)
		return -1;
	if (best == NULL)
		return 0;
	best->have = 0;
	*idx = (int)(best - c->src);
	*hdr = best->hdr;
	*data = best->data;
	return 1;
}

/* Add the kernel's drop counters of the live sources to st. */
void
capture_stats(struct capture *c, struct sv_stats *st)
{
	struct pcap_stat ps;
	int i;

	st->kernel_drops = 0;
	st->iface_drops = 0;
	for (i = 0; i < c->n; i++) {
		if (!c->src[i].live || pcap_stats(c->src[i].p, &ps) != 0)
			continue;
		st->kernel_drops += ps.ps_drop;
		st->iface_drops += ps.ps_ifdrop;
	}
}

/* Whether any source is a live interface. */
int
capture_is_live(const struct capture *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->src[i].live)
			return 1;
	return 0;
}
