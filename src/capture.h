#ifndef CAPTURE_H
#define CAPTURE_H
#endif
