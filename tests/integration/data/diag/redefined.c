/* A macro redefined: the preprocessor and the compile both see it. */
#define X 1
#define X 2
int x = X;
