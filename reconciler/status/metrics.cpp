#include "reconciler/status/metrics.h"

#include <cmath>
#include <sstream>

namespace dflow {
namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string Format(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

std::string LabelText(const Labels& labels, const std::string& extra_key = "",
                      const std::string& extra_value = "") {
  std::string text;
  for (const auto& [key, value] : labels)
    text += (text.empty() ? "" : ",") + key + "=\"" + Escape(value) + "\"";
  if (!extra_key.empty())
    text += (text.empty() ? "" : ",") + extra_key + "=\"" + Escape(extra_value) + "\"";
  return text.empty() ? "" : "{" + text + "}";
}

}  // namespace

void Metrics::DeclareCounter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  families_[name] = Family{Type::kCounter, help, {}, {}, {}};
}

void Metrics::DeclareGauge(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  families_[name] = Family{Type::kGauge, help, {}, {}, {}};
}

void Metrics::DeclareHistogram(const std::string& name, const std::string& help,
                               std::vector<double> bucket_bounds) {
  std::lock_guard lock(mutex_);
  families_[name] = Family{Type::kHistogram, help, std::move(bucket_bounds), {}, {}};
}

void Metrics::Add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end() && it->second.type != Type::kHistogram)
    it->second.values[labels] += delta;
}

void Metrics::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end() && it->second.type == Type::kGauge) it->second.values[labels] = value;
}

void Metrics::Observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type != Type::kHistogram) return;
  Histogram& h = it->second.histograms[labels];
  h.counts.resize(it->second.bounds.size());
  for (std::size_t i = 0; i < it->second.bounds.size(); ++i)
    if (value <= it->second.bounds[i]) h.counts[i] += 1;
  h.sum += value;
  h.count += 1;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    static const char* kTypeNames[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + kTypeNames[static_cast<int>(family.type)] + "\n";
    for (const auto& [labels, value] : family.values)
      out += name + LabelText(labels) + " " + Format(value) + "\n";
    for (const auto& [labels, h] : family.histograms) {
      for (std::size_t i = 0; i < family.bounds.size(); ++i)
        out += name + "_bucket" + LabelText(labels, "le", Format(family.bounds[i])) + " " +
               Format(h.counts[i]) + "\n";
      out += name + "_bucket" + LabelText(labels, "le", "+Inf") + " " + Format(h.count) + "\n";
      out += name + "_sum" + LabelText(labels) + " " + Format(h.sum) + "\n";
      out += name + "_count" + LabelText(labels) + " " + Format(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace dflow
