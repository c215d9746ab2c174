/* A header whose code draws warnings at its own lines. */
#define AREA(w, h) ((w) * (h))
static inline int shape_area(int w, int h)
{
	int unused_in_header;
	return AREA(w, h);
}
