/* test_sipparse.c: stub until the module tests are written; fails on purpose. */
int main(void) { return 1; }
