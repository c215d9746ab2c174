/* A header whose inline function gcc warns about only when it reads the
 * header itself, not text with line markers. */
static inline int twice(int x)
{
  if (x > 100)
    x = 100;
    x *= 2;
  return x;
}
