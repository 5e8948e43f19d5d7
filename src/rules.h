#ifndef RULES_H
#define RULES_H
#endif
