#include "manifests-schema/theme_expression.h"

#include <optional>
#include <utility>

#include "manifests-schema/field_reader.h"

namespace dflow {

TemplateValue TemplateValue::Text(std::string text, Type type) {
  TemplateValue v;
  v.type = type;
  if (!text.empty()) v.parts.push_back({TemplatePart::Kind::kText, std::move(text), ""});
  return v;
}

TemplateValue TemplateValue::Reference(TemplatePart::Kind kind, std::string name,
                                       std::string field) {
  TemplateValue v;
  v.parts.push_back({kind, std::move(name), std::move(field)});
  return v;
}

bool TemplateValue::IsPlain() const {
  for (const TemplatePart& p : parts) {
    if (p.kind != TemplatePart::Kind::kText) return false;
  }
  return true;
}

std::string TemplateValue::Text() const {
  std::string out;
  for (const TemplatePart& p : parts) {
    if (p.kind == TemplatePart::Kind::kText) out += p.text;
  }
  return out;
}

std::string PartsToTemplate(const std::vector<ConfigPart>& parts) {
  std::string out;
  for (const TemplatePart& p : parts) {
    switch (p.kind) {
      case TemplatePart::Kind::kText:
        for (std::size_t i = 0; i < p.text.size(); ++i) {
          if (p.text.compare(i, 2, "${") == 0) out += '$';  // `$${` reads back as `${`
          out += p.text[i];
        }
        break;
      case TemplatePart::Kind::kSecret:
        out += "${secrets." + p.text + "}";
        break;
      case TemplatePart::Kind::kGenerated:
        out += "${generated." + p.text + "}";
        break;
      case TemplatePart::Kind::kDatastore:
        out += "${datastores." + p.text + "." + p.field + "}";
        break;
    }
  }
  return out;
}

bool HasTemplate(std::string_view text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '$') continue;
    if (text[i + 1] == '$' && i + 2 < text.size() && text[i + 2] == '{') {
      i += 2;  // escaped
    } else if (text[i + 1] == '{') {
      return true;
    }
  }
  return false;
}

namespace {

using Kind = TemplatePart::Kind;
using Type = TemplateValue::Type;

const char* TypeName(Type t) {
  switch (t) {
    case Type::kBool:
      return "a boolean";
    case Type::kInt:
      return "an integer";
    case Type::kString:
      break;
  }
  return "a string";
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c) || c == '-'; }

void Append(TemplateValue& out, const TemplateValue& v) {
  for (const TemplatePart& p : v.parts) {
    if (p.kind == Kind::kText && !out.parts.empty() && out.parts.back().kind == Kind::kText) {
      out.parts.back().text += p.text;
    } else {
      out.parts.push_back(p);
    }
  }
}

// Recursive descent over one template; every method returns nullopt once error_ is set.
class Evaluator {
 public:
  Evaluator(std::string_view text, const TemplateScope& scope) : s_(text), scope_(scope) {}

  std::variant<TemplateValue, TemplateError> Run() {
    std::optional<TemplateValue> v = Template();
    if (!v) return error_;
    return *v;
  }

 private:
  std::optional<TemplateValue> Fail(std::size_t at, std::string message, std::string hint = "") {
    if (!failed_) error_ = {at, std::move(message), std::move(hint)};
    failed_ = true;
    return std::nullopt;
  }

  std::optional<TemplateValue> Template();
  std::optional<TemplateValue> Expr();
  std::optional<TemplateValue> Or();
  std::optional<TemplateValue> And();
  std::optional<TemplateValue> Compare();
  std::optional<TemplateValue> Unary();
  std::optional<TemplateValue> Primary();
  std::optional<TemplateValue> Name();
  std::optional<TemplateValue> Quoted();
  bool Boolean(const TemplateValue& v, std::size_t at, const char* what);
  bool Enter(std::size_t at);

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool Eat(std::string_view token) {
    SkipSpace();
    if (s_.compare(i_, token.size(), token) != 0) return false;
    i_ += token.size();
    return true;
  }

  std::string_view s_;
  const TemplateScope& scope_;
  std::size_t i_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  TemplateError error_;
};

std::optional<TemplateValue> Evaluator::Template() {
  if (s_.size() > kMaxTemplateBytes) {
    return Fail(0, "template of " + std::to_string(s_.size()) + " bytes is too long",
                "templates are at most " + std::to_string(kMaxTemplateBytes) + " bytes");
  }
  TemplateValue out;
  std::size_t size = s_.size();  // the literal text is at most the template
  int substitutions = 0;
  bool text = false;
  while (i_ < s_.size()) {
    std::size_t start = i_;
    if (s_.compare(i_, 3, "$${") == 0) {
      Append(out, TemplateValue::Text("${"));
      i_ += 3;
      text = true;
      continue;
    }
    if (s_.compare(i_, 2, "${") != 0) {
      std::size_t next = s_.find('$', i_ + 1);
      if (next == std::string_view::npos) next = s_.size();
      Append(out, TemplateValue::Text(std::string(s_.substr(i_, next - i_))));
      i_ = next;
      text = true;
      continue;
    }
    i_ += 2;
    std::optional<TemplateValue> v = Expr();
    if (!v) return std::nullopt;
    if (!Eat("}")) {
      SkipSpace();
      if (i_ >= s_.size()) return Fail(start, "unterminated '${'", "close it with '}'");
      return Fail(i_, "unexpected '" + std::string(1, s_[i_]) + "' in expression",
                  "expected '}' or an operator (== != && || ?:)");
    }
    if (++substitutions == 1 && !text && i_ == s_.size()) return v;  // keeps its type
    for (const TemplatePart& p : v->parts) size += p.text.size() + p.field.size();
    // Checked at each step, so a thousand substitutions of a long value stop at the bound.
    if (size > kMaxTemplateOutputBytes) {
      return Fail(
          start,
          "template result is longer than " + std::to_string(kMaxTemplateOutputBytes) + " bytes",
          "shorten the value or the parameters it uses");
    }
    Append(out, *v);
  }
  return out;
}

bool Evaluator::Enter(std::size_t at) {
  if (++depth_ <= kMaxTemplateDepth) return true;
  Fail(at, "expression nested too deeply",
       "at most " + std::to_string(kMaxTemplateDepth) + " levels of parentheses and '?:'");
  return false;
}

bool Evaluator::Boolean(const TemplateValue& v, std::size_t at, const char* what) {
  if (v.type == Type::kBool && v.IsPlain()) return true;
  Fail(at, std::string(what) + " must be true or false, got " + TypeName(v.type),
       "compare it, e.g. params.x == 'value'");
  return false;
}

// expr := or ('?' expr ':' expr)?   Both branches are evaluated, so a typo in the branch not
// taken is still reported; the work stays linear in the template's length.
std::optional<TemplateValue> Evaluator::Expr() {
  SkipSpace();
  std::size_t at = i_;
  std::optional<TemplateValue> cond = Or();
  if (!cond || !Eat("?")) return cond;
  if (!Boolean(*cond, at, "the condition before '?'") || !Enter(at)) return std::nullopt;
  std::optional<TemplateValue> yes = Expr();
  if (!yes) return std::nullopt;
  if (!Eat(":")) return Fail(i_, "expected ':' in 'condition ? a : b'");
  std::optional<TemplateValue> no = Expr();
  if (!no) return std::nullopt;
  --depth_;
  return cond->Text() == "true" ? yes : no;
}

std::optional<TemplateValue> Evaluator::Or() {
  SkipSpace();
  std::size_t at = i_;
  std::optional<TemplateValue> left = And();
  while (left && Eat("||")) {
    std::size_t right_at = i_;
    std::optional<TemplateValue> right = And();
    if (!right || !Boolean(*left, at, "the left side of '||'") ||
        !Boolean(*right, right_at, "the right side of '||'")) {
      return std::nullopt;
    }
    bool value = left->Text() == "true" || right->Text() == "true";
    left = TemplateValue::Text(value ? "true" : "false", Type::kBool);
  }
  return left;
}

std::optional<TemplateValue> Evaluator::And() {
  SkipSpace();
  std::size_t at = i_;
  std::optional<TemplateValue> left = Compare();
  while (left && Eat("&&")) {
    std::size_t right_at = i_;
    std::optional<TemplateValue> right = Compare();
    if (!right || !Boolean(*left, at, "the left side of '&&'") ||
        !Boolean(*right, right_at, "the right side of '&&'")) {
      return std::nullopt;
    }
    bool value = left->Text() == "true" && right->Text() == "true";
    left = TemplateValue::Text(value ? "true" : "false", Type::kBool);
  }
  return left;
}

// Comparison is of plain values only: comparing a secret would let a template test it.
std::optional<TemplateValue> Evaluator::Compare() {
  SkipSpace();
  std::size_t at = i_;
  std::optional<TemplateValue> left = Unary();
  if (!left) return std::nullopt;
  bool equal = Eat("==");
  if (!equal && !Eat("!=")) return left;
  std::optional<TemplateValue> right = Unary();
  if (!right) return std::nullopt;
  if (!left->IsPlain() || !right->IsPlain()) {
    return Fail(at, "a secret or datastore value cannot be compared",
                "compare parameters, not secrets");
  }
  bool same = left->Text() == right->Text();
  return TemplateValue::Text(same == equal ? "true" : "false", Type::kBool);
}

std::optional<TemplateValue> Evaluator::Unary() {
  SkipSpace();
  std::size_t at = i_;
  if (!Eat("!") || s_.compare(i_ - 1, 2, "!=") == 0) {
    i_ = at;
    return Primary();
  }
  if (!Enter(at)) return std::nullopt;
  std::optional<TemplateValue> v = Unary();
  if (!v || !Boolean(*v, at + 1, "the operand of '!'")) return std::nullopt;
  --depth_;
  return TemplateValue::Text(v->Text() == "true" ? "false" : "true", Type::kBool);
}

std::optional<TemplateValue> Evaluator::Primary() {
  SkipSpace();
  if (i_ >= s_.size()) return Fail(i_, "unterminated '${'", "close it with '}'");
  char c = s_[i_];
  if (c == '(') {
    std::size_t at = i_++;
    if (!Enter(at)) return std::nullopt;
    std::optional<TemplateValue> v = Expr();
    if (!v) return std::nullopt;
    if (!Eat(")")) return Fail(at, "unclosed '('", "add ')'");
    --depth_;
    return v;
  }
  if (c == '\'' || c == '"') return Quoted();
  if (IsDigit(c)) {
    std::size_t start = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    if (i_ - start > 9) return Fail(start, "integer too large", "at most 9 digits");
    return TemplateValue::Text(std::string(s_.substr(start, i_ - start)), Type::kInt);
  }
  if (IsNameStart(c)) return Name();
  if (c == '}') return Fail(i_, "empty expression in '${}'", "write a name such as params.domain");
  return Fail(i_, "unexpected '" + std::string(1, c) + "' in expression",
              "expressions use names, 'strings', true, false, integers, == != ! && || ?: ()");
}

std::optional<TemplateValue> Evaluator::Quoted() {
  char quote = s_[i_];
  std::size_t start = i_++;
  std::size_t end = s_.find(quote, i_);
  if (end == std::string_view::npos) {
    return Fail(start, "unterminated string", std::string("close it with ") + quote);
  }
  std::string text(s_.substr(i_, end - i_));
  i_ = end + 1;
  return TemplateValue::Text(std::move(text));
}

std::optional<TemplateValue> Evaluator::Name() {
  std::size_t start = i_;
  while (i_ < s_.size() && (IsNameChar(s_[i_]) || s_[i_] == '.')) ++i_;
  std::string name(s_.substr(start, i_ - start));
  if (name == "true" || name == "false") return TemplateValue::Text(name, Type::kBool);
  auto it = scope_.find(name);
  if (it != scope_.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& [key, value] : scope_) known.push_back(key);
  std::string hint = DidYouMean(name, known);
  if (hint.empty()) {
    std::string root = name.substr(0, name.find('.'));
    std::string roots;
    for (const std::string& key : known) {
      std::string r = key.substr(0, key.find('.'));
      if (roots.find(r + ",") == std::string::npos) roots += r + ",";
    }
    hint = "known names start with: " + roots.substr(0, roots.empty() ? 0 : roots.size() - 1);
    if (roots.find(root + ",") != std::string::npos) {
      hint = "no such name under '" + root + "'";
    }
  }
  return Fail(start, "unknown name '" + Abbreviate(name) + "'", hint);
}

}  // namespace

std::variant<TemplateValue, TemplateError> EvaluateTemplate(std::string_view text,
                                                            const TemplateScope& scope) {
  return Evaluator(text, scope).Run();
}

}  // namespace dflow
