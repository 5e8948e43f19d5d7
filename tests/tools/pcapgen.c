/* pcapgen.c: stub. */
int main(void) { return 1; }
