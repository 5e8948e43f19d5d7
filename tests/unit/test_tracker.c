/* test_tracker.c: stub until the module's tests are written; fails on purpose. */
int main(void) { return 1; }
