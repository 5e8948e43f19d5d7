/* rules.c: stub, being written. */
#include "sv.h"
