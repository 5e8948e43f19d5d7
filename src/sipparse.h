#ifndef SIPPARSE_H
#define SIPPARSE_H
#endif
