/*
 * fuzz_sipparse.c: libFuzzer target for the libosip2 path (sipparse): each
 * input is validated and rendered as the message view's structured text,
 * from a buffer of exactly its size so AddressSanitizer catches any read
 * past the end, and the rendering must be NUL-terminated text with every
 * control byte escaped (it goes to the terminal).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort when a rendering would put a raw control byte on the terminal. */
static void
fuzz_sipparse_check_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			abort();
}

/* Validate and render one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *out = NULL, err[128];

	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return 0;
	if (size > 0)
		memcpy(buf, data, size);
	err[0] = '\0';
	if (sipparse_validate(buf, size, err, sizeof err) != 0 &&
	    memchr(err, '\0', sizeof err) == NULL)
		abort();
	(void)sipparse_structured(buf, size, &out);
	if (out != NULL)
		fuzz_sipparse_check_text(out);
	free(out);
	/* A reason that does not fit must be cut, not overflow. */
	(void)sipparse_validate(buf, size, err, 4);
	free(buf);
	return 0;
}
