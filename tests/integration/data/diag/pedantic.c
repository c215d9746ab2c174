/* What -pedantic says: the object comes from a compile as source, what
 * gcc says from its twin (herdcc(1)). */
#include <stdio.h>

struct empty {};
int zero[0];

int main(void)
{
  int n = printf("%s\n", "x") ? 1 : 0;
  return n ?: 2;
}
