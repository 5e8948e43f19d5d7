/* ui_draw.c: being written. */
#include "ui.h"
