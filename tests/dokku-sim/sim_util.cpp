// Shared helpers: log prefixes, Go-compatible JSON strings, columnize, hashes, app-name
// checks, properties and a pflag-like parser.
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

void Ctx::Info1(std::string_view m) { out.append("-----> ").append(m).push_back('\n'); }
void Ctx::Info1Quiet(std::string_view m) {
  if (!flags.quiet) Info1(m);
}
void Ctx::Info2(std::string_view m) { out.append("=====> ").append(m).push_back('\n'); }
void Ctx::Info2Quiet(std::string_view m) {
  if (!flags.quiet) Info2(m);
}
void Ctx::Verbose(std::string_view m) { out.append("       ").append(m).push_back('\n'); }
void Ctx::Warn(std::string_view m) { err.append(" !     ").append(m).push_back('\n'); }

const std::string& Ctx::Stdin() {
  if (!stdin_read) {
    stdin_read = true;
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) stdin_data.append(buf, static_cast<size_t>(n));
  }
  return stdin_data;
}

namespace {

// Length of a valid UTF-8 sequence at s[i], or 0 if invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    size_t l = Utf8Len(s, i);
    i += l ? l : 1;
    ++n;
  }
  return n;
}

std::string TrimSpace(std::string_view s) {
  const char* ws = " \t\n\r\v\f";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::string DigestHex(const EVP_MD* md, std::string_view data) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), buf, &len, md, nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[buf[i] >> 4]);
    hex.push_back(kHex[buf[i] & 15]);
  }
  return hex;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ^[a-z0-9][a-z0-9.-]*$ (new) or with '_' also allowed (old).
bool ValidName(const std::string& n, bool allow_underscore) {
  if (n.empty() || !IsLowerAlnum(n[0])) return false;
  for (char c : n)
    if (!IsLowerAlnum(c) && c != '.' && c != '-' && !(allow_underscore && c == '_')) return false;
  return true;
}

}  // namespace

std::string GoJsonString(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string o = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          o += "\\\"";
          break;
        case '\\':
          o += "\\\\";
          break;
        case '\n':
          o += "\\n";
          break;
        case '\r':
          o += "\\r";
          break;
        case '\t':
          o += "\\t";
          break;
        case '\b':
          o += "\\b";
          break;
        case '\f':
          o += "\\f";
          break;
        case '<':
        case '>':
        case '&':
          o += "\\u00";
          o.push_back(kHex[c >> 4]);
          o.push_back(kHex[c & 15]);
          break;
        default:
          if (c < 0x20) {
            o += "\\u00";
            o.push_back(kHex[c >> 4]);
            o.push_back(kHex[c & 15]);
          } else {
            o.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = Utf8Len(s, i);
    if (len == 0) {
      o += "\\ufffd";
      ++i;
      continue;
    }
    std::string_view seq = s.substr(i, len);
    if (seq == "\xE2\x80\xA8") {
      o += "\\u2028";
    } else if (seq == "\xE2\x80\xA9") {
      o += "\\u2029";
    } else {
      o.append(seq);
    }
    i += len;
  }
  o += "\"";
  return o;
}

std::string GoJsonObject(const std::map<std::string, std::string>& m) {
  std::string o = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) o += ",";
    first = false;
    o += GoJsonString(k) + ":" + GoJsonString(v);
  }
  return o + "}";
}

std::string Columnize(const std::vector<std::string>& lines, const std::string& delim,
                      const std::string& prefix) {
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> widths;
  for (const auto& line : lines) {
    std::vector<std::string> elems;
    size_t start = 0;
    while (true) {
      size_t pos = line.find(delim, start);
      elems.push_back(TrimSpace(std::string_view(line).substr(
          start, pos == std::string::npos ? std::string::npos : pos - start)));
      if (pos == std::string::npos) break;
      start = pos + delim.size();
    }
    for (size_t i = 0; i < elems.size(); ++i) {
      size_t w = RuneCount(elems[i]);
      if (widths.size() <= i)
        widths.push_back(w);
      else if (widths[i] < w)
        widths[i] = w;
    }
    rows.push_back(std::move(elems));
  }
  std::string result;
  for (const auto& elems : rows) {
    result += prefix;
    for (size_t i = 0; i < elems.size(); ++i) {
      if (i == elems.size() - 1) {
        result += elems[i] + "\n";
      } else {
        result += elems[i];
        result.append(widths[i] - RuneCount(elems[i]), ' ');
        result += "  ";
      }
    }
  }
  if (!result.empty() && result.back() == '\n') result.pop_back();
  return result;
}

std::string Sha256Hex(std::string_view data) { return DigestHex(EVP_sha256(), data); }
std::string Sha1Hex(std::string_view data) { return DigestHex(EVP_sha1(), data); }

long long NowUnix() {
  if (const char* fixed = std::getenv("DOKKU_SIM_NOW")) return std::atoll(fixed);
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> SplitWs(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string o;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) o.append(sep);
    o += v[i];
  }
  return o;
}

int VerifyApp(Ctx& ctx, const std::string& app) {
  if (app.empty()) return ctx.Fail("Please specify an app to run the command on");
  if (!ValidName(app, false) && !ValidName(app, true))
    return ctx.Fail(
        "App name must begin with lowercase alphanumeric character, and may only contain "
        "lowercase alphanumerics, dots, and hyphens");
  if (!ctx.store.AppExists(app)) return ctx.Fail("App " + app + " does not exist", 20);
  return 0;
}

int VerifyAppBash(Ctx& ctx, const std::string& app) {
  if (app.empty() || (!ValidName(app, false) && !ValidName(app, true)) || !ctx.store.AppExists(app))
    return ctx.Fail("App " + app + " does not exist", 20);
  return 0;
}

std::string Prop(const Json& doc, const std::string& plugin, const std::string& key) {
  auto p = doc.find("props");
  if (p == doc.end()) return "";
  auto q = p->find(plugin);
  if (q == p->end()) return "";
  auto v = q->find(key);
  if (v == q->end() || !v->is_string()) return "";
  return v->get<std::string>();
}

void SetProp(Json& doc, const std::string& plugin, const std::string& key,
             const std::string& value) {
  Json& bag = doc["props"][plugin];
  if (!bag.is_object()) bag = Json::object();
  if (value.empty())
    bag.erase(key);
  else
    bag[key] = value;
}

std::string GlobalProp(Ctx& ctx, const std::string& plugin, const std::string& key) {
  return Prop(ctx.store.Global(), plugin, key);
}

int PropertySet(Ctx& ctx, const std::string& plugin, const Args& raw,
                const std::vector<std::string>& valid, const std::vector<std::string>& global) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  std::string property = args.size() > 1 ? args[1] : "";
  std::string value = args.size() > 2 ? Join(Args(args.begin() + 2, args.end()), " ") : "";
  return PropertySetValue(ctx, plugin, app, property, value, valid, global);
}

int PropertySetValue(Ctx& ctx, const std::string& plugin, const std::string& app,
                     const std::string& property, const std::string& value,
                     const std::vector<std::string>& valid,
                     const std::vector<std::string>& global) {
  if (app != "--global") {
    if (int rc = VerifyApp(ctx, app)) return rc;
  }
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  if (app == "--global" && !contains(global, property))
    return ctx.Fail("Property cannot be specified globally");
  if (property.empty()) return ctx.Fail("No property specified");
  if (!contains(valid, property) && !contains(global, property)) {
    std::vector<std::string> all = valid;
    for (const auto& g : global)
      if (!contains(all, g)) all.push_back(g);
    std::sort(all.begin(), all.end());
    return ctx.Fail("Invalid property specified, valid properties include: " + Join(all, ", "));
  }
  Json& doc = app == "--global" ? ctx.store.Global() : ctx.store.App(app);
  if (!value.empty())
    ctx.Info2Quiet("Setting " + property + " to " + value);
  else
    ctx.Info2Quiet("Unsetting " + property);
  SetProp(doc, plugin, property, value);
  if (app == "--global")
    ctx.store.SaveGlobal();
  else
    ctx.store.SaveApp(app);
  return 0;
}

bool ParseFlags(Ctx& ctx, const std::string& cmd, const Args& args, const FlagSpec& spec,
                ParsedFlags& out, int* code) {
  auto is_in = [](const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
      if (x == s) return true;
    return false;
  };
  auto fail = [&](const std::string& msg) {
    ctx.Err(msg + "\nUsage of " + cmd + ":\n");
    *code = 2;
    return false;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      for (size_t j = i + 1; j < args.size(); ++j) out.positional.push_back(args[j]);
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a[1] != '-') {
      return fail("unknown shorthand flag: '" + std::string(1, a[1]) + "' in " + a);
    }
    std::string name = a.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (is_in(spec.bools, name)) {
      out.values[name] = has_value ? value : "true";
    } else if (is_in(spec.strings, name)) {
      if (!has_value) {
        if (i + 1 >= args.size()) return fail("flag needs an argument: --" + name);
        value = args[++i];
      }
      out.values[name] = value;
    } else if (name == "quiet" || name == "trace" || name == "force") {
      continue;  // global flags, already applied
    } else if (name == "app") {
      if (!has_value) ++i;
    } else {
      return fail("unknown flag: --" + name);
    }
  }
  return true;
}

Args WithAppArg(Ctx& ctx, const Args& args) {
  if (!ctx.flags.has_app) return args;
  Args out;
  out.push_back(ctx.flags.app);
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

}  // namespace dokku_sim
