/*
 * capture.h: capture sources, files and live interfaces, through libpcap.
 *
 * Files (pcap and pcapng, "-" for standard input) are read merged in order
 * of capture time, so several files of one event interleave correctly.
 * Live interfaces are opened non-blocking with immediate mode and their
 * selectable descriptors are polled by the engine's single loop.  Every
 * error comes back as one line saying what is wrong and what to do.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <pcap/pcap.h>

#include "sv.h"

#define CAPTURE_MAX_SOURCES	64

struct capture_source {
	pcap_t		*p;
	char		*name;
	int		 dlt;
	int		 live;
	int		 fd;		/* selectable descriptor (live) */
	int		 eof;		/* file exhausted or failed */
	int		 have;		/* a packet is waiting in hdr/data */
	struct pcap_pkthdr *hdr;
	const u_char	*data;
	uint64_t	 frame;		/* frames read so far */
};

struct capture {
	struct capture_source src[CAPTURE_MAX_SOURCES];
	int		 n;
	int		 truncated;	/* a file ended in the middle of a record */
};

/* Initialise an empty set of sources. */
void	 capture_init(struct capture *c);
/* Close every source. */
void	 capture_close(struct capture *c);
/* Open a capture file ("-" is standard input) with an optional BPF filter; 0 or -1 with err. */
int	 capture_open_file(struct capture *c, const char *path, const char *filter,
	    char *err, size_t errlen);
/* Open a live interface ("any" included) with an optional filter; 0 or -1 with err. */
int	 capture_open_live(struct capture *c, const char *iface, const char *filter,
	    int snaplen, int promisc, int bufsize, char *err, size_t errlen);
/*
 * The next packet of the files, earliest capture time first: 1 with *idx,
 * *hdr, *data set (valid until the next call), 0 when every file is done,
 * -1 when a file failed (err says which and why; the other files go on).
 */
int	 capture_next(struct capture *c, int *idx, struct pcap_pkthdr **hdr,
	    const u_char **data, char *err, size_t errlen);
/* Add the kernel's drop counters of the live sources to st. */
void	 capture_stats(struct capture *c, struct sv_stats *st);
/* Whether any source is a live interface. */
int	 capture_is_live(const struct capture *c);

#endif
