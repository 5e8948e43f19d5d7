/*
 * ui_save.c: the save dialog, and saving calls to a pcap or a text file.
 *
 * The tracker keeps each message's bytes, addresses, ports, transport and
 * capture time, not the frames they came in, so the pcap is rebuilt: one
 * Ethernet frame per message, IPv4 or IPv6, UDP, or TCP with a three-way
 * handshake per connection and running sequence and acknowledgement
 * numbers, every length and checksum computed, frames in capture-time
 * order.  tshark and Wireshark read back the same SIP messages.  TLS and
 * WebSocket messages (already decrypted or unframed) are written as plain
 * TCP, SCTP ones as UDP; a UDP message too large for one IP datagram is
 * written as TCP.  The text file has each call's summary, findings with
 * their fixes, then its messages with control bytes escaped.
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "ui.h"

#define UI_SAVE_SEG	60000	/* TCP payload per segment */

/* One message to write: its call and its index there. */
struct ui_save_item {
	struct call	*c;
	int		 i;
	int64_t		 ts;
};

/* A TCP connection seen in the output, with its next sequence numbers. */
struct ui_save_flow {
	struct sv_addr	 a, b;
	uint32_t	 seq_a, seq_b;
};

/* The pcap writer's state. */
struct ui_save_pcap {
	FILE		*f;
	struct ui_save_flow *flows;
	size_t		 n_flows, cap_flows;
	uint16_t	 ip_id;
	size_t		 frames;
	uint8_t		*buf;
};

/* Store a 16-bit value big-endian. */
static void
ui_save_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Store a 32-bit value big-endian. */
static void
ui_save_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Add bytes to a ones'-complement sum (RFC 1071). */
static uint32_t
ui_save_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Fold a ones'-complement sum into a checksum. */
static uint16_t
ui_save_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Write one pcap record of len bytes at time ts; 0 or -1. */
static int
ui_save_record(struct ui_save_pcap *p, int64_t ts, const uint8_t *frame,
    size_t len)
{
	uint32_t h[4];

	h[0] = (uint32_t)(ts / 1000000);
	h[1] = (uint32_t)(ts % 1000000);
	h[2] = h[3] = (uint32_t)len;
	if (fwrite(h, sizeof h, 1, p->f) != 1 ||
	    fwrite(frame, len, 1, p->f) != 1)
		return -1;
	p->frames++;
	return 0;
}

/* The 16 address bytes of a, as IPv6 (IPv4 mapped when v6 is forced). */
static void
ui_save_ip6(const struct sv_addr *a, uint8_t *out)
{
	if (a->af == 6) {
		memcpy(out, a->ip, 16);
		return;
	}
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a->ip, 4);
}

/*
 * Write one frame from src to dst carrying an L4 header (l4, l4len, its
 * checksum field at csum_off zeroed) and payload; 0 or -1.
 */
static int
ui_save_frame(struct ui_save_pcap *p, int64_t ts, const struct sv_addr *src,
    const struct sv_addr *dst, int proto, uint8_t *l4, size_t l4len,
    size_t csum_off, const uint8_t *payload, size_t plen)
{
	static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t *f = p->buf, ph[40];
	int v6 = src->af == 6 || dst->af == 6;
	size_t off, ulen = l4len + plen;
	uint32_t sum;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	ui_save_be16(f + 12, v6 ? 0x86dd : 0x0800);
	off = 14;
	if (v6) {
		memset(ph, 0, sizeof ph);
		ui_save_ip6(src, ph);
		ui_save_ip6(dst, ph + 16);
		ui_save_be32(f + off, 0x60000000);
		ui_save_be16(f + off + 4, (uint32_t)ulen);
		f[off + 6] = (uint8_t)proto;
		f[off + 7] = 64;
		memcpy(f + off + 8, ph, 32);
		off += 40;
		sum = ui_save_sum(0, ph, 32);
		sum += (uint32_t)(ulen >> 16) + (uint32_t)(ulen & 0xffff);
		sum += (uint32_t)proto;
	} else {
		f[off] = 0x45;
		f[off + 1] = 0;
		ui_save_be16(f + off + 2, (uint32_t)(20 + ulen));
		ui_save_be16(f + off + 4, p->ip_id++);
		ui_save_be16(f + off + 6, 0x4000);
		f[off + 8] = 64;
		f[off + 9] = (uint8_t)proto;
		f[off + 10] = f[off + 11] = 0;
		memcpy(f + off + 12, src->ip, 4);
		memcpy(f + off + 16, dst->ip, 4);
		ui_save_be16(f + off + 10, ui_save_fold(ui_save_sum(0, f + off,
		    20)));
		sum = ui_save_sum(0, f + off + 12, 8);
		sum += (uint32_t)proto + (uint32_t)ulen;
		off += 20;
	}
	l4[csum_off] = l4[csum_off + 1] = 0;
	memcpy(f + off, l4, l4len);
	if (plen > 0)
		memcpy(f + off + l4len, payload, plen);
	sum = ui_save_sum(sum, f + off, ulen);
	ui_save_be16(f + off + csum_off, ui_save_fold(sum));
	if (proto == 17 && f[off + csum_off] == 0 && f[off + csum_off + 1] == 0)
		f[off + csum_off] = f[off + csum_off + 1] = 0xff;
	return ui_save_record(p, ts, f, off + ulen);
}

/* Write a UDP datagram; 0 or -1. */
static int
ui_save_udp(struct ui_save_pcap *p, int64_t ts, const struct sv_addr *src,
    const struct sv_addr *dst, const uint8_t *payload, size_t len)
{
	uint8_t h[8];

	ui_save_be16(h, src->port);
	ui_save_be16(h + 2, dst->port);
	ui_save_be16(h + 4, (uint32_t)(8 + len));
	return ui_save_frame(p, ts, src, dst, 17, h, 8, 6, payload, len);
}

/* Write a TCP segment; 0 or -1. */
static int
ui_save_tcp_seg(struct ui_save_pcap *p, int64_t ts, const struct sv_addr *src,
    const struct sv_addr *dst, uint32_t seq, uint32_t ack, int flags,
    const uint8_t *payload, size_t len)
{
	uint8_t h[20];

	memset(h, 0, sizeof h);
	ui_save_be16(h, src->port);
	ui_save_be16(h + 2, dst->port);
	ui_save_be32(h + 4, seq);
	ui_save_be32(h + 8, ack);
	h[12] = 5 << 4;
	h[13] = (uint8_t)flags;
	ui_save_be16(h + 14, 65535);
	return ui_save_frame(p, ts, src, dst, 6, h, 20, 16, payload, len);
}

/* The TCP connection between two addresses, opened with a handshake when new. */
static struct ui_save_flow *
ui_save_flow(struct ui_save_pcap *p, int64_t ts, const struct sv_addr *src,
    const struct sv_addr *dst)
{
	struct ui_save_flow *fl, *n;
	size_t i;

	for (i = 0; i < p->n_flows; i++) {
		fl = &p->flows[i];
		if ((sv_addr_cmp(&fl->a, src) == 0 &&
		    sv_addr_cmp(&fl->b, dst) == 0) ||
		    (sv_addr_cmp(&fl->a, dst) == 0 &&
		    sv_addr_cmp(&fl->b, src) == 0))
			return fl;
	}
	if (p->n_flows == p->cap_flows) {
		n = realloc(p->flows, (p->cap_flows ? p->cap_flows * 2 : 16) *
		    sizeof *n);
		if (n == NULL)
			return NULL;
		p->flows = n;
		p->cap_flows = p->cap_flows ? p->cap_flows * 2 : 16;
	}
	fl = &p->flows[p->n_flows++];
	fl->a = *src;
	fl->b = *dst;
	fl->seq_a = 0x10000000u + (uint32_t)p->n_flows * 0x01000000u;
	fl->seq_b = 0x80000000u + (uint32_t)p->n_flows * 0x01000000u;
	/* SYN, SYN-ACK, ACK just before the first message. */
	if (ui_save_tcp_seg(p, ts - 3, src, dst, fl->seq_a, 0, 0x02, NULL,
	    0) != 0 || ui_save_tcp_seg(p, ts - 2, dst, src, fl->seq_b,
	    fl->seq_a + 1, 0x12, NULL, 0) != 0 || ui_save_tcp_seg(p, ts - 1,
	    src, dst, fl->seq_a + 1, fl->seq_b + 1, 0x10, NULL, 0) != 0)
		return NULL;
	fl->seq_a++;
	fl->seq_b++;
	return fl;
}

/* Write a message as TCP segments on its connection; 0 or -1. */
static int
ui_save_tcp(struct ui_save_pcap *p, int64_t ts, const struct sv_addr *src,
    const struct sv_addr *dst, const uint8_t *payload, size_t len)
{
	struct ui_save_flow *fl = ui_save_flow(p, ts, src, dst);
	uint32_t *mine, *theirs;
	size_t off = 0, n;

	if (fl == NULL)
		return -1;
	if (sv_addr_cmp(&fl->a, src) == 0) {
		mine = &fl->seq_a;
		theirs = &fl->seq_b;
	} else {
		mine = &fl->seq_b;
		theirs = &fl->seq_a;
	}
	while (off < len) {
		n = len - off < UI_SAVE_SEG ? len - off : UI_SAVE_SEG;
		if (ui_save_tcp_seg(p, ts, src, dst, *mine, *theirs, 0x18,
		    payload + off, n) != 0)
			return -1;
		*mine += (uint32_t)n;
		off += n;
	}
	return 0;
}

/* qsort comparator: messages by capture time, then call, then order. */
static int
ui_save_item_cmp(const void *a, const void *b)
{
	const struct ui_save_item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->c->id != y->c->id)
		return x->c->id < y->c->id ? -1 : 1;
	return x->i - y->i;
}

/*
 * Write the messages of n calls to a pcap at path, rebuilding the frames;
 * 0 with the messages written, or -1 with a one-line reason.
 */
int
ui_save_pcap(struct ui *u, struct call **calls, size_t n, const char *path,
    char *err, size_t errlen, size_t *written)
{
	struct ui_save_item *it;
	struct ui_save_pcap p;
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1 };
	size_t total = 0, k = 0, i, skipped = 0, len;
	const char *raw;
	int j, rc = 0, fd;

	*written = 0;
	for (i = 0; i < n; i++)
		total += (size_t)calls[i]->n_msgs;
	if ((it = calloc(total ? total : 1, sizeof *it)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < calls[i]->n_msgs; j++) {
			it[k].c = calls[i];
			it[k].i = j;
			it[k++].ts = calls[i]->msgs[j].ts;
		}
	qsort(it, k, sizeof *it, ui_save_item_cmp);
	memset(&p, 0, sizeof p);
	p.buf = malloc(14 + 40 + 20 + 262144);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (p.buf == NULL || fd < 0 || (p.f = fdopen(fd, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(p.buf);
		free(it);
		return -1;
	}
	if (fwrite(gh, sizeof gh, 1, p.f) != 1)
		rc = -1;
	for (i = 0; i < k && rc == 0; i++) {
		const struct msg *m = &it[i].c->msgs[it[i].i];
		int udp = m->transport == SV_T_UDP || m->transport == SV_T_SCTP ||
		    m->transport == SV_T_UNKNOWN;

		/* Valid until the next read: written at once. */
		if ((raw = ui_msg_raw(u, it[i].c, it[i].i, &len)) == NULL) {
			skipped++;
			continue;
		}
		if (udp && len <= 65000)
			rc = ui_save_udp(&p, m->ts, &m->src, &m->dst,
			    (const uint8_t *)raw, len);
		else
			rc = ui_save_tcp(&p, m->ts, &m->src, &m->dst,
			    (const uint8_t *)raw, len);
		if (rc == 0)
			(*written)++;
	}
	if (fclose(p.f) != 0)
		rc = -1;
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (skipped > 0)
		snprintf(err, errlen, "%zu messages skipped: bytes not kept",
		    skipped);
	else
		err[0] = '\0';
	free(p.flows);
	free(p.buf);
	free(it);
	return rc;
}

/* Write bytes to a text file, control bytes escaped (CR dropped before LF). */
static void
ui_save_escaped(FILE *f, const char *s, size_t len)
{
	size_t i;
	unsigned char b;

	for (i = 0; i < len; i++) {
		b = (unsigned char)s[i];
		if (b == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f)
			fprintf(f, "\\x%02x", b);
		else
			fputc(b, f);
	}
	if (len > 0 && s[len - 1] != '\n')
		fputc('\n', f);
}

/* Write a NUL-terminated string escaped (NULL as "-"). */
static void
ui_save_str(FILE *f, const char *s)
{
	if (s == NULL)
		s = "-";
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
}

/* Write n calls to a text file at path; 0, or -1 with a one-line reason. */
int
ui_save_text(struct ui *u, struct call **calls, size_t n, const char *path,
    char *err, size_t errlen)
{
	struct diagnosis d;
	const struct diagnosis *dp;
	struct call *c;
	const struct msg *m;
	const char *raw;
	char a[64], b[64], t[40];
	FILE *f;
	size_t i, len;
	int j, fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (i = 0; i < n; i++) {
		c = calls[i];
		sv_addr_format(&c->src, a, sizeof a);
		sv_addr_format(&c->dst, b, sizeof b);
		sv_time_format(c->first_ts, t, sizeof t);
		fprintf(f, "==== call %llu  Call-ID ", (unsigned long long)c->id);
		ui_save_str(f, c->call_id);
		fprintf(f, "\nstart %s  %s -> %s %s  %d messages\nfrom ", t, a, b,
		    c->transport < SV_T__MAX ? sv_transport_names[c->transport] :
		    "?", c->n_msgs);
		ui_save_str(f, c->caller);
		fprintf(f, "\nto ");
		ui_save_str(f, c->callee);
		fprintf(f, "\nstate %s", tracker_state_name(c->state));
		if (c->final_code > 0)
			fprintf(f, " %d", c->final_code);
		memset(&d, 0, sizeof d);
		dp = &d;
		if (c->done && c->diag != NULL) {
			dp = c->diag;	/* as the engine judged it */
			ok = 1;
		} else
			ok = ui_call_in_memory(c) &&
			    rules_run(u->rules, c, c->last_ts + 3600 *
			    (int64_t)1000000, &d) == 0;
		if (ok) {
			fprintf(f, "\nverdict %s\n",
			    rules_verdict_name(dp->verdict));
			for (j = 0; j < dp->n; j++) {
				const struct finding *fi = &dp->f[j];

				fprintf(f, "finding [%s] %s: ",
				    rules_severity_name(fi->severity),
				    fi->id);
				ui_save_str(f, fi->title);
				if (fi->msg >= 0)
					fprintf(f, "\n  message %d", fi->msg + 1);
				if (fi->header != NULL) {
					fprintf(f, "\n  ");
					ui_save_str(f, fi->header);
					fprintf(f, ": ");
					ui_save_str(f, fi->value);
				}
				fprintf(f, "\n  why: ");
				ui_save_str(f, fi->explanation);
				fprintf(f, "\n  fix: ");
				ui_save_str(f, fi->fix);
				fprintf(f, "\n");
			}
		} else
			fprintf(f, "\n");
		rules_diagnosis_free(&d);
		for (j = 0; j < c->n_msgs; j++) {
			m = &c->msgs[j];
			sv_addr_format(&m->src, a, sizeof a);
			sv_addr_format(&m->dst, b, sizeof b);
			sv_time_format(m->ts, t, sizeof t);
			fprintf(f, "---- message %d  %s  %s -> %s %s%s\n", j + 1, t,
			    a, b, m->transport < SV_T__MAX ?
			    sv_transport_names[m->transport] : "?",
			    m->retrans ? "  retransmission" : "");
			if ((raw = ui_msg_raw(u, c, j, &len)) != NULL)
				ui_save_escaped(f, raw, len);
			else
				fprintf(f, "(bytes not kept)\n");
		}
		fprintf(f, "\n");
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	err[0] = '\0';
	return 0;
}

/*
 * The calls the dialog's choice names (0 selected, 1 shown, 2 all): their
 * count, and when out is set a malloc'ed array of them.
 */
static size_t
ui_save_calls(struct ui *u, int which, struct call ***out)
{
	struct call **v = NULL, *c;
	struct ui_ent *e, *tmp;
	size_t n = 0, i, cap;
	int k;

	if (out != NULL)
		*out = NULL;
	if (which == 1 || which == 2) {
		cap = which == 1 ? u->n_rows : ui_list_held(u);
		if (out == NULL)
			return cap;
		if ((v = malloc((cap ? cap : 1) * sizeof *v)) == NULL)
			return 0;
		if (which == 1)
			for (i = 0; i < u->n_rows; i++)
				v[n++] = ui_list_row(u, i);
		else
			HASH_ITER(hh, u->ents, e, tmp)
				if (e->c != NULL && n < cap)
					v[n++] = e->c;
		*out = v;
		return n;
	}
	if (out != NULL && (v = malloc((u->n_sel + UI_FLOW_CALLS + 1) *
	    sizeof *v)) == NULL)
		return 0;
	for (i = 0; i < u->n_sel; i++)
		if ((c = ui_find(u, u->sel[i])) != NULL) {
			if (v != NULL)
				v[n] = c;
			n++;
		}
	if (n == 0 && ui_top(u) != UI_M_LIST)
		for (k = 0; k < u->n_flow; k++)
			if ((c = ui_flow_call(u, k)) != NULL) {
				if (v != NULL)
					v[n] = c;
				n++;
			}
	if (n == 0 && u->n_rows > 0) {
		if (v != NULL)
			v[n] = ui_list_row(u, u->cur);
		n++;
	}
	if (out != NULL)
		*out = v;
	return n;
}

/* Give the path the extension of the chosen format. */
static void
ui_save_ext(struct ui *u)
{
	char *dot = strrchr(u->save_path, '.');
	const char *ext = u->save_fmt ? ".txt" : ".pcap";

	if (dot != NULL && (strcmp(dot, ".txt") == 0 ||
	    strcmp(dot, ".pcap") == 0))
		*dot = '\0';
	if (strlen(u->save_path) + strlen(ext) < sizeof u->save_path)
		strcat(u->save_path, ext);
	u->save_len = strlen(u->save_path);
}

/* Open the save dialog with sensible defaults. */
void
ui_save_open(struct ui *u)
{
	char t[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(t, sizeof t, "%Y%m%d-%H%M%S", &tm);
	if (u->save_path[0] == '\0')
		snprintf(u->save_path, sizeof u->save_path, "sipvet-%s", t);
	u->save_which = u->n_sel > 0 || ui_top(u) != UI_M_LIST ? 0 : 1;
	u->save_field = 2;
	ui_save_ext(u);
	ui_push(u, UI_M_SAVE);
}

/* Draw the save dialog over the screen below. */
static void
ui_save_draw(struct ui *u)
{
	static const char *const which[] = { "selected", "shown", "all" };
	static const char *const fmt[] = { "pcap", "text" };
	int w = COLS - 8 < 72 ? COLS - 8 : 72, h = 9;
	int x = (COLS - w) / 2, y = (LINES - h) / 2, i, cx, attr;
	size_t n[3];
	char buf[UI_PATH_MAX + 32];

	for (i = 0; i < 3; i++)
		n[i] = ui_save_calls(u, i, NULL);
	for (i = 0; i < h; i++)
		ui_draw_fill(y + i, x, w, A_NORMAL);
	mvhline(y, x, ACS_HLINE, w);
	mvhline(y + h - 1, x, ACS_HLINE, w);
	mvvline(y, x, ACS_VLINE, h);
	mvvline(y, x + w - 1, ACS_VLINE, h);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	ui_draw_str(u, y, x + 2, w - 4, " Save calls ", A_BOLD);

	ui_draw_str(u, y + 2, x + 2, 8, "Calls:", u->save_field == 0 ?
	    A_BOLD : A_NORMAL);
	for (i = 0, cx = x + 10; i < 3; i++) {
		snprintf(buf, sizeof buf, "%s (%zu)", which[i], n[i]);
		attr = i == u->save_which ? ui_draw_attr(u, UI_C_CURSOR) :
		    (int)A_NORMAL;
		cx += ui_draw_str(u, y + 2, cx, x + w - 2 - cx, buf, attr) + 2;
	}
	ui_draw_str(u, y + 3, x + 2, 8, "Format:", u->save_field == 1 ?
	    A_BOLD : A_NORMAL);
	for (i = 0, cx = x + 10; i < 2; i++) {
		attr = i == u->save_fmt ? ui_draw_attr(u, UI_C_CURSOR) :
		    (int)A_NORMAL;
		cx += ui_draw_str(u, y + 3, cx, 10, fmt[i], attr) + 2;
	}
	ui_draw_str(u, y + 4, x + 2, 8, "File:", u->save_field == 2 ?
	    A_BOLD : A_NORMAL);
	snprintf(buf, sizeof buf, "%s%s", u->save_path,
	    u->save_field == 2 ? "_" : "");
	/* Show the end of a long path. */
	i = (int)strlen(buf) > w - 12 ? (int)strlen(buf) - (w - 12) : 0;
	ui_draw_str(u, y + 4, x + 10, w - 12, buf + i, A_UNDERLINE);
	ui_draw_str(u, y + 6, x + 2, w - 4, "Tab/Up/Down:field  "
	    "Left/Right/Space:choose  Enter:save  Esc:cancel", A_DIM);
	ui_draw_footer(u, "Save: Enter saves, Esc cancels");
}

/* Save as the dialog says and report how it went. */
static void
ui_save_run(struct ui *u)
{
	struct call **v;
	size_t n, written = 0;
	char err[600];
	int rc;

	n = ui_save_calls(u, u->save_which, &v);
	if (v == NULL || n == 0) {
		free(v);
		ui_message(u, "nothing to save");
		return;
	}
	if (u->save_fmt == 0)
		rc = ui_save_pcap(u, v, n, u->save_path, err, sizeof err,
		    &written);
	else
		rc = ui_save_text(u, v, n, u->save_path, err, sizeof err);
	free(v);
	if (rc != 0)
		ui_message(u, "save failed: %s", err);
	else if (u->save_fmt == 0)
		ui_message(u, "saved %zu calls, %zu messages to %s%s%s", n,
		    written, u->save_path, err[0] ? "; " : "", err);
	else
		ui_message(u, "saved %zu calls to %s", n, u->save_path);
}

/* Keys of the save dialog. */
static void
ui_save_key(struct ui *u, int key)
{
	char mb[MB_LEN_MAX + 1];
	int n;

	switch (key) {
	case 27:
		ui_pop(u);
		return;
	case '\r':
	case '\n':
	case UI_FKEY(KEY_ENTER):
		ui_pop(u);
		ui_save_run(u);
		return;
	case '\t':
	case UI_FKEY(KEY_DOWN):
		u->save_field = (u->save_field + 1) % 3;
		return;
	case UI_FKEY(KEY_BTAB):
	case UI_FKEY(KEY_UP):
		u->save_field = (u->save_field + 2) % 3;
		return;
	}
	if (u->save_field < 2) {
		int d = key == UI_FKEY(KEY_LEFT) ? -1 : key == UI_FKEY(KEY_RIGHT) ||
		    key == ' ' ? 1 : 0;

		if (u->save_field == 0)
			u->save_which = (u->save_which + 3 + d) % 3;
		else if (d != 0) {
			u->save_fmt = !u->save_fmt;
			ui_save_ext(u);
		}
		return;
	}
	if (key == UI_FKEY(KEY_BACKSPACE) || key == 127 || key == 8) {
		while (u->save_len > 0 &&
		    ((unsigned char)u->save_path[--u->save_len] & 0xc0) == 0x80)
			;
		u->save_path[u->save_len] = '\0';
	} else if (key == 0x15) {
		u->save_len = 0;
		u->save_path[0] = '\0';
	} else if (key >= 0x20 && key < 0x110000 && key != 0x7f) {
		n = wctomb(mb, (wchar_t)key);
		if (n > 0 && u->save_len + (size_t)n < sizeof u->save_path) {
			memcpy(u->save_path + u->save_len, mb, (size_t)n);
			u->save_len += (size_t)n;
			u->save_path[u->save_len] = '\0';
		}
		/* The extension typed chooses the format. */
		if (u->save_len > 4 &&
		    strcmp(u->save_path + u->save_len - 4, ".txt") == 0)
			u->save_fmt = 1;
		else if (u->save_len > 5 &&
		    strcmp(u->save_path + u->save_len - 5, ".pcap") == 0)
			u->save_fmt = 0;
	}
}

const struct ui_mode ui_save_mode = {
	"save", ui_save_draw, ui_save_key
};
