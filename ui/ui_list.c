/* ui_list.c: being written. */
#include "ui.h"
