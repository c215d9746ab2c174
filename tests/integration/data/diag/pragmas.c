/* #warning before the compiler's own diagnostics, #pragma message, and a
 * GCC diagnostic pragma. */
#warning "this source is old"
#pragma message "compiled with pragmas"
#pragma GCC diagnostic warning "-Wunused-parameter"
int f(int a, int b) { return a; }
