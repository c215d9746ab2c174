/* A compiler warning before a #warning: a local gcc says them in source
 * order, which herdcc gets only by compiling here. */
int shifted = 1 << 40;
int later(void);
#warning "said after the shift"
int later(void) { return 0; }
