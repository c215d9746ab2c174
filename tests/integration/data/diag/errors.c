/* Errors with suggestions and fix-its: a missing semicolon, a misspelt
 * name, a missing header's function. */
struct point { int x, y; };

int length(struct point p)
{
  int total = p.x + p.y
  return totl;
}

int use(void) { return strlen("abc") + (int)sizeof(struct point); }
