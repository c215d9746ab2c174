// C++: template notes, a deprecated call, an overload candidate list.
#include <vector>
#include <string>

[[deprecated("use area2")]] int area(int w, int h) { return w * h; }

template <typename T> T sum(const std::vector<T> &v)
{
  T total;
  for (auto i = 0; i < v.size(); i++)
    total += v[i];
  return total;
}

void take(int);
void take(std::string);

int main()
{
  std::vector<int> v{1, 2, 3};
  take(3.5);
  return sum(v) + area(2, 3);
}
