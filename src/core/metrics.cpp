#include "core/metrics.h"

#include <fmt/format.h>

namespace ebank {
namespace {

std::string Braced(std::string_view labels, std::string_view extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string text = "{";
  text += labels;
  if (!labels.empty() && !extra.empty()) text += ',';
  text += extra;
  text += '}';
  return text;
}

}  // namespace

void Histogram::Observe(double seconds) {
  for (size_t i = 0; i < kBucketsS.size(); ++i) {
    if (seconds <= kBucketsS[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
  out += fmt::format("# TYPE {} histogram\n", name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBucketsS.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{} {}\n", name,
                       Braced(labels, fmt::format("le=\"{}\"", kBucketsS[i])), cumulative);
  }
  uint64_t count = count_.load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{} {}\n", name, Braced(labels, "le=\"+Inf\""), count);
  out += fmt::format("{}_sum{} {}\n", name, Braced(labels),
                     static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("{}_count{} {}\n", name, Braced(labels), count);
}

void RenderCounter(std::string& out, std::string_view name, std::string_view labels,
                   uint64_t value) {
  out += fmt::format("# TYPE {} counter\n{}{} {}\n", name, name, Braced(labels), value);
}

void RenderGauge(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += fmt::format("# TYPE {} gauge\n{}{} {}\n", name, name, Braced(labels), value);
}

}  // namespace ebank
