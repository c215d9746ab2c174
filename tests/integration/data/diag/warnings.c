/* Warnings, notes and fix-it hints that gcc and clang print the same
 * through herdcc as here: macros expanded in warnings, a header's own
 * warnings, tab-indented lines, fall-through, signedness. */
#include <stdio.h>
#include "inc/shape.h"

#define TWICE(x) ((x) + (x))
#define  LOUD(v)  puts( \
    v)

int twice(int a) { int unused; return TWICE(a); }

void say(const char *s)
{
	LOUD(s);	/* tab-indented */
	printf("%s\n", s);
}

int fallthrough(int x)
{
  switch (x) {
  case 1:
    x += 2;
  case 2:
    return x;
  }
  return TWICE(x) + shape_area(x, 2);
}

int g(void) { return; }

int compare(unsigned u, int i) { return u < i; }
