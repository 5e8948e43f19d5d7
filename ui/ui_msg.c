/* ui_msg.c: being written. */
#include "ui.h"
