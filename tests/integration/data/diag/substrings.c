/* What gcc says only of files read without line markers (herdcc(1)): the
 * ranges inside format strings and their fix-its, and
 * -Wmisleading-indentation. clang says the same as here. */
#include <stdio.h>

#define SHOUT(fmt, v) printf(fmt, v)

void formats(long n)
{
	printf("%d items\n", n);
	SHOUT("%s\n", n);
}

int indentation(int x)
{
  if (x)
    x++;
    x--;
  return x;
}
