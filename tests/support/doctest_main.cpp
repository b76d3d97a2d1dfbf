// The test binaries' main: doctest's, plus one check. ctest runs each test case alone with
// `--test-case=<name>` (doctest_discover_tests), and doctest passes a run whose filter matched
// nothing. A name that ctest cannot carry whole (one with a ';', which CMake splits into two
// list items) then "passed" without running: 33 test cases did until this check. So a run that
// asks for test cases by name and runs none fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

int g_test_cases_started = 0;

// Counts the test cases that start (listeners see every event, whatever the reporter).
struct StartedCounter : doctest::IReporter {
  explicit StartedCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override { ++g_test_cases_started; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("started-counter", 1, StartedCounter);

bool AsksForTestCasesByName(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    for (std::string_view flag : {"--test-case=", "-tc=", "--dt-test-case=", "--dt-tc="})
      if (arg.substr(0, flag.size()) == flag) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;  // --list-test-cases, --help, ...
  if (result == 0 && g_test_cases_started == 0 && AsksForTestCasesByName(argc, argv)) {
    std::fputs(
        "no test case matched the --test-case filter: nothing ran (a ';' in a test "
        "case's name splits it in ctest; use ',')\n",
        stderr);
    return 1;
  }
  return result;
}
