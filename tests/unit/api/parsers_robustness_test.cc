// Deterministic mini-fuzzer for the api parsers, run in ctest. Feeds a few thousand mutated and
// random strings (fixed seed) to every parser and checks the properties in
// fuzz/api_parser_checks.h: no crash, only kInvalidArgument failures, results that satisfy
// their invariants and survive a format/parse round trip. The libFuzzer target
// (fuzz/api_parsers_fuzz.cc) checks the same properties with coverage guidance.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/api_parser_checks.h"

namespace fairway::api {
namespace {

using fuzz::CheckApiParsers;

// Valid and near-valid inputs of every parser.
const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      // time limits
      "30",
      "90:30",
      "2:00:00",
      "1-12",
      "1-12:30",
      "1-12:30:15",
      "UNLIMITED",
      "INFINITE",
      "-1",
      "0",
      "4294967294",
      "0:90:00",
      // begin times
      "16:00",
      "4:00pm",
      "12:00 AM",
      "midnight",
      "noon",
      "elevenses",
      "fika",
      "teatime",
      "today",
      "tomorrow noon",
      "now",
      "now+1hour",
      "now - 30 minutes",
      "now+2weeks",
      "2025-04-01",
      "2025-04-01T10:00:30",
      "040125",
      "04/01/25",
      "04.01",
      "02/29",
      "04/01-10:00",
      "10:00 tomorrow",
      // array specs
      "0-99",
      "1,3,5-7",
      "0-15:4",
      "1-100:10%3",
      "0,6,16-32",
      "0-31%4",
      "0-10:2,1-9:2",
      "1,2-10:3,0-20:5",
      "0-4000000:7",
      // dependencies
      "afterok:123",
      "after:12+5:13",
      "afterany:1,afterok:2",
      "afterok:1?afternotok:2",
      "singleton",
      "123:456",
      "123_4",
      "afterok:prep-data:123_4",
      "aftercorr:9",
      // gres
      "gpu",
      "gpu:4",
      "gpu:a100:2",
      "gpu:a100",
      "gpu:0",
      "a100:2",
      // quantities
      "500m",
      "2",
      "1.5",
      "0.1",
      "64Gi",
      "512Mi",
      "1G",
      "1e3",
      "1.5Gi",
      "100k",
      "7Ei",
      "9223372036854775807",
      ".5",
      "1E-3",
  };
  return seeds;
}

// Characters that matter to at least one grammar, plus a few hostile bytes.
constexpr std::string_view kAlphabet =
    "0123456789:-,?%+_.Tt/ aAmMpPnowekKGgiIuUdhsSwNE\t\n\x01\x7f\xff\0";

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  std::string Next() {
    const std::vector<std::string>& seeds = Seeds();
    std::string s = seeds[Below(seeds.size())];
    int rounds = 1 + static_cast<int>(Below(4));
    for (int r = 0; r < rounds; ++r) {
      Mutate(s, seeds);
    }
    return s;
  }

  std::string Random() {
    std::string s;
    size_t len = Below(24);
    for (size_t i = 0; i < len; ++i) {
      s += RandomChar();
    }
    return s;
  }

 private:
  // std::mt19937_64's output is fixed by the standard, so the sequence is the same everywhere
  // (unlike the standard distributions, which are not used here).
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  char RandomChar() {
    // kAlphabet includes its trailing NUL through sizeof - 1.
    static constexpr char kChars[] =
        "0123456789:-,?%+_.Tt/ aAmMpPnowekKGgiIuUdhsSwNE\t\n\x01\x7f\xff";
    if (Below(8) == 0) {
      return static_cast<char>(Below(256));
    }
    return kChars[Below(sizeof(kChars) - 1)];
  }

  void Mutate(std::string& s, const std::vector<std::string>& seeds) {
    switch (Below(8)) {
      case 0:  // insert a character
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(Below(s.size() + 1)), RandomChar());
        break;
      case 1:  // delete a character
        if (!s.empty()) s.erase(Below(s.size()), 1);
        break;
      case 2:  // replace a character
        if (!s.empty()) s[Below(s.size())] = RandomChar();
        break;
      case 3:  // duplicate a slice
        if (!s.empty()) {
          size_t at = Below(s.size());
          s.insert(at, s.substr(at, 1 + Below(s.size() - at)));
        }
        break;
      case 4:  // splice another seed in
        s.insert(Below(s.size() + 1), seeds[Below(seeds.size())]);
        break;
      case 5:  // join with a separator
        s += kAlphabet[Below(kAlphabet.size())];
        s += seeds[Below(seeds.size())];
        break;
      case 6:  // inflate a digit into a huge number
        for (size_t i = 0; i < s.size(); ++i) {
          if (s[i] >= '0' && s[i] <= '9') {
            s.insert(i, std::string(1 + Below(25), '9'));
            break;
          }
        }
        break;
      default:  // truncate
        s.resize(Below(s.size() + 1));
        break;
    }
  }

  std::mt19937_64 rng_;
};

// True if at least one parser accepts `input`: the mutations must keep reaching the success
// paths, not only the error paths.
bool AnyParserAccepts(std::string_view input) {
  const core::Timestamp now{core::Seconds(fuzz::kFuzzNowSeconds)};
  return ParseTimeLimit(input).ok() || ParseBeginTime(input, now).ok() ||
         ParseArraySpec(input).ok() || ParseDependency(input).ok() || ParseGres(input).ok() ||
         ParseGpus(input).ok() || ParseCpuMillis(input).ok() || ParseMemoryBytes(input).ok();
}

TEST(ParsersRobustnessTest, SeedsSatisfyEveryProperty) {
  for (const std::string& seed : Seeds()) {
    EXPECT_EQ(CheckApiParsers(seed), "") << "input: " << seed;
  }
}

TEST(ParsersRobustnessTest, MutatedInputsNeverCrashAndFailCleanly) {
  Mutator m(0x5eed'fa1e'a11e'0001ULL);
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string input = m.Next();
    std::string violation = CheckApiParsers(input);
    ASSERT_EQ(violation, "") << "case " << i << ", input (" << input.size() << " bytes): " << input;
    accepted += AnyParserAccepts(input) ? 1 : 0;
  }
  // Both outcomes must be well represented for the test to mean anything.
  EXPECT_GT(accepted, 400);
  EXPECT_LT(accepted, 3600);
}

TEST(ParsersRobustnessTest, RandomBytesNeverCrashAndFailCleanly) {
  Mutator m(42);
  for (int i = 0; i < 2000; ++i) {
    std::string input = m.Random();
    std::string violation = CheckApiParsers(input);
    ASSERT_EQ(violation, "") << "case " << i << ", input (" << input.size() << " bytes): " << input;
  }
}

TEST(ParsersRobustnessTest, PathologicalInputsFailCleanly) {
  const std::vector<std::string> inputs = {
      std::string(10000, '9'),
      std::string(10000, ':'),
      std::string(10000, ','),
      std::string(10000, '-'),
      std::string(1, '\0'),
      std::string("1\0"
                  "2",
                  3),
      std::string(300, 'a'),
      "afterok:" + std::string(5000, '1'),
      "now+" + std::string(100, '9') + "weeks",
      "0-" + std::string(30, '9') + ":" + std::string(30, '9'),
  };
  for (const std::string& input : inputs) {
    EXPECT_EQ(CheckApiParsers(input), "") << "input size " << input.size();
  }
}

}  // namespace
}  // namespace fairway::api
