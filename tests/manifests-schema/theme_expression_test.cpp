#include "manifests-schema/theme_expression.h"

#include <doctest/doctest.h>

#include <string>

namespace dflow {
namespace {

TemplateScope ExpressionScope() {
  using Type = TemplateValue::Type;
  TemplateScope scope;
  scope["params.domain"] = TemplateValue::Text("n8n.example.com");
  scope["params.queueMode"] = TemplateValue::Text("true", Type::kBool);
  scope["params.cache"] = TemplateValue::Text("false", Type::kBool);
  scope["params.workers"] = TemplateValue::Text("2", Type::kInt);
  scope["params.runners"] = TemplateValue::Text("external");
  scope["params.empty"] = TemplateValue::Text("");
  scope["product.defaultVersion"] = TemplateValue::Text("2.42.6");
  scope["secrets.encryptionKey"] =
      TemplateValue::Reference(TemplatePart::Kind::kSecret, "N8N_ENCRYPTION_KEY");
  scope["datastores.db.host"] = TemplateValue::Text("dokku-postgres-a-db-production");
  scope["datastores.db.password"] =
      TemplateValue::Reference(TemplatePart::Kind::kDatastore, "a-db-production", "password");
  return scope;
}

// The evaluated template in its rendered form plus its type, or "error@offset: message".
std::string Evaluate(const std::string& text) {
  auto result = EvaluateTemplate(text, ExpressionScope());
  if (auto* e = std::get_if<TemplateError>(&result)) {
    return "error@" + std::to_string(e->offset) + ": " + e->message;
  }
  const TemplateValue& v = std::get<TemplateValue>(result);
  const char* type = v.type == TemplateValue::Type::kBool  ? "bool"
                     : v.type == TemplateValue::Type::kInt ? "int"
                                                           : "string";
  return std::string(type) + " " + v.ToTemplate();
}

TEST_CASE("templates substitute names, literals and the operators the themes use") {
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"plain text", "string plain text"},
      {"", "string "},
      {"https://${params.domain}/", "string https://n8n.example.com/"},
      {"${params.workers}", "int 2"},
      {"${params.queueMode}", "bool true"},
      {"${ params.queueMode }", "bool true"},
      {"x${params.queueMode}", "string xtrue"},
      {"${params.queueMode ? 'queue' : 'regular'}", "string queue"},
      {"${params.cache ? 'redis' : \"memory\"}", "string memory"},
      {"${params.runners == 'external'}", "bool true"},
      {"${params.runners != 'external'}", "bool false"},
      {"${params.empty != ''}", "bool false"},
      {"${!params.cache}", "bool true"},
      {"${params.cache || params.queueMode && !params.cache}", "bool true"},
      {"${(params.cache || params.queueMode) && params.cache}", "bool false"},
      {"${params.cache ? 'a' : params.queueMode ? 'b' : 'c'}", "string b"},
      {"${true}${false}${42}", "string truefalse42"},
      {"${product.defaultVersion}", "string 2.42.6"},
      {"cost $5, $${not.a.name}", "string cost $5, $${not.a.name}"},
      {"$", "string $"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(Evaluate(c.text) == c.expected);
  }
}

TEST_CASE("a secret or datastore value stays a reference through the evaluation") {
  CHECK(Evaluate("${secrets.encryptionKey}") == "string ${secrets.N8N_ENCRYPTION_KEY}");
  CHECK(Evaluate("postgres://postgres:${datastores.db.password}@${datastores.db.host}:5432") ==
        "string postgres://postgres:${datastores.a-db-production.password}"
        "@dokku-postgres-a-db-production:5432");
  CHECK(Evaluate("${params.queueMode ? datastores.db.password : ''}") ==
        "string ${datastores.a-db-production.password}");
  auto result = EvaluateTemplate("k=${secrets.encryptionKey}", ExpressionScope());
  const TemplateValue& v = std::get<TemplateValue>(result);
  CHECK_FALSE(v.IsPlain());
  REQUIRE(v.parts.size() == 2);
  CHECK(v.parts[1].kind == TemplatePart::Kind::kSecret);
}

TEST_CASE("bad templates are refused with the offset of the mistake") {
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"a ${params.domian} b", "error@4: unknown name 'params.domian'"},
      {"${nope}", "error@2: unknown name 'nope'"},
      {"https://${params.domain", "error@8: unterminated '${'"},
      {"${", "error@2: unterminated '${'"},
      {"${}", "error@2: empty expression in '${}'"},
      {"${params.domain params.domain}", "error@16: unexpected 'p' in expression"},
      {"${'abc}", "error@2: unterminated string"},
      {"${params.domain ? 'a' : 'b'}",
       "error@2: the condition before '?' must be true or false, "
       "got a string"},
      {"${params.queueMode ? 'a'}", "error@24: expected ':' in 'condition ? a : b'"},
      {"${!params.domain}", "error@3: the operand of '!' must be true or false, got a string"},
      {"${params.workers && true}",
       "error@2: the left side of '&&' must be true or false, got an "
       "integer"},
      {"${secrets.encryptionKey == 'x'}",
       "error@2: a secret or datastore value cannot be "
       "compared"},
      {"${(params.cache}", "error@2: unclosed '('"},
      {"${1234567890}", "error@2: integer too large"},
      {"${params.domain + 'x'}", "error@16: unexpected '+' in expression"},
      {"${#}", "error@2: unexpected '#' in expression"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(Evaluate(c.text) == c.expected);
  }
}

TEST_CASE("unknown names get a did-you-mean or the known roots") {
  auto result = EvaluateTemplate("${params.domian}", ExpressionScope());
  CHECK(std::get<TemplateError>(result).hint == "did you mean 'params.domain'?");
  result = EvaluateTemplate("${params.zzzzzzzzzz}", ExpressionScope());
  CHECK(std::get<TemplateError>(result).hint == "no such name under 'params'");
  result = EvaluateTemplate("${zzzz.x}", ExpressionScope());
  CHECK(std::get<TemplateError>(result).hint ==
        "known names start with: datastores,params,product,secrets");
}

TEST_CASE("hostile templates are refused within the bounds") {
  std::string deep = "${" + std::string(10000, '(') + "true" + std::string(10000, ')') + "}";
  CHECK(Evaluate(deep) == "error@0: template of 20007 bytes is too long");
  std::string nested = "${" + std::string(16, '(') + "true" + std::string(16, ')') + "}";
  CHECK(Evaluate(nested) == "bool true");
  nested = "${" + std::string(100, '(') + "true" + std::string(100, ')') + "}";
  CHECK(Evaluate(nested) == "error@18: expression nested too deeply");
  std::string nots = "${" + std::string(1000, '!') + "true}";
  CHECK(Evaluate(nots) == "error@18: expression nested too deeply");
  std::string ternaries = "${";
  for (int i = 0; i < 100; ++i) ternaries += "true ? ";
  CHECK(Evaluate(ternaries + "1}").starts_with("error@"));
  CHECK(Evaluate(std::string(1 << 20, 'a')) == "error@0: template of 1048576 bytes is too long");
  // Each substitution is small, the result is not: it stops at the output bound.
  TemplateScope scope;
  scope["params.x"] = TemplateValue::Text(std::string(2000, 'x'));
  std::string many;
  for (int i = 0; i < 300; ++i) many += "${params.x}";
  auto result = EvaluateTemplate(many, scope);
  REQUIRE(std::holds_alternative<TemplateError>(result));
  CHECK(std::get<TemplateError>(result).message == "template result is longer than 16384 bytes");
  CHECK(std::get<TemplateError>(result).offset == 66);
  std::string unterminated = "${'" + std::string(3000, 'a');
  CHECK(Evaluate(unterminated) == "error@2: unterminated string");
}

TEST_CASE("HasTemplate tells templates from plain values") {
  CHECK(HasTemplate("${x}"));
  CHECK(HasTemplate("a$${x}${y}"));
  CHECK_FALSE(HasTemplate("a$${x}"));
  CHECK_FALSE(HasTemplate("$5 and {braces}"));
}

}  // namespace
}  // namespace dflow
