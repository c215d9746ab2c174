// A small C++ translation unit with templates, the standard library and
// virtual dispatch: what a C++ compile through the farm must get right.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {

struct shape {
  virtual ~shape() = default;
  virtual double area() const = 0;
  virtual std::string name() const = 0;
};

struct circle final : shape {
  explicit circle(double r) : radius(r) {}
  double area() const override { return M_PI * radius * radius; }
  std::string name() const override { return "circle"; }
  double radius;
};

struct rect final : shape {
  rect(double w, double h) : width(w), height(h) {}
  double area() const override { return width * height; }
  std::string name() const override { return "rect"; }
  double width, height;
};

template <typename T> T total(const std::vector<T> &values)
{
  return std::accumulate(values.begin(), values.end(), T{});
}

} // namespace

std::map<std::string, double> areas_by_kind(int n)
{
  std::vector<std::unique_ptr<shape>> shapes;
  for (int i = 1; i <= n; i++) {
    if (i % 2) {
      shapes.push_back(std::make_unique<circle>(i));
    } else {
      shapes.push_back(std::make_unique<rect>(i, i + 1));
    }
  }
  std::map<std::string, std::vector<double>> grouped;
  for (const auto &s : shapes) {
    grouped[s->name()].push_back(s->area());
  }
  std::map<std::string, double> out;
  for (auto &[kind, values] : grouped) {
    std::sort(values.begin(), values.end());
    out[kind] = total(values);
  }
  return out;
}
