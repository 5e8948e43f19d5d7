#ifndef ENGINE_H
#define ENGINE_H
#endif
