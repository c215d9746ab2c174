/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monitor's icons render at every size a panel or a launcher asks
 * for (16 to 48 pixels): each SVG of data/icons loads through gdk-pixbuf
 * (librsvg) at that size, square, with ink in it and not a filled square;
 * the failing icon keeps its red at 16 pixels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
/* cmocka needs the four above first. */
#include <cmocka.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

static const struct {
  const char *path; /* under data/icons/hicolor */
  bool        red;  /* has the error colour */
} icons[] = {
  { "scalable/apps/org.herdcc.Monitor.svg",                  false },
  { "symbolic/apps/org.herdcc.Monitor-symbolic.svg",         false },
  { "symbolic/apps/org.herdcc.Monitor-idle-symbolic.svg",    false },
  { "symbolic/apps/org.herdcc.Monitor-busy-symbolic.svg",    false },
  { "symbolic/apps/org.herdcc.Monitor-paused-symbolic.svg",  false },
  { "symbolic/apps/org.herdcc.Monitor-failing-symbolic.svg", true  },
};

static const int sizes[] = { 16, 22, 24, 32, 48 };

static void test_render(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(icons) / sizeof(icons[0]); i++) {
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
      g_autofree char *path = g_build_filename(
        HERDCC_SOURCE_ROOT, "data", "icons", "hicolor", icons[i].path, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pix =
        gdk_pixbuf_new_from_file_at_size(path, sizes[k], sizes[k], &error);
      if (!pix) {
        fail_msg("%s at %d px: %s", icons[i].path, sizes[k], error->message);
      }
      int w = gdk_pixbuf_get_width(pix), h = gdk_pixbuf_get_height(pix);
      if (w != sizes[k] || h != sizes[k] || !gdk_pixbuf_get_has_alpha(pix)) {
        fail_msg("%s at %d px: %dx%d, alpha %d", icons[i].path, sizes[k], w, h,
                 gdk_pixbuf_get_has_alpha(pix));
      }
      const guchar *px     = gdk_pixbuf_read_pixels(pix);
      int           stride = gdk_pixbuf_get_rowstride(pix);
      int           ink = 0, red = 0;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          const guchar *p = px + y * stride + x * 4;
          ink += p[3] > 128;
          red += p[3] > 128 && p[0] > 150 && p[1] < 80 && p[2] < 80;
        }
      }
      if (ink < w * h / 20 || ink == w * h) {
        fail_msg("%s at %d px: %d of %d pixels inked", icons[i].path, sizes[k],
                 ink, w * h);
      }
      if (icons[i].red != (red > 0)) {
        fail_msg("%s at %d px: %d red pixels", icons[i].path, sizes[k], red);
      }
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_render),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
