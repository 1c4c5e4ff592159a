// Counters and latency histograms rendered in Prometheus' text format. Thread-safe,
// lock-free on the hot path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace ebank {

class Counter {
 public:
  void Add(uint64_t value = 1) { value_.fetch_add(value, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Latencies in seconds, in fixed buckets from 50 microseconds to 10 seconds.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBucketsS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                       0.0025,  0.005,  0.01,    0.025,  0.05,
                                                       0.1,     0.25,   1.0,     10.0};
  void Observe(double seconds);
  // Appends "# TYPE name histogram" and the series, with `labels` such as `backend="sqlite"`.
  void Render(std::string& out, std::string_view name, std::string_view labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBucketsS.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

// Appends "# TYPE name counter" and one sample.
void RenderCounter(std::string& out, std::string_view name, std::string_view labels,
                   uint64_t value);
void RenderGauge(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace ebank
