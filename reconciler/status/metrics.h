// Prometheus metrics in the text exposition format (version 0.0.4): counters, gauges and
// histograms with labels. Thread-safe; Render() takes a consistent copy under the lock.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace dflow {

using Labels = std::map<std::string, std::string>;

class Metrics {
 public:
  // Declares a metric; Add/Set/Observe on an undeclared name are ignored.
  void DeclareCounter(const std::string& name, const std::string& help);
  void DeclareGauge(const std::string& name, const std::string& help);
  void DeclareHistogram(const std::string& name, const std::string& help,
                        std::vector<double> bucket_bounds);

  void Add(const std::string& name, const Labels& labels, double delta = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  void Observe(const std::string& name, const Labels& labels, double value);

  // The whole registry as Prometheus text, metrics in name order, series in label order.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Histogram {
    std::vector<double> counts;  // per bucket (cumulative at render time)
    double sum = 0;
    double count = 0;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mutex_)
};

}  // namespace dflow
