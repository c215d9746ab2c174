/* What gcc says only of files read without line markers: the ranges
 * inside a format string and their fix-its, -Wmisleading-indentation in
 * the source and in a header, and a note that quotes a system header. */
#include <stdio.h>
#include <string.h>
#include "inc/indent.h"

int lengths(long n, int k)
{
	printf("%d items of %s\n", n, "x");
	for (int i = 0; i < k; i++)
		n++;
		n--;
	return twice((int)strlen(k));
}
