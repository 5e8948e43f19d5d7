/* ui_diag.c: being written. */
#include "ui.h"
