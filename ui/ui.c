/* ui.c: stub. */
#include "ui.h"
