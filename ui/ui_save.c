/* ui_save.c: being written. */
#include "ui.h"
