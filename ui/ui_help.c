/* ui_help.c: being written. */
#include "ui.h"
