#ifndef DIGEST_H
#define DIGEST_H
#endif
