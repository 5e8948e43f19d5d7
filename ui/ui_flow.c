/* ui_flow.c: being written. */
#include "ui.h"
