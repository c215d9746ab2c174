/* Nothing but -Wmisleading-indentation, in the source and in a header:
 * only gcc's check of the text without line markers finds it. */
#include "inc/indent.h"

int clampsum(int a, int b)
{
	if (a < 0)
		a = 0;
		b++;
	return twice(a + b);
}
